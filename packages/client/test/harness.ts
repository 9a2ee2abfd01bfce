import { createServer } from "node:http";
import type { Socket } from "node:net";
import { RTCPeerConnection } from "./webrtc.js";
import { onTestFinished } from "vitest";
import { WebSocket } from "ws";
import { SignalingServer, type SignalingServerOptions } from "@raycaster/realtime-server";
import { RTCClient, type RTCClientEvents, type RTCClientOptions } from "../src/index.js";

// Captured before any test fakes timers: deadlines must run on real time.
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/** Deadline of a labelled wait; below the 20 s test timeout, so the label is what fails. */
export const WAIT_MS = 10_000;

/**
 * `promise`, or a rejection naming what was awaited (and, if given, what was
 * seen instead) once `ms` pass.
 */
export function within<T>(label: string, promise: Promise<T>, ms = WAIT_MS, seen?: () => unknown): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = realSetTimeout(() => {
      const saw = seen ? `; seen: ${JSON.stringify(seen())}` : "";
      reject(new Error(`waited ${ms} ms for ${label}${saw}`));
    }, ms);
  });
  return Promise.race([promise, deadline]).finally(() => realClearTimeout(timer));
}

/**
 * A real signaling server on a free port (or the `port` given: a restart),
 * closed when the test ends.
 */
export async function startServer(options: Partial<SignalingServerOptions> & { port?: number } = {}) {
  const { port: wanted = 0, ...serverOptions } = options;
  const http = createServer();
  const sockets = new Set<Socket>();
  http.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  const signaling = new SignalingServer({ ...serverOptions, server: http });
  http.listen(wanted, "127.0.0.1");
  const { port } = await signaling.listening();
  let closed: Promise<void> | undefined;
  /** Closes the signaling server and its HTTP server, freeing the port. */
  const close = () =>
    (closed ??= (async () => {
      await signaling.close();
      await new Promise((resolve) => http.close(resolve));
    })());
  onTestFinished(close);
  /** Drops every TCP connection from the server's side, as a network reset would: no close frame. */
  const dropSockets = () => {
    for (const socket of sockets) socket.destroy();
  };
  return { signaling, url: `ws://127.0.0.1:${port}`, port, close, dropSockets };
}

type ClientOptions = Omit<RTCClientOptions, "RTCPeerConnection" | "WebSocket"> & Partial<RTCClientOptions>;

/**
 * A client with real WebRTC (see webrtc.ts) and a real WebSocket (ws),
 * closed when the test ends. Its events are recorded from the start, so a
 * test can await one that already happened.
 */
export function createClient(options: ClientOptions) {
  const recorder = new Recorder(options);
  onTestFinished(() => recorder.client.close());
  return recorder;
}

type EventName = keyof RTCClientEvents;
type Recorded = { name: EventName; payload: unknown };

/**
 * An RTCClient that records every event it emits. Recording happens in
 * `emit` itself rather than through a listener, so that nothing the client
 * does (close() removes every listener) can stop it: a test then sees an
 * event fired after close(), which a listener would have missed.
 */
class RecordingClient extends RTCClient {
  onEmit: (event: Recorded) => void = () => undefined;

  protected override emit<K extends EventName>(name: K, payload: RTCClientEvents[K]): boolean {
    this.onEmit({ name, payload });
    return super.emit(name, payload);
  }
}

/** Records a client's events and lets a test wait for one that matches. */
export class Recorder {
  readonly client: RTCClient;
  readonly events: Recorded[] = [];
  #waiters: { name: EventName; match: (p: never) => boolean; resolve: (p: never) => void }[] = [];

  constructor(options: ClientOptions) {
    const client = new RecordingClient({ RTCPeerConnection, WebSocket, ...options });
    client.onEmit = ({ name, payload }) => {
      this.events.push({ name, payload });
      this.#waiters = this.#waiters.filter((w) => {
        if (w.name !== name || !w.match(payload as never)) return true;
        w.resolve(payload as never);
        return false;
      });
    };
    this.client = client;
    // Errors are recorded above; this listener only keeps the client from
    // writing them to console.error, which some tests watch for leaks.
    client.on("error", () => undefined);
  }

  /**
   * Resolves with the first event of `name` (past or future) that `match`
   * accepts; rejects after `ms` naming `label` (or the event) and the events seen.
   */
  when<K extends EventName>(
    name: K,
    match: (payload: RTCClientEvents[K]) => boolean = () => true,
    { label = name, ms = WAIT_MS, since = 0 }: { label?: string; ms?: number; since?: number } = {},
  ): Promise<RTCClientEvents[K]> {
    const past = this.events.slice(since).find((e) => e.name === name && match(e.payload as RTCClientEvents[K]));
    if (past) return Promise.resolve(past.payload as RTCClientEvents[K]);
    const waiting = new Promise<RTCClientEvents[K]>((resolve) =>
      this.#waiters.push({ name, match: match as (p: never) => boolean, resolve: resolve as (p: never) => void }),
    );
    return within(`${label} (client ${this.client.id ?? "unseated"})`, waiting, ms, () => this.summary());
  }

  /** The events so far, compact enough for a failure message. */
  summary(): string[] {
    return this.events.map(({ name, payload }) =>
      name === "error" ? `error ${(payload as { code: string }).code}` : `${name} ${JSON.stringify(payload)}`,
    );
  }

  /** Resolves when `signalingState` becomes `state`, looking at events from index `since` on. */
  state(state: RTCClientEvents["signalingState"]["state"], since = 0) {
    return this.when("signalingState", (e) => e.state === state, { label: `signalingState ${state}`, since });
  }

  /** Names of the events so far, in order. */
  names(): EventName[] {
    return this.events.map((e) => e.name);
  }

  /** Resolves once the data channel to `peerId` is open. */
  connectedTo(peerId: string) {
    return this.when("peerConnected", (e) => e.peerId === peerId, { label: `peerConnected ${peerId}` });
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
