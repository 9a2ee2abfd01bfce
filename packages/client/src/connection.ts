import { FinalCloseCodes, type ClientMessage, type ErrorCode, type InitializeMessage, type ServerMessage } from "@raycaster/realtime-protocol/client";
import { backoffDelay } from "./backoff.js";
import { RealtimeError } from "./errors.js";
import { KeepAlive } from "./keepalive.js";
import { whenOnline } from "./online.js";
import type { ResolvedClientOptions } from "./options.js";
import { BoundedQueue } from "./queue.js";
import { joinUrl, SignalingChannel } from "./signaling.js";

/**
 * Where the client stands with the signaling server: `connecting` to it the
 * first time, `open` (seated in the room), `reconnecting` after losing it
 * (waiting out a backoff delay or the network, or joining again), `closed`
 * for good.
 */
export type SignalingState = "connecting" | "open" | "reconnecting" | "closed";

/** Signals sent while signaling is not open are held, up to this many (the oldest go first). */
export const MAX_QUEUED_SIGNALS = 256;

/** Resume refusals: nobody is seated and the socket stays open for a plain `Join`. */
const refusals: ReadonlySet<string> = new Set<ErrorCode>(["INVALID_TOKEN", "TOKEN_EXPIRED", "SEAT_GONE"]);

export interface SignalingConnectionHandlers {
  /** Seated (`Initialize`), the first time or again; `resumed` says whether with the same seat. */
  seated(message: InitializeMessage): void;
  /** Every other frame the client acts on (relayed signals, presence, errors). */
  message(message: ServerMessage): void;
  /**
   * The server refused to give the seat back: the peers knew us by an id we
   * no longer have. Called before the plain `Join` that follows.
   */
  refused(code: ErrorCode): void;
  error(error: RealtimeError): void;
  state(state: SignalingState, previous: SignalingState): void;
  /** Signaling ended for good, not by {@link SignalingConnection.close}; called once. */
  ended(code: number, reason: string): void;
}

type Options = Pick<ResolvedClientOptions, "url" | "room" | "WebSocket" | "reconnect" | "pingInterval" | "pingTimeout" | "debug">;

/**
 * The client's link to the signaling server, across sockets: one
 * {@link SignalingChannel} at a time, a new one after each loss, spaced by
 * backoff, with the seat taken back by its resume token; a keep-alive that
 * finds half-open sockets; and a bounded queue for the signals sent while
 * not seated.
 */
export class SignalingConnection {
  readonly #options: Options;
  readonly #handlers: SignalingConnectionHandlers;
  readonly #queue = new BoundedQueue<ClientMessage>(MAX_QUEUED_SIGNALS);
  #state: SignalingState = "connecting";
  #channel: SignalingChannel | undefined;
  #keepAlive: KeepAlive | undefined;
  #seated = false;
  #token: string | undefined;
  /** Whether this socket's `Join` carried a token: only then can the server refuse a resume. */
  #resuming = false;
  /** Attempts since the client was last seated. */
  #attempt = 0;
  /** The pending wait before the next attempt: a backoff timer or an `online` listener. */
  #wait: { cancel(): void } | undefined;

  constructor(options: Options, handlers: SignalingConnectionHandlers) {
    this.#options = options;
    this.#handlers = handlers;
    this.#connect();
  }

  get state(): SignalingState {
    return this.#state;
  }

  /** Timers pending now (backoff, keep-alive), for counting live resources. */
  get timers(): number {
    return (this.#keepAlive?.pending ? 1 : 0) + (this.#wait ? 1 : 0);
  }

  /**
   * Sends a signal now when seated, or queues it for after the seat is
   * resumed. A signal is never sent to a server that has not seated us: it
   * would be refused (`NOT_JOINED`), and lost.
   */
  send(message: ClientMessage): void {
    if (this.#state === "closed") {
      this.#options.debug("signaling has ended: signal dropped", { event: message.event });
      return;
    }
    if (this.#seated && this.#channel?.send(message)) return;
    const dropped = this.#queue.push(message);
    if (dropped) {
      this.#options.debug("signaling queue full: dropped the oldest queued signal", {
        event: dropped.event,
        queued: MAX_QUEUED_SIGNALS,
      });
    }
  }

  /** Leaves: closes the socket with 1000, so the server frees the seat at once. Nothing is called after this. */
  close(): void {
    if (this.#state === "closed") return;
    this.#stop();
    this.#channel?.close(1000, "client closed");
    this.#channel = undefined;
    this.#state = "closed";
  }

  #connect(): void {
    const { url, room, WebSocket } = this.#options;
    const token = this.#token;
    // Without a token the join rides on the upgrade request: the server
    // answers with `Initialize` at once, a round trip sooner. A token never
    // goes in a URL (proxies and servers log URLs): a resume is a `Join` frame.
    const channel: SignalingChannel = new SignalingChannel(token === undefined ? joinUrl(url, room) : url, WebSocket, {
      open: () => {
        this.#resuming = token !== undefined;
        if (token !== undefined) channel.join(room, token);
      },
      heard: () => this.#keepAlive?.heard(),
      message: (message) => this.#receive(channel, message),
      error: (error) => this.#handlers.error(error),
      closed: (code, reason) => this.#lost(channel, code, reason),
    });
    this.#channel = channel;
    // From the start, so that a handshake that never completes is caught too.
    this.#keepAlive = new KeepAlive(
      { interval: this.#options.pingInterval, timeout: this.#options.pingTimeout },
      {
        ping: () => channel.send({ event: "Ping" }),
        dead: () => {
          // 4000 rather than 1000: should the close reach the server after
          // all, it keeps the seat for the resume that follows.
          channel.close(4000, "ping timeout", { dead: true });
          this.#lost(channel, 4000, "no answer to ping");
        },
      },
    );
  }

  #receive(channel: SignalingChannel, message: ServerMessage): void {
    if (channel !== this.#channel) return;
    switch (message.event) {
      case "Initialize":
        this.#token = message.token;
        this.#seated = true;
        this.#attempt = 0;
        this.#setState("open");
        // Held signals belong to the seat; a fresh seat means fresh peers.
        // A signal the socket cannot take (it closed under a handler) goes
        // back to the queue for the next resume, not nowhere.
        if (message.resumed)
          for (const queued of this.#queue.drain())
            if (!channel.send(queued)) this.#queue.push(queued);
            else this.#queue.clear();
        this.#handlers.seated(message);
        break;
      case "Token":
        this.#token = message.token;
        break;
      case "Pong":
        break; // heard() already counted it
      case "Error":
        if (this.#resuming && !this.#seated && refusals.has(message.code)) {
          this.#options.debug("resume refused; joining afresh", {
            code: message.code,
            message: message.message,
          });
          this.#token = undefined;
          this.#resuming = false;
          this.#queue.clear();
          this.#handlers.refused(message.code as ErrorCode);
          // A handler may have closed the client.
          if (channel === this.#channel) channel.join(this.#options.room, undefined);
          break;
        }
        this.#handlers.message(message);
        break;
      default:
        this.#handlers.message(message);
    }
  }

  /** The socket ended without close(): reconnect, or end for good. */
  #lost(channel: SignalingChannel, code: number, reason: string): void {
    if (channel !== this.#channel) return;
    this.#stop();
    this.#channel = undefined;
    const { reconnect, debug } = this.#options;
    if (FinalCloseCodes.has(code)) return this.#end(code, reason, "the server said not to reconnect");
    if (!reconnect) return this.#end(code, reason, "reconnect is off");
    if (this.#attempt >= reconnect.maxAttempts) {
      return this.#end(code, reason, `${reconnect.maxAttempts} reconnect attempts failed`);
    }
    debug("signaling lost; reconnecting", { code, reason, attempt: this.#attempt });
    this.#setState("reconnecting");
    const online = whenOnline(() => {
      const delay = backoffDelay(this.#attempt++, reconnect);
      const timer = setTimeout(() => {
        this.#wait = undefined;
        this.#connect();
      }, delay);
      this.#wait = { cancel: () => clearTimeout(timer) };
    });
    // Offline: the attempt is not counted until the network is back.
    if (online.waiting) this.#wait = online;
  }

  #end(code: number, reason: string, why: string): void {
    const previous = this.#state;
    this.#state = "closed";
    this.#queue.clear();
    this.#handlers.error(
      new RealtimeError("SIGNALING_FAILED", `signaling ended (close code ${code}${reason ? `, "${reason}"` : ""}): ${why}`, { closeCode: code }),
    );
    this.#handlers.state("closed", previous);
    this.#handlers.ended(code, reason);
  }

  #setState(state: SignalingState): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.#handlers.state(state, previous);
  }

  /** Clears the keep-alive and any pending wait; the socket is the caller's. */
  #stop(): void {
    this.#seated = false;
    this.#keepAlive?.stop();
    this.#keepAlive = undefined;
    this.#wait?.cancel();
    this.#wait = undefined;
  }
}
