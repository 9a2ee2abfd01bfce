import {
  ErrorCodes,
  PROTOCOL_VERSION,
  parseServerMessage,
  SignalingEvents,
  type ClientMessage,
  type ServerMessage,
} from "@raycaster/realtime-protocol";
import { ClientErrorCodes, RealtimeError } from "./errors.js";

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
}

/** A WebSocket class: the global one in browsers and Node 22+, `ws` in Node 20. */
export type WebSocketConstructor = new (url: string) => SignalingSocket;

export interface SignalingHandlers {
  /** A valid frame from the server; `Initialize` only once its protocol version matched. */
  message(message: ServerMessage): void;
  error(error: RealtimeError): void;
  /** The socket closed, for whatever reason; called once. */
  closed(code: number, reason: string): void;
}

/**
 * The WebSocket to the signaling server: sends `Join` once open, validates
 * every frame the server sends, and serialises what the client sends.
 */
export class SignalingConnection {
  readonly #socket: SignalingSocket;
  readonly #handlers: SignalingHandlers;

  constructor(url: string, room: string, WebSocketImpl: WebSocketConstructor, handlers: SignalingHandlers) {
    this.#handlers = handlers;
    this.#socket = new WebSocketImpl(url);
    this.#socket.onopen = () => {
      this.send({ event: SignalingEvents.Join, protocol: PROTOCOL_VERSION, room });
    };
    this.#socket.onmessage = (event: { data: unknown }) => this.#receive(event.data);
    this.#socket.onerror = () => {
      // Browsers say nothing about why; the close event that follows has the code.
      handlers.error(new RealtimeError(ClientErrorCodes.SIGNALING_FAILED, `the WebSocket to ${url} failed`));
    };
    this.#socket.onclose = (event: { code: number; reason: string }) => handlers.closed(event.code, event.reason);
  }

  /** Whether frames can be sent now. */
  get open(): boolean {
    return this.#socket.readyState === 1;
  }

  /** Sends a frame; dropped when the socket is not open (negotiation cannot go on without it anyway). */
  send(message: ClientMessage): void {
    if (this.open) this.#socket.send(JSON.stringify(message));
  }

  /** Closes the socket; no handler is called after this. */
  close(): void {
    const socket = this.#socket;
    socket.onopen = socket.onmessage = socket.onclose = null;
    // Closing while still connecting makes the socket report an error;
    // `ws` throws one that nobody listens to, so someone must.
    socket.onerror = () => {};
    socket.close(1000, "client closed");
  }

  #receive(data: unknown): void {
    if (typeof data !== "string") {
      this.#handlers.error(
        new RealtimeError(ClientErrorCodes.INVALID_SERVER_MESSAGE, "the server sent a binary frame"),
      );
      return;
    }
    const parsed = parseServerMessage(data);
    if (!parsed.ok) {
      this.#handlers.error(
        new RealtimeError(ClientErrorCodes.INVALID_SERVER_MESSAGE, `the server sent an unreadable frame: ${parsed.reason}`),
      );
      return;
    }
    const message = parsed.message;
    if (message.event === SignalingEvents.Initialize && message.protocol !== PROTOCOL_VERSION) {
      this.#handlers.error(
        new RealtimeError(
          ErrorCodes.PROTOCOL_MISMATCH,
          `the server speaks protocol ${message.protocol}, this client ${PROTOCOL_VERSION}`,
        ),
      );
      // Browsers let a page close with 1000 or 3000–4999 only.
      this.#socket.close(1000, "protocol mismatch");
      return;
    }
    this.#handlers.message(message);
  }
}
