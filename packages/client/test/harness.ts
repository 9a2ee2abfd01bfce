import { Recorder as EventRecorder, startServer as start, within as harnessWithin } from "@raycaster/realtime-test-harness";
import { RTCPeerConnection } from "./webrtc.js";
import { onTestFinished } from "vitest";
import { WebSocket } from "ws";
import { SignalingServer, type SignalingServerOptions } from "@raycaster/realtime-server";
import { RealtimeError, RTCClient, type RTCClientEvents, type RTCClientOptions } from "../src/index.js";
import { expect } from "vitest";

/**
 * Deadline of a client test's wait: below the 20 s test timeout (see
 * vitest.config.ts), so the label is what fails, and above the product
 * timeouts these tests use (PRODUCT_TIMEOUTS below, or shorter ones a test
 * sets), so a wait for what such a timeout reports sees it.
 */
export const WAIT_MS = 10_000;

/** The harness's labelled deadline ({@link harnessWithin}), lasting {@link WAIT_MS} unless told. */
export function within<T>(label: string, promise: Promise<T>, ms = WAIT_MS, seen?: () => unknown): Promise<T> {
  return harnessWithin(label, promise, ms, seen);
}

/**
 * A real signaling server on a free port (or the `port` given: a restart),
 * closed when the test ends.
 */
export async function startServer(options: Partial<SignalingServerOptions> & { port?: number } = {}) {
  const { port, ...serverOptions } = options;
  const started = await start((http) => new SignalingServer({ ...serverOptions, server: http }), { port });
  return { signaling: started.server, url: started.url, port: started.port, close: started.close, dropSockets: started.dropSockets };
}

/**
 * The client's own deadlines in these tests, unless a test sets its own:
 * shorter than {@link WAIT_MS}, so a connection that never comes up (or an
 * ICE restart that never completes) is reported by the client within the
 * wait that depends on it, instead of the defaults (30 s and 15 s) outliving
 * the wait and the test.
 */
const PRODUCT_TIMEOUTS = { connectTimeout: 8_000, iceRestartTimeout: 8_000 } as const;

type ClientOptions = Omit<RTCClientOptions, "RTCPeerConnection" | "WebSocket"> & Partial<RTCClientOptions>;

/**
 * A client with real WebRTC (see webrtc.ts) and a real WebSocket (ws),
 * closed when the test ends. Its events are recorded from the start, so a
 * test can await one that already happened.
 */
export function createClient(options: ClientOptions) {
  const recorder = new Recorder({ ...PRODUCT_TIMEOUTS, ...options });
  onTestFinished(() => recorder.client.close());
  return recorder;
}

type EventName = keyof RTCClientEvents;

/**
 * An RTCClient that records every event it emits. Recording happens in
 * `emit` itself rather than through a listener, so that nothing the client
 * does (close() removes every listener) can stop it: a test then sees an
 * event fired after close(), which a listener would have missed.
 */
class RecordingClient extends RTCClient {
  onEmit: <K extends EventName>(name: K, payload: RTCClientEvents[K]) => void = () => undefined;

  protected override emit<K extends EventName>(name: K, payload: RTCClientEvents[K]): boolean {
    this.onEmit(name, payload);
    return super.emit(name, payload);
  }
}

/**
 * A client and the harness's recorder of its events, fed from the client's
 * own `emit` (see {@link RecordingClient}); waits last {@link WAIT_MS}.
 */
export class Recorder extends EventRecorder<RTCClientEvents> {
  readonly client: RTCClient;

  constructor(options: ClientOptions) {
    const client = new RecordingClient({ RTCPeerConnection, WebSocket, ...options });
    super({
      within: WAIT_MS,
      subject: () => `client ${client.id ?? "unseated"}`,
      show: ({ name, payload }) => (name === "error" ? `error ${(payload as { code: string }).code}` : `${name} ${JSON.stringify(payload)}`),
    });
    client.onEmit = (name, payload) => this.record(name, payload);
    this.client = client;
    // Errors are recorded above; this listener only keeps the client from
    // writing them to console.error, which some tests watch for leaks.
    client.on("error", () => undefined);
  }

  /** Resolves when `signalingState` becomes `state`, looking at events from index `since` on. */
  state(state: RTCClientEvents["signalingState"]["state"], since = 0) {
    return this.when("signalingState", (e) => e.state === state, { label: `signalingState ${state}`, since });
  }

  /** Resolves once the data channel to `peerId` is open. */
  connectedTo(peerId: string) {
    return this.when("peerConnected", (e) => e.peerId === peerId, { label: `peerConnected ${peerId}` });
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
    /** The frames sent, whole (JSON text). */
    sentFrames: [] as string[],
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
      tap.sentFrames.push(data);
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

/**
 * Two clients in one room, connected to each other. `setup` runs on each
 * client as soon as it exists (to declare channels before any peer is met).
 */
export async function connectedClients(
  url: string,
  options: { room?: string; alice?: ClientOptions; bob?: ClientOptions; setup?: (client: RTCClient) => void } = {},
) {
  const room = options.room ?? "r";
  const alice = createClient({ url, room, ...options.alice });
  options.setup?.(alice.client);
  const { id: aliceId } = await alice.when("open");
  const bob = createClient({ url, room, ...options.bob });
  options.setup?.(bob.client);
  const { id: bobId } = await bob.when("open");
  await Promise.all([alice.connectedTo(bobId), bob.connectedTo(aliceId)]);
  return { alice, bob, aliceId, bobId };
}

/** The run's RTCPeerConnection, remembering every data channel it creates, so a test can read their real options or write frames by hand. */
export function capturingPeerConnections() {
  const channels: RTCDataChannel[] = [];
  class CapturingPeerConnection extends RTCPeerConnection {
    override createDataChannel(...args: Parameters<InstanceType<typeof RTCPeerConnection>["createDataChannel"]>) {
      const channel = super.createDataChannel(...args);
      channels.push(channel as unknown as RTCDataChannel);
      return channel;
    }
  }
  return { RTCPeerConnection: CapturingPeerConnection, channels };
}

/** The code a promise rejects with (a {@link RealtimeError}), or `"no error"`. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(RealtimeError);
    return (error as RealtimeError).code;
  }
  return "no error";
}
