import type { PeerInfo, PeerMetadata } from "@raycaster/realtime-protocol";

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

/**
 * Room membership and delivery, behind one interface so that several server
 * nodes can share rooms: the default {@link MemoryRoomAdapter} keeps rooms in
 * this process; a distributed adapter (Redis, say) keeps a local mirror of
 * membership and publishes frames for members connected elsewhere.
 *
 * Methods are synchronous on purpose: the server handles one frame start to
 * finish before the next, so frames from one peer are relayed in the order
 * they were sent (an offer before its candidates). A distributed adapter
 * keeps that by publishing in call order.
 */
export interface RoomAdapter {
  /** Seats `member` in `room`; returns the members already there. */
  join(room: string, member: RoomMember): PeerInfo[];
  /** Every member of `room` (none for a room that does not exist). */
  members(room: string): PeerInfo[];
  /** How many members `room` has (0 for a room that does not exist). */
  size(room: string): number;
  /** Removes a member from its room. Unknown ids are ignored. */
  leave(room: string, memberId: string): void;
  /**
   * Delivers `frame` to member `to` of `room`. Returns `false` when `room`
   * has no such member, which is how a frame can never cross rooms, or when
   * the member could not take it ({@link RoomMember.send} returned `false`).
   */
  sendTo(room: string, to: string, frame: string): boolean;
  /** Delivers `frame` to every member of `room` except `except`. */
  broadcast(room: string, frame: string, except?: string): void;
}
