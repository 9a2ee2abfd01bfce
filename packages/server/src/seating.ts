import { CloseCodes, ErrorCodes, PROTOCOL_VERSION, SignalingEvents, type PeerInfo } from "@raycaster/realtime-protocol";
import { isPromise, settle, type AdapterHost, type JoinResult } from "./adapter.js";
import type { Connection } from "./connection.js";
import type { JoinDeadlines } from "./joinDeadlines.js";
import type { ResolvedOptions } from "./options.js";
import { randomId } from "./randomId.js";
import { Seat } from "./seat.js";
import type { Counters } from "./stats.js";
import { TokenSigner } from "./token.js";
import { TurnMinter } from "./turn.js";

/**
 * Close codes after which a seat ends at once instead of waiting out its
 * grace: the client said it is leaving (1000), its page is going away
 * (1001), or it sent a close frame without a code (1005, what a browser's
 * `socket.close()` sends). A socket that just vanished (1006) or broke the
 * protocol gets the grace period.
 */
const CLEAN_CLOSES: ReadonlySet<number> = new Set([1000, 1001, 1005]);

/** How {@link Seating.stats} counts. */
export interface SeatStats {
  seats: number;
  seatsInGrace: number;
  rooms: number;
}

/**
 * Every seat of this server, and the rules of taking, keeping, resuming and
 * ending one. The relay hands it `Join`s; the server hands it closed sockets.
 */
export class Seating implements AdapterHost {
  readonly #seats = new Map<string, Seat>();
  /** Seatings and resumes waiting for the adapter, by seat id: a second socket with the same token waits its turn. */
  readonly #pending = new Map<string, Promise<void>>();
  readonly #signer: TokenSigner;
  readonly #options: ResolvedOptions;
  readonly #counters: Counters;
  /** Mints TURN credentials per seat when the `turn` option is set. */
  readonly turn: TurnMinter | undefined;
  readonly #deadlines: JoinDeadlines;
  /** Where token times start (ms since the epoch): see {@link Seat.tokenIssuedAt}. */
  readonly #startedAt = Date.now();
  /** Every seat's `onOverflow`: one function for all rather than a closure per seat. */
  readonly #overflow = (seat: Seat) => this.end(seat);

  constructor(options: ResolvedOptions, counters: Counters, deadlines: JoinDeadlines) {
    this.#options = options;
    this.#counters = counters;
    this.#deadlines = deadlines;
    this.#signer = new TokenSigner(options.secret);
    this.turn = options.turn && new TurnMinter(options.turn);
    options.adapter.attach?.(this);
  }

  /** Handles an accepted `Join` (protocol checked, connection not yet seated). */
  join(conn: Connection, room: string, token: string | undefined): void {
    if (token === undefined) {
      this.#admit(conn, room, randomId(), false);
      return;
    }
    const verified = this.#signer.verify(token, room, Date.now());
    if (!verified.ok) {
      conn.sendError(verified.code, verified.reason);
      return;
    }
    const { id, boot } = verified.claims;
    const pending = this.#pending.get(id);
    if (pending) {
      // Another socket with this token is being seated or resumed: decide once it is.
      conn.joining = true;
      void pending.then(() => {
        conn.joining = false;
        if (conn.open && !conn.seat) this.join(conn, room, token);
      });
      return;
    }
    const seat = this.#seats.get(id);
    if (seat?.room === room) {
      this.#resume(conn, seat);
    } else if (seat) {
      // The MAC binds the room, so only a holder of the secret gets here.
      conn.sendError(ErrorCodes.INVALID_TOKEN, "the token's seat is in another room");
    } else if (boot === this.#signer.bootId) {
      conn.sendError(ErrorCodes.SEAT_GONE, "the seat has ended (it left, or its grace period ran out); join without a token");
    } else {
      // Signed with our secret by another instance: a server that ran
      // before this one. Its clients come back with their ids.
      this.#admit(conn, room, id, true);
    }
  }

  /**
   * Asks the `join` hook, then seats. Without a hook, or with one that
   * answers synchronously, the seat is taken before the next frame is
   * handled; an asynchronous answer leaves the connection `joining`
   * meanwhile (its other frames get `NOT_JOINED`, a second `Join`
   * `ALREADY_JOINED`).
   */
  #admit(conn: Connection, room: string, id: string, restored: boolean): void {
    const hook = this.#options.hooks.join;
    if (!hook) {
      this.#seat(conn, room, id, restored);
      return;
    }
    let answer: ReturnType<typeof hook>;
    try {
      answer = hook(conn, room);
    } catch (error) {
      this.#options.onError(error);
      answer = false;
    }
    // Any thenable, not only this realm's Promise: a Bluebird's `false` must refuse too.
    if (!isPromise(answer)) {
      this.#decided(conn, room, id, restored, answer);
      return;
    }
    conn.joining = true;
    Promise.resolve(answer).then(
      (allowed) => this.#decided(conn, room, id, restored, allowed),
      (error: unknown) => {
        this.#options.onError(error);
        this.#decided(conn, room, id, restored, false);
      },
    );
  }

  #decided(conn: Connection, room: string, id: string, restored: boolean, allowed: unknown): void {
    conn.joining = false;
    // The socket may have gone while the hook thought.
    if (!conn.open || conn.seat) return;
    // Fail closed: only `true` or no answer at all admits.
    if (allowed !== true && allowed !== undefined) {
      conn.sendError(ErrorCodes.JOIN_REFUSED, `not allowed in room "${room}"`);
      conn.socket.close(CloseCodes.JoinRefused, "join refused");
      return;
    }
    // Another socket with the same token may be restoring this id with the
    // adapter right now: decide once it has.
    const pending = restored ? this.#pending.get(id) : undefined;
    if (pending) {
      conn.joining = true;
      void pending.then(() => this.#decided(conn, room, id, restored, allowed));
      return;
    }
    // Another socket with the same token may have restored this id while
    // the hook thought: this one takes the seat over, as a resume would.
    const taken = restored ? this.#seats.get(id) : undefined;
    if (taken) {
      if (taken.room === room) this.#resume(conn, taken);
      else conn.sendError(ErrorCodes.INVALID_TOKEN, "the token's seat is in another room");
      return;
    }
    this.#seat(conn, room, id, restored);
  }

  /** Handles a closed socket: ends its seat, or keeps it for `seatGrace`. */
  released(conn: Connection, code: number): void {
    const seat = conn.seat;
    conn.seat = undefined;
    // Taken over by another socket (or already ended): not this socket's to release.
    if (!seat || seat.connection !== conn) {
      conn.releaseSlot();
      return;
    }
    // A connection closed for abusing the rate limit leaves for good: kept
    // in grace, it would resume on a fresh socket with a full bucket.
    if (CLEAN_CLOSES.has(code) || conn.abusive || this.#options.seatGrace === 0) {
      conn.releaseSlot();
      this.end(seat);
      return;
    }
    // The seat keeps the socket's place under the connection limits until
    // it ends or is resumed: otherwise dropping sockets on purpose would
    // pile up seats (and their holds) without bound.
    seat.slot = conn.handOverSlot();
    seat.startGrace(this.#options.seatGrace, () => {
      this.#counters.seatsExpired++;
      this.end(seat);
    });
  }

  /** Ends a seat and tells its room. Idempotent. */
  end(seat: Seat): void {
    if (this.#seats.get(seat.id) !== seat) return;
    this.#seats.delete(seat.id);
    seat.end();
    seat.releaseSlot();
    const { adapter, onError } = this.#options;
    try {
      // Both are handed over in this order before either is awaited: the
      // adapter keeps call order, so no node can see the leave after a rejoin.
      const left = adapter.leave(seat.room, seat.id);
      const told = adapter.broadcast(seat.room, JSON.stringify({ event: SignalingEvents.UserDisconnected, id: seat.id }));
      settle(left, onError);
      settle(told, onError);
    } catch (error) {
      onError(error);
    }
  }

  /**
   * Ends every seat without telling anyone: the server is shutting down and
   * every client is being closed at once; they restore their seats with
   * their tokens on a server that shares the secret. The adapter is not
   * told either: its `close()` lets go of the members (a distributed adapter
   * leaves them to expire on the other nodes unless restored there first).
   */
  endAll(): void {
    for (const seat of this.#seats.values()) {
      seat.end();
      seat.releaseSlot();
    }
    this.#seats.clear();
  }

  /** {@link AdapterHost.undeliverable}: tells the sender, if it is still seated here. */
  undeliverable(room: string, from: string, to: string): void {
    const seat = this.#seats.get(from);
    if (seat?.room !== room) return;
    seat.connection?.sendError(ErrorCodes.PEER_NOT_FOUND, `no peer "${to}" in room "${room}"`, to);
  }

  /** {@link AdapterHost.lost}: tells this node's members of `room` that `id` left. */
  lost(room: string, id: string): void {
    const frame = JSON.stringify({ event: SignalingEvents.UserDisconnected, id });
    // Every seat of the server, once per member lost: a node's death is rare.
    for (const seat of this.#seats.values()) {
      if (seat.room === room && seat.id !== id) seat.send(frame);
    }
  }

  /** {@link AdapterHost.moved}: the seat lives on another node now; it ends here unannounced. */
  moved(room: string, id: string): void {
    const seat = this.#seats.get(id);
    if (seat?.room !== room) return;
    this.#seats.delete(id);
    const conn = seat.connection;
    seat.end();
    seat.releaseSlot();
    if (conn) {
      conn.seat = undefined;
      conn.socket.close(CloseCodes.SeatTakenOver, "seat taken over on another node");
    }
  }

  /** {@link AdapterHost.error}. */
  error(error: unknown): void {
    this.#options.onError(error);
  }

  /** Sends a fresh `Token` to every connected seat whose token has passed half its life. */
  refreshTokens(now: number): void {
    const halfLife = this.#options.tokenTtl / 2;
    for (const seat of this.#seats.values()) {
      const conn = seat.connection;
      if (!conn?.open || now - this.#startedAt - seat.tokenIssuedAt < halfLife) continue;
      conn.send(JSON.stringify({ event: SignalingEvents.Token, token: this.#issue(seat, now) }));
    }
  }

  /** Sends fresh `IceServers` to every connected seat whose TURN credentials have passed half their life. */
  refreshIceServers(now: number): void {
    const turn = this.turn;
    if (!turn) return;
    for (const seat of this.#seats.values()) {
      const conn = seat.connection;
      if (!conn?.open || !turn.due(seat, now)) continue;
      conn.send(JSON.stringify({ event: SignalingEvents.IceServers, iceServers: turn.mint(seat, now) }));
    }
  }

  stats(): SeatStats {
    let seatsInGrace = 0;
    const rooms = new Set<string>();
    for (const seat of this.#seats.values()) {
      if (seat.inGrace) seatsInGrace++;
      rooms.add(seat.room);
    }
    return { seats: this.#seats.size, seatsInGrace, rooms: rooms.size };
  }

  /** Seats `conn` as a new member (`restored`: with the id of a token from another server instance). */
  #seat(conn: Connection, room: string, id: string, restored: boolean): void {
    const { adapter, maxPeersPerRoom, onError } = this.#options;
    // Bound to no socket until `Initialize` is sent: frames that reach it
    // before (a restored seat's peers may be signaling already) are held.
    const seat = new Seat({ id, room, metadata: conn.metadata, onOverflow: this.#overflow });
    const answer = adapter.join(room, seat, maxPeersPerRoom);
    // An adapter that answers at once (the memory adapter) needs no closures to wait with: this runs on every join.
    if (!isPromise(answer)) {
      this.#seated(conn, seat, restored, answer);
      return;
    }
    const seated = (result: JoinResult) => this.#seated(conn, seat, restored, result);
    const failed = (error: unknown) => {
      onError(error);
      // Whatever the adapter did, the room must not keep a member nobody holds.
      this.#seats.set(id, seat);
      this.end(seat);
      conn.sendError(ErrorCodes.INTERNAL_ERROR, "the server failed to seat you; try again");
    };
    this.#track(conn, id, answer, seated, failed);
  }

  #seated(conn: Connection, seat: Seat, restored: boolean, result: JoinResult): void {
    const { adapter, maxPeersPerRoom, onError } = this.#options;
    const { id, room } = seat;
    if (result.full) {
      conn.sendError(ErrorCodes.ROOM_FULL, `room "${room}" already holds ${maxPeersPerRoom} peers`);
      conn.socket.close(CloseCodes.RoomFull, "room full");
      return;
    }
    this.#seats.set(id, seat);
    if (!conn.open) {
      // The socket went while the adapter answered: the seat ends with it.
      this.end(seat);
      return;
    }
    if (restored) this.#counters.seatsRestored++;
    conn.seat = seat;
    this.#deadlines.delete(conn);
    this.#initialize(conn, seat, result.peers, restored);
    for (const frame of seat.bind(conn)) seat.send(frame);
    // A restored seat is announced too: peers that still know the id ignore
    // it; peers that joined during the outage learn of it.
    const frame = JSON.stringify({ event: SignalingEvents.UserConnected, id, metadata: seat.metadata });
    settle(adapter.broadcast(room, frame, id), onError);
  }

  /**
   * Runs `then` with the adapter's answer: at once when it answered at once;
   * otherwise once it settles, with the connection `joining` meanwhile and
   * the id marked pending so another socket with the same token waits.
   */
  #track<T>(conn: Connection, id: string, answer: T | Promise<T>, then: (value: T) => void, fail: (error: unknown) => void): void {
    if (!isPromise(answer)) {
      then(answer);
      return;
    }
    conn.joining = true;
    const done = Promise.resolve(answer).then(
      (value) => {
        conn.joining = false;
        this.#pending.delete(id);
        then(value);
      },
      (error: unknown) => {
        conn.joining = false;
        this.#pending.delete(id);
        fail(error);
      },
    );
    this.#pending.set(id, done.catch(this.#options.onError));
  }

  /**
   * Binds a live seat (in grace, or held by a socket that still looks
   * alive) to `conn`, once the adapter has said who is in the room; frames
   * meanwhile still go to the old socket, or are held.
   */
  #resume(conn: Connection, seat: Seat): void {
    const answer = this.#options.adapter.members(seat.room);
    const failed = (error: unknown) => {
      this.#options.onError(error);
      conn.sendError(ErrorCodes.INTERNAL_ERROR, "the server failed to resume your seat; try again");
    };
    this.#track(conn, seat.id, answer, (members) => this.#resumed(conn, seat, members), failed);
  }

  #resumed(conn: Connection, seat: Seat, members: PeerInfo[]): void {
    // The socket may have gone, or the seat ended, while the adapter answered.
    if (!conn.open || conn.seat) return;
    if (this.#seats.get(seat.id) !== seat) {
      conn.sendError(ErrorCodes.SEAT_GONE, "the seat ended while it was being resumed; join without a token");
      return;
    }
    const old = seat.connection;
    const held = seat.bind(conn);
    conn.seat = seat;
    this.#deadlines.delete(conn);
    this.#counters.seatsResumed++;
    // The new socket holds a place of its own.
    seat.releaseSlot();
    if (old && old !== conn) {
      // Half-open after a network change: the client gave up on that socket
      // and must not come back through it; the others never see a leave.
      old.seat = undefined;
      old.socket.close(CloseCodes.SeatTakenOver, "seat taken over by a newer connection");
    }
    const peers = members.filter((peer) => peer.id !== seat.id);
    this.#initialize(conn, seat, peers, true);
    // Through the seat, so a socket that drops again mid-way holds the rest.
    for (const frame of held) seat.send(frame);
  }

  #initialize(conn: Connection, seat: Seat, peers: PeerInfo[], resumed: boolean): void {
    const now = Date.now();
    conn.send(
      JSON.stringify({
        event: SignalingEvents.Initialize,
        protocol: PROTOCOL_VERSION,
        id: seat.id,
        room: seat.room,
        peers,
        metadata: seat.metadata,
        token: this.#issue(seat, now),
        resumed,
        grace: this.#options.seatGrace,
        // Fresh on every seating, a resume included: the last ones may be near their end.
        iceServers: this.turn?.mint(seat, now),
      }),
    );
  }

  #issue(seat: Seat, now: number): string {
    // Math.trunc keeps it a small integer for V8: a plain difference of two
    // doubles is stored as a double, boxed, even when it is a whole number.
    seat.tokenIssuedAt = Math.trunc(now - this.#startedAt);
    return this.#signer.sign(seat.id, seat.room, now + this.#options.tokenTtl);
  }
}
