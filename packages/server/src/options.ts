import type { Server as HttpServer } from "node:http";
import type { Server as HttpsServer } from "node:https";
import { Limits } from "@raycaster/realtime-protocol";
import type { RoomAdapter } from "./adapter.js";
import { MemoryRoomAdapter } from "./memoryAdapter.js";

/** Options of {@link SignalingServer}. Give either `server` or `port`. */
export interface SignalingServerOptions {
  /** An HTTP(S) server to attach to; the signaling server handles its WebSocket upgrades. */
  server?: HttpServer | HttpsServer;
  /** A port to listen on with a server of its own (`0` picks a free one). */
  port?: number;
  /** The host to listen on with `port`. Default: all interfaces. */
  host?: string;
  /** Only accept WebSocket upgrades on this path, e.g. `"/signaling"`. Default: any path. */
  path?: string;
  /**
   * The largest frame, in bytes, the server handles. A larger one is
   * answered with `MESSAGE_TOO_LARGE` and the connection stays open; one
   * larger than four times this closes the connection (1009) before it is
   * buffered whole. Default: 64 KiB.
   */
  maxMessageSize?: number;
  /**
   * The most peers one room holds; a `Join` beyond it gets `ROOM_FULL`.
   * Default and ceiling: the protocol's `Limits.peersPerRoom` (1024), the
   * longest peer list a client accepts in `Initialize`.
   */
  maxPeersPerRoom?: number;
  /** Milliseconds between heartbeat pings; a socket that misses one is dropped. `0` disables. Default: 30 000. */
  heartbeatInterval?: number;
  /** Milliseconds a new connection has to send `Join` before it is closed. Default: 10 000. */
  joinTimeout?: number;
  /** Where rooms live. Default: a {@link MemoryRoomAdapter}. */
  adapter?: RoomAdapter;
  /**
   * Called with an unexpected failure: while handling a valid frame (the
   * sender gets `INTERNAL_ERROR`; the server carries on), in a custom
   * adapter, or of the HTTP server (which `ws` passes on). Default: `console.error`.
   */
  onError?: (error: unknown) => void;
}

/** The options with every default filled in. */
export interface ResolvedOptions {
  maxMessageSize: number;
  maxPeersPerRoom: number;
  heartbeatInterval: number;
  joinTimeout: number;
  adapter: RoomAdapter;
  onError: (error: unknown) => void;
}

export function resolveOptions(options: SignalingServerOptions): ResolvedOptions {
  if ((options.server === undefined) === (options.port === undefined)) {
    throw new TypeError("SignalingServer needs exactly one of `server` or `port`");
  }
  return {
    maxMessageSize: positive(options.maxMessageSize, 64 * 1024, "maxMessageSize"),
    maxPeersPerRoom: Math.min(
      positive(options.maxPeersPerRoom, Limits.peersPerRoom, "maxPeersPerRoom"),
      Limits.peersPerRoom,
    ),
    heartbeatInterval: delay(options.heartbeatInterval, 30_000, "heartbeatInterval", 0),
    joinTimeout: delay(options.joinTimeout, 10_000, "joinTimeout", 1),
    adapter: options.adapter ?? new MemoryRoomAdapter(),
    onError: options.onError ?? ((error) => console.error("[realtime-server]", error)),
  };
}

/** The longest delay a Node timer honours; longer ones fire at once. */
const MAX_DELAY = 2 ** 31 - 1;

function delay(value: number | undefined, fallback: number, name: string, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > MAX_DELAY) {
    throw new RangeError(`\`${name}\` must be a whole number of milliseconds from ${min} to ${MAX_DELAY}, got ${value}`);
  }
  return value;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`\`${name}\` must be a positive number, got ${value}`);
  }
  return value;
}
