import type { PeerInfo, PeerMetadata } from "@raycaster/realtime-protocol";

/** A value, or a promise of it: adapters that can answer at once do, and the server awaits only a promise. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * A peer as a room adapter sees it: an id and a way to hand it a frame.
 * The server implements it with its seats, so a member stays the same while
 * its client drops and resumes on another socket.
 */
export interface RoomMember {
  readonly id: string;
  /** Its public metadata, sent to the others with its id. */
  readonly metadata: PeerMetadata | undefined;
  /**
   * Sends one already-serialised frame to this peer, or holds it while the
   * peer's socket is down. Returns `false` when the member cannot take it
   * (its seat ended, or its bounded hold is full, which ends the seat).
   */
  send(frame: string): boolean;
}

/** What {@link RoomAdapter.join} answers: the members already there, or that the room is full. */
export type JoinResult = { full: false; peers: PeerInfo[] } | { full: true };

/**
 * What the server gives its adapter ({@link RoomAdapter.attach}): the ways
 * an adapter reports what it learns after a call has returned.
 */
export interface AdapterHost {
  /**
   * A frame that local member `from` sent to `to` was not delivered, and the
   * adapter learnt it after {@link RoomAdapter.sendTo} had answered (the
   * target's node found it gone). The server tells the sender with
   * `PEER_NOT_FOUND`.
   */
  undeliverable(room: string, from: string, to: string): void;
  /**
   * Member `id` of `room`, held by another node, is gone without a leave of
   * its own (its node died and its lease ran out). The server tells its
   * local members of `room` with `UserDisconnected`.
   */
  lost(room: string, id: string): void;
  /**
   * Member `id` of `room`, held here, was seated on another node (its client
   * came back there with its token). The server ends the local seat without
   * telling the room and closes its socket (4003), as in a takeover.
   */
  moved(room: string, id: string): void;
  /** An unexpected failure the adapter met on its own (a lost connection to its store, say); logged and passed to `onError`. */
  error(error: unknown): void;
}

/**
 * Room membership and delivery, behind one interface so that several server
 * nodes can share rooms: the default {@link MemoryRoomAdapter} keeps rooms in
 * this process; `@raycaster/realtime-redis` shares them through Redis.
 *
 * **Answers.** Every method may answer at once or with a promise
 * ({@link MaybePromise}). The server awaits only a promise, so an adapter
 * that answers at once (the memory adapter, or a distributed one for a
 * member on this node) costs no extra turn of the event loop per frame. A
 * promise that rejects is a failure (logged, `onError`; for
 * {@link RoomAdapter.sendTo} see there); a delivery that merely found no
 * one answers `false`.
 *
 * **Order.** Frames handed to {@link sendTo} and {@link broadcast} in call
 * order reach each target in that order: the server relays each frame as it
 * arrives without waiting for the answer to the last one, so an offer
 * reaches its target before the candidates sent after it. A distributed
 * adapter keeps this by writing in call order to one ordered connection.
 *
 * **Conformance.** `describeRoomAdapter` from
 * `@raycaster/realtime-server/testing` checks an adapter against this
 * contract with vitest.
 */
export interface RoomAdapter {
  /** Called once by the server that uses the adapter, before any other method. */
  attach?(host: AdapterHost): void;
  /**
   * Seats `member` in `room` unless the room already has `limit` members;
   * answers the members already there. The check and the seating are one
   * step: two joins racing for the last place (on any nodes) cannot both
   * get it. A member whose id is already in the room replaces it (a seat
   * restored with its token, here or on another node).
   */
  join(room: string, member: RoomMember, limit: number): MaybePromise<JoinResult>;
  /** Every member of `room` (none for a room that does not exist). */
  members(room: string): MaybePromise<PeerInfo[]>;
  /**
   * Removes a member from its room; unknown ids are ignored. A room left
   * empty is forgotten, with whatever memory (or store) it held.
   */
  leave(room: string, memberId: string): MaybePromise<void>;
  /**
   * Delivers `frame` from member `from` to member `to` of `room`. Answers
   * `false` when `room` has no such member (so a frame never crosses rooms),
   * when the member could not take it ({@link RoomMember.send} returned
   * `false`), or when it could not be handed over (a store out of reach).
   * `true` means handed over: a failure found later on the target's node is
   * reported through {@link AdapterHost.undeliverable}. A promise that
   * rejects means the frame could not be handed over at all (its store is
   * out of reach): the sender gets `DELIVERY_FAILED`, and the adapter
   * reports the outage itself through {@link AdapterHost.error}, once.
   */
  sendTo(room: string, to: string, frame: string, from: string): MaybePromise<boolean>;
  /** Delivers `frame` to every member of `room` except `except`. */
  broadcast(room: string, frame: string, except?: string): MaybePromise<void>;
  /**
   * Lets go of everything: the server calls it from its own `close()`, after
   * its sockets are closed. Members held here are dropped without a leave
   * (a distributed adapter lets them expire elsewhere, so their clients may
   * restore their seats on another node). Idempotent.
   */
  close(): MaybePromise<void>;
}

/** Whether `value` is a thenable, so that only promises cost an await. */
export function isPromise<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | undefined)?.then === "function";
}

/** Reports a rejection of `value`, when it is a promise, to `onError`; the answer itself is not needed. */
export function settle(value: MaybePromise<unknown>, onError: (error: unknown) => void): void {
  if (isPromise(value)) value.then(undefined, onError);
}
