import { CloseCodes, PROTOCOL_VERSION, parseServerMessage, type ClientMessage, type ServerMessage } from "@raycaster/realtime-protocol/client";
import { RealtimeError } from "./errors.js";

/**
 * `url` with a join on the upgrade request in its query (`JoinQuery`): the
 * server seats the client as it opens the socket. Throws a `TypeError` for
 * a URL that is not one, where the WebSocket constructor would throw.
 */
export function joinUrl(url: string, room: string): string {
  const parsed = new URL(url);
  // `JoinQuery`'s names, spelt out: ten bytes less in the browser bundle; the tests hold them equal.
  parsed.searchParams.set("protocol", String(PROTOCOL_VERSION));
  parsed.searchParams.set("room", room);
  return parsed.href;
}

/**
 * The part of a WebSocket the client uses: the browser's fits, and so does
 * `ws`'s. Handlers take `never` so that any implementation's own event types
 * are accepted; the client reads only `data`, `code` and `reason`.
 */
export interface SignalingSocket {
  readonly readyState: number;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** `ws`'s immediate teardown; used, when present, for a socket found dead. */
  terminate?(): void;
}

/** A WebSocket class: the global one in browsers and Node 22+, `ws` in Node 20. */
export type WebSocketConstructor = new (url: string) => SignalingSocket;

export interface SignalingChannelHandlers {
  /** The socket is open: time to send `Join`. */
  open(): void;
  /** A frame arrived, readable or not: the socket is alive. */
  heard(): void;
  /** A valid frame from the server; `Initialize` only once its protocol version matched. */
  message(message: ServerMessage): void;
  /** Something that must not vanish but does not end the socket (an unreadable frame). */
  error(error: RealtimeError): void;
  /** Called once when the socket ends, unless {@link SignalingChannel.close} ended it. */
  closed(code: number, reason: string): void;
}

/**
 * One WebSocket to the signaling server: validates every frame the server
 * sends and serialises what the client sends. It knows nothing of retrying:
 * the reconnect loop (connection.ts) makes a new one per attempt.
 */
export class SignalingChannel {
  readonly #socket: SignalingSocket;
  readonly #handlers: SignalingChannelHandlers;

  constructor(url: string, WebSocketImpl: WebSocketConstructor, handlers: SignalingChannelHandlers) {
    this.#handlers = handlers;
    this.#socket = new WebSocketImpl(url);
    this.#socket.onopen = () => handlers.open();
    this.#socket.onmessage = (event: { data: unknown }) => {
      handlers.heard();
      this.#receive(event.data);
    };
    // Browsers say nothing about why; the close event that follows has the
    // code, and that is what the reconnect loop acts on. Without a listener
    // `ws` would throw the error where nobody catches it.
    this.#socket.onerror = () => undefined;
    this.#socket.onclose = (event: { code: number; reason: string }) => handlers.closed(event.code, event.reason);
  }

  /** Whether frames can be sent now. */
  get open(): boolean {
    return this.#socket.readyState === 1;
  }

  /** Sends `Join`, with the resume token of the seat to take back if there is one. */
  join(room: string, token: string | undefined): void {
    this.send({ event: "Join", protocol: PROTOCOL_VERSION, room, ...(token !== undefined && { token }) });
  }

  /** Sends a frame; returns false (and sends nothing) when the socket is not open. */
  send(message: ClientMessage): boolean {
    if (!this.open) return false;
    this.#socket.send(JSON.stringify(message));
    return true;
  }

  /**
   * Closes the socket; no handler is called after this. `1000` tells the
   * server we leave (it frees the seat at once); any other code (4000 and up
   * from a client) lets it keep the seat for us to resume. A socket found
   * dead is torn down at once where the implementation can (`ws`), rather
   * than waiting out a closing handshake nobody will answer.
   */
  close(code: number, reason: string, options: { dead?: boolean } = {}): void {
    const socket = this.#socket;
    socket.onopen = socket.onmessage = socket.onclose = null;
    // Closing while still connecting makes the socket report an error,
    // which is expected here: the listener stays so that `ws` has one.
    socket.onerror = () => undefined;
    if (options.dead && typeof socket.terminate === "function") socket.terminate();
    else socket.close(code, reason);
  }

  #receive(data: unknown): void {
    if (typeof data !== "string") {
      this.#handlers.error(new RealtimeError("INVALID_SERVER_MESSAGE", "the server sent a binary frame"));
      return;
    }
    const parsed = parseServerMessage(data);
    if (!parsed.ok) {
      this.#handlers.error(new RealtimeError("INVALID_SERVER_MESSAGE", `the server sent an unreadable frame: ${parsed.reason}`));
      return;
    }
    const message = parsed.message;
    if (message.event === "Initialize" && message.protocol !== PROTOCOL_VERSION) {
      const reason = `the server speaks protocol ${message.protocol}, this client ${PROTOCOL_VERSION}`;
      this.#handlers.error(new RealtimeError("PROTOCOL_MISMATCH", reason));
      // 1000 frees the seat the server just gave us. Locally the end is the
      // final ProtocolMismatch close, so the loop does not try again.
      this.close(1000, "protocol mismatch");
      this.#handlers.closed(CloseCodes.ProtocolMismatch, reason);
      return;
    }
    this.#handlers.message(message);
  }
}
