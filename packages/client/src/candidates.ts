import type { IceCandidate } from "@raycaster/realtime-protocol/client";

/**
 * Candidates of one peer that arrive before the remote description, and our
 * own held back, are bounded: a peer gathers a few per network interface;
 * past this many the rest are dropped (and said so in `debug`) rather than
 * letting a misbehaving peer, or a stuck negotiation, grow the queue.
 */
export const MAX_HELD_CANDIDATES = 64;

/** Where {@link CandidateQueues} sends, applies and reports candidates. */
export interface CandidateSinks {
  /** Signals one of our candidates (`null`: gathering is complete). */
  send(candidate: IceCandidate | null): void;
  /** Applies one of the remote peer's candidates. */
  apply(candidate: IceCandidate | null): Promise<void>;
  debug(message: string, detail?: Record<string, unknown>): void;
}

/**
 * The candidate queues of one `RTCPeerConnection`, both ways.
 *
 * Ours are HELD from the moment a local description is set until the
 * exchange it belongs to is complete: as offerer until the answer is
 * applied, as answerer until the answer is sent. Why: the answerer that gets
 * the offerer's candidates early starts ICE checks and DTLS before the
 * offerer has the answer, and libdatachannel then races twice (a 1 s DTLS
 * stall, and a handshake that fails its fingerprint check because the remote
 * description is not yet recorded); see "How negotiation goes" in the client README. Holding
 * costs at most one signaling round trip before checks start.
 *
 * Theirs are PENDING until the remote description is set, because
 * `addIceCandidate` needs it; they are applied after our answer went out,
 * so that checks towards the offerer start no earlier than it can answer them.
 */
export class CandidateQueues {
  readonly #sinks: CandidateSinks;
  /** Ours, while held; `undefined` when they go out at once. */
  #held: (IceCandidate | null)[] | undefined = [];
  #pending: (IceCandidate | null)[] = [];

  constructor(sinks: CandidateSinks) {
    this.#sinks = sinks;
  }

  /** One of ours was gathered. */
  local(candidate: IceCandidate | null): void {
    if (!this.#held) {
      this.#sinks.send(candidate);
    } else if (this.#held.length < MAX_HELD_CANDIDATES) {
      this.#held.push(candidate);
    } else {
      this.#sinks.debug("local candidate dropped: too many held", { held: this.#held.length });
    }
  }

  /** Hold ours from now on (a local description is about to be set). */
  hold(): void {
    this.#held ??= [];
  }

  /** Send the held ones, and from now on each as it comes. */
  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const candidate of held) this.#sinks.send(candidate);
  }

  /** One of theirs arrived before the remote description. */
  pend(candidate: IceCandidate | null): void {
    if (this.#pending.length < MAX_HELD_CANDIDATES) this.#pending.push(candidate);
    else this.#sinks.debug("remote candidate dropped: too many pending", { pending: this.#pending.length });
  }

  /** Applies one of theirs now (the remote description is set). */
  async apply(candidate: IceCandidate | null): Promise<void> {
    await this.#sinks.apply(candidate);
  }

  /** Applies theirs that were pending, in arrival order. */
  async flush(): Promise<void> {
    const pending = this.#pending;
    this.#pending = [];
    for (const candidate of pending) await this.#sinks.apply(candidate);
  }

  /** Forgets both queues (the connection is gone). */
  clear(): void {
    this.#held = [];
    this.#pending = [];
  }
}
