import { Emitter } from "./emitter.js";
import { FrameKind, utf8 } from "./encoder.js";
import type { TransferCounts } from "./client.js";
import { messageOf, peerError, RealtimeError } from "./errors.js";
import { toOutgoing } from "./outgoing.js";
import { Receiver } from "./receiver.js";
import type { StandardSchemaV1 } from "./schema.js";
import { Sender, sendControl } from "./sender.js";

/** How a channel's `RTCDataChannel`s are made: the same on both sides, so they are pre-negotiated. */
export interface ChannelSpec {
  name: string;
  /** The SCTP stream id: 0 for the default channel, else derived from the name (see {@link channelId}). */
  id: number;
  ordered: boolean;
  maxRetransmits?: number | undefined;
  maxPacketLifeTime?: number | undefined;
}

/** Progress of a chunked transfer, on the sending and the receiving end. */
export interface TransferProgress {
  peerId: string;
  /** The transfer's id, unique per peer, channel and direction while it lasts. */
  id: number;
  direction: "send" | "receive";
  /** Bytes handed to the channel (send) or received (receive) so far. */
  bytes: number;
  total: number;
}

/** The events of a {@link Channel}. */
export interface ChannelEvents<T> {
  /** A message from a peer: a JSON value, an `ArrayBuffer`, or a `Blob`; validated by the channel's `schema` if it has one. */
  message: { peerId: string; data: T };
  /** A chunked transfer moved on (see {@link TransferProgress}); small messages have none. */
  progress: TransferProgress;
}

/** Options of one `send` or `broadcast`. */
export interface SendOptions {
  /** Aborts the message: a queued one is dropped, one under way is abandoned on both ends. `send` rejects with `ABORTED`. */
  signal?: AbortSignal;
}

export interface ChannelContext {
  error(error: RealtimeError): void;
  /** `close()` was called: the owner stops making this channel's `RTCDataChannel`s. */
  closed(): void;
}

interface Pipe {
  channel: RTCDataChannel;
  sender: Sender;
  receiver: Receiver;
}

/**
 * A named data channel across every peer: one `RTCDataChannel` per peer
 * connection, pre-negotiated with the same id on both sides. Messages to a
 * peer are queued and sent in order, large ones in chunks (see sender.ts),
 * with the sender's memory bounded by `SEND_BOUND` per peer.
 */
export class Channel<T = unknown> extends Emitter<ChannelEvents<T>> {
  readonly name: string;
  readonly #spec: ChannelSpec;
  readonly #maxMessageSize: number;
  readonly #schema: StandardSchemaV1<unknown, T> | undefined;
  readonly #context: ChannelContext;
  /** Each peer's current `RTCDataChannel`. */
  readonly #current = new Map<string, Pipe>();
  /** Every attached one, retired ones too until their connection closes. */
  readonly #pipes = new Set<Pipe>();
  /** Validations run one after the other, so messages keep their order. */
  #validated: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: { spec: ChannelSpec; maxMessageSize: number; schema?: StandardSchemaV1<unknown, T> | undefined; context: ChannelContext }) {
    super();
    this.name = options.spec.name;
    this.#spec = options.spec;
    this.#maxMessageSize = options.maxMessageSize;
    this.#schema = options.schema;
    this.#context = options.context;
  }

  /**
   * The `RTCDataChannel` options both sides use.
   * @internal
   */
  get spec(): ChannelSpec {
    return this.#spec;
  }

  /**
   * Sends `data` to one peer: a string or JSON value, an `ArrayBuffer`, typed
   * array or `DataView`, or a `Blob`. Resolves when its last byte is handed
   * to the `RTCDataChannel` (one declared a moment ago is waited for until
   * it opens); messages larger than one SCTP message go in chunks. Rejects with a {@link RealtimeError}: `PEER_NOT_CONNECTED`,
   * `NOT_SERIALIZABLE`, `ABORTED`, `TRANSFER_FAILED` (the connection was
   * replaced or closed meanwhile), `MESSAGE_TOO_LARGE` (the peer refused it,
   * or it needs chunks on an unreliable or unordered channel).
   */
  async send(peerId: string, data: T, options: SendOptions = {}): Promise<void> {
    const pipe = this.#open(peerId);
    return pipe.sender.send(toOutgoing(data), options.signal);
  }

  /**
   * Sends `data` to every peer whose channel is open; resolves with how many
   * it was handed to. A peer that could not take it is reported with an
   * `error` event on the client and not counted; an aborted broadcast
   * rejects with `ABORTED`.
   */
  async broadcast(data: T, options: SendOptions = {}): Promise<number> {
    const outgoing = toOutgoing(data);
    const pipes = [...this.#current.values()].filter((pipe) => pipe.channel.readyState === "open");
    const results = await Promise.allSettled(pipes.map((pipe) => pipe.sender.send(outgoing, options.signal)));
    let sent = 0;
    for (const result of results) {
      if (result.status === "fulfilled") sent++;
      else if (!options.signal?.aborted) this.#context.error(result.reason as RealtimeError);
    }
    const aborted = results.find((result) => result.status === "rejected" && options.signal?.aborted);
    if (aborted) throw (aborted as PromiseRejectedResult).reason;
    return sent;
  }

  /**
   * Closes this channel's `RTCDataChannel`s with every peer (messages under
   * way fail) and forgets its handlers: pending `once()` promises reject
   * with `CLIENT_CLOSED`. The client's `close()` closes every channel.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#context.closed();
    this.end(new RealtimeError("CLIENT_CLOSED", `channel "${this.name}" closed`));
  }

  /** Live transfers and the bytes they hold, for `client.stats()`. */
  stats(): TransferCounts {
    let transfers = 0;
    let sendBuffered = 0;
    let receiveBuffered = 0;
    for (const { sender, receiver } of this.#pipes) {
      transfers += sender.transfers + receiver.transfers;
      sendBuffered += sender.buffered;
      receiveBuffered += receiver.buffered;
    }
    return { transfers, sendBuffered, receiveBuffered };
  }

  /**
   * Takes `channel` as the current one to `peerId` (a fresh connection's
   * replaces the last: messages still under way on that one fail with
   * `TRANSFER_FAILED`). Returns the function that detaches it, which the
   * connection calls when it closes.
   */
  attach(peerId: string, channel: RTCDataChannel, sctp: () => RTCSctpTransport | null | undefined): () => void {
    channel.binaryType = "arraybuffer";
    const error = (e: RealtimeError) => this.#context.error(e);
    const progress = (direction: TransferProgress["direction"]) => (id: number, bytes: number, total: number) =>
      this.emit("progress", { peerId, id, direction, bytes, total });
    const sender = new Sender({
      channel,
      peerId,
      sctp,
      chunking: this.#spec.ordered && this.#spec.maxRetransmits === undefined && this.#spec.maxPacketLifeTime === undefined,
      progress: progress("send"),
      error,
    });
    const receiver = new Receiver({
      peerId,
      maxMessageSize: this.#maxMessageSize,
      deliver: (data) => this.#deliver(peerId, data),
      progress: progress("receive"),
      error,
      refuse: (id) => sendControl(channel, FrameKind.REFUSE, id),
      refused: (id) => sender.refused(id),
    });
    const pipe: Pipe = { channel, sender, receiver };
    const onMessage = (event: MessageEvent) => receiver.receive(event.data);
    const detach = () => {
      if (!this.#pipes.delete(pipe)) return;
      channel.removeEventListener("message", onMessage);
      channel.removeEventListener("close", detach);
      if (this.#current.get(peerId) === pipe) this.#current.delete(peerId);
      const failed = transferFailed(peerId, "its connection closed");
      sender.fail(failed);
      receiver.close(failed);
    };
    channel.addEventListener("message", onMessage);
    channel.addEventListener("close", detach);
    this.#current.get(peerId)?.sender.fail(transferFailed(peerId, "its connection was replaced"));
    this.#current.set(peerId, pipe);
    this.#pipes.add(pipe);
    return detach;
  }

  #open(peerId: string): Pipe {
    const pipe = this.#current.get(peerId);
    const state = pipe?.channel.readyState;
    if (!pipe || (state !== "open" && state !== "connecting")) {
      throw peerError("PEER_NOT_CONNECTED", peerId, `not connected (channel "${this.name}")`);
    }
    return pipe;
  }

  #deliver(peerId: string, data: unknown): void {
    const schema = this.#schema;
    if (!schema) {
      this.emit("message", { peerId, data: data as T });
      return;
    }
    this.#validated = this.#validated.then(async () => {
      try {
        const result = await schema["~standard"].validate(data);
        if (result.issues) throw new Error(result.issues.map((issue) => issue.message).join("; "));
        this.emit("message", { peerId, data: result.value });
      } catch (cause) {
        const what = `sent a message failing channel "${this.name}"'s schema: ${messageOf(cause)}`;
        this.#context.error(peerError("INVALID_PEER_MESSAGE", peerId, what, cause));
      }
    });
  }
}

function transferFailed(peerId: string, why: string): RealtimeError {
  return peerError("TRANSFER_FAILED", peerId, `transfer failed: ${why}`);
}

/** The SCTP stream id of a named channel: a stable hash (FNV-1a) of its name into 1..1023 (0 is the default channel). */
export function channelId(name: string): number {
  let hash = 0x811c9dc5;
  for (const byte of utf8(name)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash % 1023) + 1;
}
