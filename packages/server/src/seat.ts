import type { PeerMetadata } from "@raycaster/realtime-protocol";
import type { RoomMember } from "./adapter.js";
import type { Connection } from "./connection.js";
import type { Slot } from "./places.js";

/**
 * The most a seat in grace holds for its client. Why hold rather than
 * refuse: a grace period is a blip of seconds, and a held ICE-restart offer
 * or candidate lets negotiation carry on as if nothing happened, where a
 * refusal would make every sender retry. Past either bound the seat ends at
 * once (see {@link Seat.send}), so memory stays bounded and the client
 * rejoins with a correct view instead of a gap.
 */
export const HOLD_LIMITS = { frames: 256, bytes: 256 * 1024 } as const;

/** What {@link Seat.bind} returns for a seat that held nothing (most of them): one empty array for all. */
const NOTHING_HELD: readonly string[] = Object.freeze([]);

/** What a {@link Seat} is created with. */
export interface SeatInit {
  id: string;
  room: string;
  /** Public metadata from the `upgrade` hook, already validated and bounded. */
  metadata?: PeerMetadata | undefined;
  /** The socket it starts bound to; none to hold frames until {@link Seat.bind} (a seating still under way). */
  connection?: Connection | undefined;
  /** Called (once) when the hold would overflow; the owner ends the seat. */
  onOverflow: (seat: Seat) => void;
}

/**
 * A peer's place in a room: its id, its room and the socket it is bound to,
 * if any. It outlives that socket: when the socket drops without a clean
 * close, the seat waits out a grace period for the client to resume it with
 * its token, holding the frames addressed to it meanwhile. The room adapter's
 * members are seats, so a frame reaches the seat whichever socket it has.
 */
export class Seat implements RoomMember {
  readonly id: string;
  readonly room: string;
  /** Public metadata from the `upgrade` hook; sent to the room's other peers. */
  readonly metadata: PeerMetadata | undefined;
  /** While in grace: the place under the connection limits that its dropped socket held. */
  slot: Slot | undefined;
  /**
   * When the token the client holds was issued, in whole ms since the
   * seating started (see `Seating`); drives token refresh. Not ms since the
   * epoch: that is no small integer, so V8 would keep it boxed, 16 bytes
   * more for every seat (as it will after 24 days of a seating's life).
   */
  tokenIssuedAt = 0;
  #connection: Connection | undefined;
  /**
   * Frames held while unbound, and their bytes: nothing at all until the
   * first one (most seats never hold any), and one field rather than two
   * on every seat.
   */
  #hold: { frames: string[]; bytes: number } | undefined;
  #graceTimer: NodeJS.Timeout | undefined;
  #ended = false;
  readonly #onOverflow: (seat: Seat) => void;

  constructor({ id, room, metadata, connection, onOverflow }: SeatInit) {
    this.id = id;
    this.room = room;
    this.metadata = metadata;
    this.#connection = connection;
    this.#onOverflow = onOverflow;
  }

  /** The socket this seat is bound to; `undefined` while in grace. */
  get connection(): Connection | undefined {
    return this.#connection;
  }

  /** Whether the seat waits for its client to resume it. */
  get inGrace(): boolean {
    return this.#graceTimer !== undefined;
  }

  /**
   * Delivers a frame to the bound socket, or holds it while there is none
   * (or the one there is closing). Returns `false` when the seat cannot take
   * it: the seat has ended, or holding it would pass {@link HOLD_LIMITS}.
   * Then the seat is as good as gone, and the owner is told to end it; that
   * happens after the current frame is handled, so an adapter that is
   * iterating its members is not changed under its feet.
   */
  send(frame: string): boolean {
    if (this.#ended) return false;
    if (this.#connection?.send(frame)) return true;
    const bytes = Buffer.byteLength(frame);
    const hold = (this.#hold ??= { frames: [], bytes: 0 });
    if (hold.frames.length >= HOLD_LIMITS.frames || hold.bytes + bytes > HOLD_LIMITS.bytes) {
      this.end();
      queueMicrotask(() => this.#onOverflow(this));
      return false;
    }
    hold.frames.push(frame);
    hold.bytes += bytes;
    return true;
  }

  /**
   * Binds the seat to `connection` (a resume, or a takeover from a socket
   * that still looks alive) and stops the grace timer. Returns the frames
   * held meanwhile, oldest first, for the caller to send after `Initialize`.
   */
  bind(connection: Connection): readonly string[] {
    clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    this.#connection = connection;
    const held = this.#hold?.frames ?? NOTHING_HELD;
    this.#hold = undefined;
    return held;
  }

  /** Unbinds the dropped socket and calls `onExpire` unless the seat is resumed within `grace` ms. */
  startGrace(grace: number, onExpire: () => void): void {
    this.#connection = undefined;
    clearTimeout(this.#graceTimer);
    this.#graceTimer = setTimeout(onExpire, grace);
    // A seat waiting for its client should not keep the process alive.
    this.#graceTimer.unref();
  }

  /** Gives back the place {@link Seat.slot} holds, if any. Idempotent. */
  releaseSlot(): void {
    const slot = this.slot;
    this.slot = undefined;
    slot?.release();
  }

  /** Ends the seat: no more frames, no timer, no hold. Idempotent; telling the room is the owner's job. */
  end(): void {
    this.#ended = true;
    clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    this.#connection = undefined;
    this.#hold = undefined;
  }
}
