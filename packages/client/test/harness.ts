import { createServer } from "node:http";
import { RTCPeerConnection } from "./webrtc.js";
import { onTestFinished } from "vitest";
import { WebSocket } from "ws";
import { SignalingServer } from "@raycaster/realtime-server";
import { RTCClient, type RTCClientEvents, type RTCClientOptions } from "../src/index.js";

/** A real signaling server on a free port, closed when the test ends. */
export async function startServer() {
  const http = createServer();
  const signaling = new SignalingServer({ server: http });
  http.listen(0, "127.0.0.1");
  const { port } = await signaling.listening();
  onTestFinished(async () => {
    await signaling.close();
    await new Promise((resolve) => http.close(resolve));
  });
  return { signaling, url: `ws://127.0.0.1:${port}` };
}

/**
 * A client with real WebRTC (see webrtc.ts) and a real WebSocket (ws),
 * closed when the test ends. Its events are recorded from the start, so a
 * test can await one that already happened.
 */
export function createClient(options: Omit<RTCClientOptions, "RTCPeerConnection" | "WebSocket"> & Partial<RTCClientOptions>) {
  const client = new RTCClient({ RTCPeerConnection, WebSocket, ...options });
  onTestFinished(() => client.close());
  return new Recorder(client);
}

type EventName = keyof RTCClientEvents;

/** Records a client's events and lets a test wait for one that matches. */
export class Recorder {
  readonly client: RTCClient;
  readonly events: { name: EventName; payload: unknown }[] = [];
  #waiters: { name: EventName; match: (p: never) => boolean; resolve: (p: never) => void }[] = [];

  constructor(client: RTCClient) {
    this.client = client;
    const names: EventName[] = ["open", "peerJoined", "peerConnected", "message", "peerLeft", "error", "signalingClosed"];
    for (const name of names) {
      client.on(name, (payload) => {
        this.events.push({ name, payload });
        this.#waiters = this.#waiters.filter((w) => {
          if (w.name !== name || !w.match(payload as never)) return true;
          w.resolve(payload as never);
          return false;
        });
      });
    }
  }

  /** Resolves with the first event of `name` (past or future) that `match` accepts. */
  when<K extends EventName>(name: K, match: (payload: RTCClientEvents[K]) => boolean = () => true): Promise<RTCClientEvents[K]> {
    const past = this.events.find((e) => e.name === name && match(e.payload as RTCClientEvents[K]));
    if (past) return Promise.resolve(past.payload as RTCClientEvents[K]);
    return new Promise((resolve) => this.#waiters.push({ name, match: match as (p: never) => boolean, resolve: resolve as (p: never) => void }));
  }

  /** Resolves once the data channel to `peerId` is open. */
  connectedTo(peerId: string) {
    return this.when("peerConnected", (e) => e.peerId === peerId);
  }

  /** Payloads of every event of `name` so far. */
  all<K extends EventName>(name: K): RTCClientEvents[K][] {
    return this.events.filter((e) => e.name === name).map((e) => e.payload as RTCClientEvents[K]);
  }
}

/**
 * A real `ws` WebSocket behind the interface the client uses, recording the
 * event of every frame sent and received. With `holdOffersUntilSent`, an
 * incoming offer is held back until this side has sent its own: both offers
 * are then in flight at once, which is glare by construction rather than by
 * luck of timing.
 */
export function tappedWebSocket(options: { holdOffersUntilSent?: boolean } = {}) {
  const tap = {
    sent: [] as string[],
    received: [] as string[],
    /** Both ways in order: "sent:SendOffer", "received:ReceiveAnswer", ... */
    log: [] as string[],
    socket: undefined as WebSocket | undefined,
  };
  type Handler = ((event: unknown) => void) | null;

  class TappedWebSocket {
    onopen: Handler = null;
    onmessage: Handler = null;
    onclose: Handler = null;
    onerror: Handler = null;
    readonly #socket: WebSocket;
    readonly #held: { data: unknown }[] = [];

    constructor(url: string) {
      const socket = new WebSocket(url);
      this.#socket = tap.socket = socket;
      socket.onopen = (event) => this.onopen?.(event);
      socket.onclose = (event) => this.onclose?.(event);
      socket.onerror = (event) => this.onerror?.(event);
      socket.onmessage = (event) => {
        if (options.holdOffersUntilSent && eventOf(event.data) === "ReceiveOffer" && !tap.sent.includes("SendOffer")) {
          this.#held.push(event);
        } else {
          this.#deliver(event);
        }
      };
    }

    get readyState() {
      return this.#socket.readyState;
    }

    send(data: string): void {
      tap.sent.push(eventOf(data));
      tap.log.push(`sent:${eventOf(data)}`);
      this.#socket.send(data);
      if (tap.sent.includes("SendOffer")) for (const event of this.#held.splice(0)) this.#deliver(event);
    }

    close(code?: number, reason?: string): void {
      this.#socket.close(code, reason);
    }

    #deliver(event: { data: unknown }): void {
      tap.received.push(eventOf(event.data));
      tap.log.push(`received:${eventOf(event.data)}`);
      this.onmessage?.(event);
    }
  }
  return { tap, WebSocket: TappedWebSocket };
}

function eventOf(data: unknown): string {
  return (JSON.parse(String(data)) as { event: string }).event;
}

/**
 * The run's RTCPeerConnection, remembering every instance, so a
 * test can see how many connections a client made and which are still open.
 */
export function countedPeerConnections() {
  const created: InstanceType<typeof RTCPeerConnection>[] = [];
  class CountedPeerConnection extends RTCPeerConnection {
    constructor(configuration?: ConstructorParameters<typeof RTCPeerConnection>[0]) {
      super(configuration);
      created.push(this);
    }
  }
  return {
    RTCPeerConnection: CountedPeerConnection,
    created,
    open: () => created.filter((pc) => pc.connectionState !== "closed").length,
  };
}
