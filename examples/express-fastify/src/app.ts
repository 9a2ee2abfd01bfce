import type { AddressInfo } from "node:net";
import type { SignalingServer } from "@raycaster/realtime-server";

/** One of the example apps, listening. */
export interface RunningApp {
  /** Where it listens. */
  address: AddressInfo;
  /** The signaling server on its `/signal` path. */
  signaling: SignalingServer;
  /** Closes the signaling server (every socket, 1001), then the app and its HTTP server. */
  close(): Promise<void>;
}

/** Where to listen: port 0 picks a free one. */
export interface ListenOptions {
  port: number;
  host?: string;
}
