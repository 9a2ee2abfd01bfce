import { encodeChunk, encodeControl, encodeStart, encodeWhole, FrameKind, wholeSize, CHUNK_HEADER, type FrameBytes } from "./encoder.js";
import { peerError, RealtimeError } from "./errors.js";
import { textAsBytes, type Outgoing } from "./outgoing.js";

/**
 * The sender stops handing frames to an `RTCDataChannel` while its
 * `bufferedAmount` is at or above this many bytes, and goes on at the
 * `bufferedamountlow` event ({@link LOW_WATERMARK}).
 */
export const HIGH_WATERMARK = 1024 * 1024;
/** The `bufferedAmountLowThreshold` the sender sets: below it, sending resumes. */
export const LOW_WATERMARK = 256 * 1024;
/**
 * The largest frame the sender writes (a chunk's data is this less its
 * header), when the connection's SCTP max message size allows: 256 KiB,
 * what Chromium, libwebrtc and libdatachannel negotiate. Fewer, larger
 * frames cost less per byte on every stack (a `send`, a `message` event,
 * a progress event each); measured in bench/ (the data-channel scenario).
 */
export const MAX_FRAME = 256 * 1024;
/**
 * What the sender may hold for one channel to one peer: the channel's
 * buffer up to the high watermark, plus the one frame that crossed it.
 */
export const SEND_BOUND = HIGH_WATERMARK + MAX_FRAME;

/**
 * Milliseconds between looks at `bufferedAmount` on a stack without the
 * `bufferedamountlow` event (@roamhq/wrtc has no `bufferedAmountLowThreshold`).
 */
const POLL_MS = 2;

export interface SenderOptions {
  channel: RTCDataChannel;
  peerId: string;
  /** The SCTP transport, whose `maxMessageSize` caps a frame. */
  sctp: () => RTCSctpTransport | null | undefined;
  /** Only a reliable, ordered channel chunks: a lost or reordered chunk could not be reassembled. */
  chunking: boolean;
  progress(id: number, bytes: number, total: number): void;
  /** Something about no transfer of ours that is still pending: a refusal of one already handed over. */
  error(error: RealtimeError): void;
}

interface Job {
  outgoing: Outgoing;
  id: number;
  offset: number;
  started: boolean;
  settled: boolean;
  settle(error?: RealtimeError): void;
}

/**
 * The outgoing side of one `RTCDataChannel`: a first-in first-out queue of
 * messages, handed to the channel a frame at a time while its
 * `bufferedAmount` is under {@link HIGH_WATERMARK}, so the memory it adds
 * stays under {@link SEND_BOUND} whatever the app sends. Large messages go
 * as a chunked transfer (see encoder.ts); one transfer at a time.
 */
export class Sender {
  readonly #options: SenderOptions;
  readonly #queue: Job[] = [];
  #pumping = false;
  #nextId = 1;
  /** Resolves the pump's wait for the low watermark. */
  #wake: (() => void) | undefined;
  #failed: RealtimeError | undefined;
  /** Whether the stack lacks `bufferedamountlow`, so the wait looks at `bufferedAmount` itself. */
  readonly #polls: boolean;
  #poll: ReturnType<typeof setTimeout> | undefined;
  /**
   * The largest frame, read once the channel is open: the SCTP transport's
   * `maxMessageSize` does not change after the handshake, and reading it is
   * costly on libwebrtc in Node (@roamhq/wrtc builds a transport object in a
   * blocking call to its network thread, which is busy sending).
   */
  #frameLimit: number | undefined;
  /**
   * Bytes the pump may still hand over before it looks at `bufferedAmount`
   * again: the high watermark less what was buffered when it last looked,
   * less what it handed over since (the buffer only drains by itself, so
   * this errs on the safe side). Reading `bufferedAmount` or `readyState`
   * costs a blocking call into libwebrtc's network thread in Node (~10 µs
   * on @roamhq/wrtc), so the pump reads them only when this is spent.
   */
  #budget = 0;

  constructor(options: SenderOptions) {
    const { channel } = options;
    this.#options = options;
    this.#polls = typeof channel.bufferedAmountLowThreshold !== "number";
    channel.bufferedAmountLowThreshold = LOW_WATERMARK;
    channel.addEventListener("bufferedamountlow", this.#onLow);
    // A channel declared a moment ago: the pump waits for it to open.
    channel.addEventListener("open", this.#onLow);
  }

  /** Messages queued or being sent. */
  get transfers(): number {
    return this.#queue.length;
  }

  /** Bytes handed to the channel and not yet sent. */
  get buffered(): number {
    return this.#failed ? 0 : this.#options.channel.bufferedAmount;
  }

  /** Queues a message; resolves when its last byte is handed to the channel. */
  send(outgoing: Outgoing, signal?: AbortSignal): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (signal?.aborted) return Promise.reject(aborted(this.#options.peerId, signal));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        if (job.started && !job.settled) sendControl(this.#options.channel, FrameKind.ABORT, job.id);
        job.settle(aborted(this.#options.peerId, signal!));
      };
      const job: Job = {
        outgoing,
        id: this.#nextId,
        offset: 0,
        started: false,
        settled: false,
        settle: (error) => {
          if (job.settled) return;
          job.settled = true;
          signal?.removeEventListener("abort", onAbort);
          const index = this.#queue.indexOf(job);
          if (index >= 0) this.#queue.splice(index, 1);
          if (error) reject(error);
          else resolve();
        },
      };
      this.#nextId = (this.#nextId % 0xffff_ffff) + 1;
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(job);
      void this.#pump();
    });
  }

  /** The peer refused transfer `id` (over its `maxMessageSize`). */
  refused(id: number): void {
    const error = peerError("MESSAGE_TOO_LARGE", this.#options.peerId, "refused: over its maxMessageSize");
    const job = this.#queue.find((queued) => queued.id === id && queued.started);
    if (job) job.settle(error);
    else this.#options.error(error);
  }

  /** Fails every queued message with `error` (a transfer under way is aborted on the wire too) and refuses new ones. */
  fail(error: RealtimeError): void {
    if (this.#failed) return;
    for (const job of this.#queue.splice(0)) {
      if (job.started) sendControl(this.#options.channel, FrameKind.ABORT, job.id, true);
      job.settle(error);
    }
    this.#failed = error;
    this.#options.channel.removeEventListener("bufferedamountlow", this.#onLow);
    this.#options.channel.removeEventListener("open", this.#onLow);
    clearTimeout(this.#poll);
    this.#onLow();
  }

  /** Resolves at the next `open` or `bufferedamountlow` (`poll`: or when a look at `bufferedAmount` finds it low), or at `fail`. */
  #wait(poll: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
      if (poll) this.#look();
    });
  }

  #look(): void {
    this.#poll = setTimeout(() => {
      if (!this.#wake) return;
      if (this.#options.channel.bufferedAmount <= LOW_WATERMARK) this.#onLow();
      else this.#look();
    }, POLL_MS);
  }

  readonly #onLow = () => {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  };

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (let job = this.#queue[0]; job && !this.#failed; job = this.#queue[0]) {
        const { channel } = this.#options;
        if (this.#budget <= 0) {
          if (channel.readyState === "connecting") {
            // A channel declared a moment ago: it opens as soon as the SCTP association has it.
            await this.#wait(false);
            continue;
          }
          const buffered = channel.bufferedAmount;
          if (buffered >= HIGH_WATERMARK) {
            await this.#wait(this.#polls);
            continue;
          }
          this.#budget = HIGH_WATERMARK - buffered;
        }
        try {
          await this.#step(job);
        } catch (cause) {
          job.settle(cause instanceof RealtimeError ? cause : peerError("TRANSFER_FAILED", this.#options.peerId, "reading the message failed", cause));
        }
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** Hands the next frame of `job` to the channel. */
  async #step(job: Job): Promise<void> {
    const { outgoing } = job;
    // Where the transport does not say, 256 KiB is Chromium's and libdatachannel's own default.
    const frameLimit = (this.#frameLimit ??= Math.min(this.#options.sctp()?.maxMessageSize || MAX_FRAME, MAX_FRAME));
    if (outgoing.kind === "text") {
      // UTF-8 takes at most 3 bytes per UTF-16 unit.
      if (outgoing.text.length * 3 <= frameLimit) {
        this.#hand(outgoing.text);
        job.settle();
      } else {
        job.outgoing = outgoing.bytes ??= textAsBytes(outgoing.text);
      }
      return;
    }
    const { id, offset } = job;
    const total = outgoing.size;
    if (!job.started) {
      if (wholeSize(total, outgoing.type) <= frameLimit) {
        const bytes = await outgoing.read(0, total);
        if (job.settled) return;
        this.#hand(encodeWhole({ payload: outgoing.payload, type: outgoing.type, bytes }));
        job.settle();
      } else if (!this.#options.chunking) {
        job.settle(
          peerError("MESSAGE_TOO_LARGE", this.#options.peerId, `${total} bytes exceed one frame (${frameLimit}); only reliable, ordered channels chunk`),
        );
      } else {
        this.#hand(encodeStart({ payload: outgoing.payload, type: outgoing.type, id, total }));
        job.started = true;
        this.#options.progress(id, 0, total);
      }
      return;
    }
    const length = Math.min(frameLimit - CHUNK_HEADER, total - offset);
    const bytes = await outgoing.read(offset, length);
    if (job.settled) return;
    this.#hand(encodeChunk({ id, offset, bytes }));
    job.offset = offset + length;
    this.#options.progress(id, job.offset, total);
    if (job.offset >= total) job.settle();
  }

  #hand(frame: string | FrameBytes): void {
    const { channel, peerId } = this.#options;
    try {
      // One call for both kinds: the overloads of `send` take a string or bytes, not their union.
      channel.send(frame as string);
      // UTF-8 takes at most 3 bytes per UTF-16 unit.
      this.#budget -= typeof frame === "string" ? frame.length * 3 : frame.length;
    } catch (cause) {
      // The channel closed under us; its close fails the rest.
      throw new RealtimeError("PEER_NOT_CONNECTED", `peer ${peerId} is not connected`, { peerId, cause });
    }
  }
}

/**
 * Sends an `ABORT` or `REFUSE` frame; returns whether it went. Best effort:
 * a channel that is closing frees the far end's transfer as it closes, and
 * a throw here would escape into an abort or message handler.
 */
export function sendControl(channel: RTCDataChannel, kind: typeof FrameKind.ABORT | typeof FrameKind.REFUSE, id: number, failed = false): boolean {
  if (channel.readyState !== "open") return false;
  try {
    channel.send(encodeControl(kind, id, failed));
    return true;
  } catch {
    return false; // closed between the check and the send: see above
  }
}

function aborted(peerId: string, signal: AbortSignal): RealtimeError {
  return peerError("ABORTED", peerId, "aborted", signal.reason);
}
