import { decodeFrame, FrameKind, fromUtf8, PayloadKind, type FrameBytes } from "./encoder.js";
import { peerError, RealtimeError } from "./errors.js";

export interface ReceiverOptions {
  peerId: string;
  /** The largest message accepted, in bytes; a larger transfer is refused before it is buffered. */
  maxMessageSize: number;
  deliver(data: unknown): void;
  progress(id: number, bytes: number, total: number): void;
  error(error: RealtimeError): void;
  /** Sends a `REFUSE` frame for the peer's transfer `id`. */
  refuse(id: number): void;
  /** The peer refused our transfer `id`. */
  refused(id: number): void;
}

interface Transfer {
  id: number;
  payload: PayloadKind;
  type: string;
  total: number;
  received: number;
  /**
   * One buffer of the declared total, each chunk copied in as it arrives, so
   * that the frames are garbage at once (young, cheap to collect) and the
   * message is never held twice before it is delivered.
   */
  whole: FrameBytes;
}

/**
 * The incoming side of one `RTCDataChannel`: decodes frames and reassembles
 * chunked transfers, one at a time (the sender sends them one after the
 * other). Memory is bounded by `maxMessageSize`: a transfer that declares
 * more, or sends more than it declared, is refused (`REFUSE` back,
 * `MESSAGE_TOO_LARGE` here) and its remaining chunks are dropped unread.
 */
export class Receiver {
  readonly #options: ReceiverOptions;
  #transfer: Transfer | undefined;
  /** A transfer given up (refused, malformed): its further chunks are dropped without a word each. */
  #ignored: number | undefined;

  constructor(options: ReceiverOptions) {
    this.#options = options;
  }

  /** Transfers being reassembled (0 or 1). */
  get transfers(): number {
    return this.#transfer ? 1 : 0;
  }

  /** Bytes held for the transfer being reassembled: its declared total, allocated at its start. */
  get buffered(): number {
    return this.#transfer?.total ?? 0;
  }

  /** Frees the transfer being reassembled, reporting `error` if one was. */
  close(error: RealtimeError): void {
    if (this.#transfer) this.#options.error(error);
    this.#transfer = undefined;
  }

  receive(data: unknown): void {
    if (typeof data === "string") {
      if (data.length > this.#options.maxMessageSize) this.#tooLarge(data.length);
      else this.#deliverJson(data);
      return;
    }
    if (!(data instanceof ArrayBuffer)) return this.#invalid(`data of type ${Object.prototype.toString.call(data)}`);
    const frame = decodeFrame(data);
    if (typeof frame === "string") return this.#invalid(frame);
    switch (frame.kind) {
      case FrameKind.WHOLE:
        if (frame.bytes.length > this.#options.maxMessageSize) return this.#tooLarge(frame.bytes.length);
        return this.#deliver(frame.payload, frame.type, frame.bytes);
      case FrameKind.START: {
        const { id, total, payload, type } = frame;
        if (this.#transfer) this.#giveUp(`a new transfer before ${this.#transfer.id} ended`);
        if (total > this.#options.maxMessageSize) return this.#refuse(id, `declares ${total} bytes`);
        // The total was checked against maxMessageSize: this allocation is within the bound.
        this.#transfer = { id, payload, type, total, received: 0, whole: new Uint8Array(total) };
        this.#options.progress(id, 0, total);
        return;
      }
      case FrameKind.CHUNK:
        return this.#chunk(frame.id, frame.offset, frame.bytes);
      case FrameKind.ABORT:
        if (this.#transfer?.id !== frame.id) return;
        this.#transfer = undefined;
        this.#options.error(
          peerError(frame.failed ? "TRANSFER_FAILED" : "ABORTED", this.#options.peerId, `${frame.failed ? "lost" : "aborted"} transfer ${frame.id}`),
        );
        return;
      case FrameKind.REFUSE:
        return this.#options.refused(frame.id);
    }
  }

  #chunk(id: number, offset: number, bytes: Uint8Array): void {
    const transfer = this.#transfer;
    if (transfer?.id !== id) {
      if (this.#ignored !== id) {
        this.#ignored = id;
        this.#invalid(`a chunk of no transfer (${id})`);
      }
      return;
    }
    if (offset !== transfer.received) return this.#giveUp(`a chunk at ${offset}, not ${transfer.received}`);
    // The declared total was checked against maxMessageSize at START, so this bounds both.
    if (transfer.received + bytes.length > transfer.total) {
      return this.#refuse(id, `sent more than the ${transfer.total} bytes it declared`);
    }
    transfer.whole.set(bytes, transfer.received);
    transfer.received += bytes.length;
    this.#options.progress(id, transfer.received, transfer.total);
    if (transfer.received === transfer.total) {
      this.#transfer = undefined;
      this.#deliver(transfer.payload, transfer.type, transfer.whole);
    }
  }

  /** `whole`: the message, a `WHOLE` frame's bytes or a transfer's buffer. */
  #deliver(payload: PayloadKind, type: string, whole: Uint8Array): void {
    if (payload === PayloadKind.BLOB) return this.#options.deliver(new Blob([whole as FrameBytes], { type }));
    // A transfer's buffer is exactly the message; a WHOLE frame's bytes lie inside the frame.
    if (payload === PayloadKind.BINARY) return this.#options.deliver(whole.byteOffset ? whole.slice().buffer : whole.buffer);
    let text: string;
    try {
      text = fromUtf8(whole);
    } catch (cause) {
      return this.#invalid("JSON that is not UTF-8", cause);
    }
    this.#deliverJson(text);
  }

  #deliverJson(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (cause) {
      return this.#invalid("a message that is not JSON", cause);
    }
    this.#options.deliver(value);
  }

  /** Refuses transfer `id`: `REFUSE` back, `MESSAGE_TOO_LARGE` here, and its further chunks dropped. */
  #refuse(id: number, why: string): void {
    if (this.#transfer?.id === id) this.#transfer = undefined;
    this.#ignored = id;
    this.#options.refuse(id);
    const { peerId, maxMessageSize } = this.#options;
    this.#options.error(peerError("MESSAGE_TOO_LARGE", peerId, `sent a transfer that ${why}; maxMessageSize ${maxMessageSize}`));
  }

  #tooLarge(size: number): void {
    const { peerId, maxMessageSize } = this.#options;
    this.#options.error(peerError("MESSAGE_TOO_LARGE", peerId, `sent ${size} bytes; maxMessageSize ${maxMessageSize}`));
  }

  /** The transfer under way is malformed: it is freed, its further chunks dropped. */
  #giveUp(what: string): void {
    const transfer = this.#transfer;
    if (!transfer) return;
    this.#transfer = undefined;
    this.#ignored = transfer.id;
    this.#invalid(what);
  }

  #invalid(what: string, cause?: unknown): void {
    const { peerId } = this.#options;
    this.#options.error(peerError("INVALID_PEER_MESSAGE", peerId, `sent ${what}`, cause));
  }
}
