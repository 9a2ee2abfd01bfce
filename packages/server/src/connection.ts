import { CloseCodes, ErrorCodes, Limits, PROTOCOL_VERSION, SignalingEvents, type ErrorCode, type PeerMetadata } from "@raycaster/realtime-protocol";
import type { Socket } from "node:net";
import { WebSocket } from "ws";
import type { PeerContext } from "./hooks.js";
import { TokenBucket, type RateVerdict } from "./rateLimit.js";
import type { Slot } from "./places.js";
import type { Seat } from "./seat.js";
import { Counters } from "./stats.js";

/**
 * Frames queued for a peer that does not read them are dropped with the
 * peer: past this many buffered bytes, the socket is terminated, so one slow
 * or hostile reader cannot grow the server's memory without bound.
 */
export const SEND_BUFFER_LIMIT = 1024 * 1024;

/** What a {@link Connection} is created with: what the upgrade learnt of the peer. */
export interface ConnectionInit {
  socket: WebSocket;
  address: string;
  user: unknown;
  metadata: PeerMetadata | undefined;
  rateLimit: { messagesPerSecond: number; burst: number } | false;
  counters: Counters;
  /**
   * The connection's place under `maxConnections` and `maxConnectionsPerIp`,
   * given back when the socket closes, or, when its seat waits in grace,
   * handed to that seat (see {@link Connection.handOverSlot}); none for a
   * connection outside the limits.
   */
  slot: Slot | undefined;
}

/**
 * One WebSocket and the little the server keeps about the socket itself:
 * whether it answered the last heartbeat, its rate limit, who the upgrade
 * said it is, and the seat it is bound to. No timer: the server's
 * `JoinDeadlines` closes it if it never joins. Who the peer is in its
 * room (id, room) lives in its {@link Seat}, which may outlive this socket
 * and be bound to the next.
 */
export class Connection implements PeerContext {
  readonly socket: WebSocket;
  readonly address: string;
  readonly user: unknown;
  readonly metadata: PeerMetadata | undefined;
  /** Cleared on each heartbeat ping, set again by the pong or by any frame. */
  alive = true;
  /** The seat this socket speaks for; `undefined` until a `Join` is accepted, and after a takeover. */
  seat: Seat | undefined;
  /** A `Join` waits for an asynchronous `join` hook. */
  joining = false;
  /** Closed for going far over the rate limit: its seat ends at once, with no grace. */
  abusive = false;
  /** See {@link ConnectionInit.slot}; `undefined` once given back or handed over. */
  #slot: Slot | undefined;
  readonly #bucket: TokenBucket | undefined;
  readonly #counters: Counters;
  /** When the last `RATE_LIMITED` was sent; none yet (not a number: a boxed double per connection for nothing). */
  #rateErrorAt: number | undefined;

  constructor(init: ConnectionInit) {
    const { socket, rateLimit } = init;
    this.socket = socket;
    this.address = init.address;
    this.user = init.user;
    this.metadata = init.metadata;
    this.#counters = init.counters;
    this.#slot = init.slot;
    this.#bucket = rateLimit ? new TokenBucket(rateLimit.messagesPerSecond, rateLimit.burst, Date.now()) : undefined;
  }

  /** The seat's id, for hooks; `undefined` until seated. */
  get id(): string | undefined {
    return this.seat?.id;
  }

  /** The seat's room, for hooks; `undefined` until seated. */
  get room(): string | undefined {
    return this.seat?.room;
  }

  /** Gives the connection's place under the limits back. Idempotent. */
  releaseSlot(): void {
    const slot = this.#slot;
    this.#slot = undefined;
    slot?.release();
  }

  /** The connection's place, for its seat in grace to hold from now on; the connection no longer gives it back. */
  handOverSlot(): Slot | undefined {
    const slot = this.#slot;
    this.#slot = undefined;
    return slot;
  }

  /** Whether frames sent now can still reach the client. */
  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /**
   * Counts one incoming frame against the rate limit. Over it, the sender
   * is told (at most once a second) and the frame is to be dropped; far
   * over it, the connection is closed with 1008. Returns whether to handle
   * the frame.
   */
  admit(): RateVerdict {
    if (!this.#bucket) return "ok";
    const now = Date.now();
    const verdict = this.#bucket.take(now);
    if (verdict === "ok") return verdict;
    this.#counters.rateLimitedFrames++;
    if (verdict === "abuse") {
      this.#counters.rateLimitedConnections++;
      this.abusive = true;
      this.socket.close(CloseCodes.PolicyViolation, "rate limit exceeded");
    } else if (this.#rateErrorAt === undefined || now - this.#rateErrorAt >= 1000) {
      this.#rateErrorAt = now;
      this.sendError(ErrorCodes.RATE_LIMITED, "too many frames: frames over the rate limit are dropped");
    }
    return verdict;
  }

  /**
   * Sends one serialised frame. Returns `false` when it was not sent: the
   * socket is not open, or the client stopped reading and the socket was
   * terminated.
   */
  send(frame: string): boolean {
    if (!this.open) return false;
    // Frames still corked count here too: the bound holds for a batch.
    if (this.socket.bufferedAmount > SEND_BUFFER_LIMIT) {
      this.socket.terminate();
      return false;
    }
    if (!lastOfRead) coalesce(this.socket);
    this.socket.send(frame);
    Counters.add(this.#counters.framesOut, eventOf(frame));
    return true;
  }

  /** Sends an `Error` frame; the connection stays open. */
  sendError(code: ErrorCode, message: string, peer?: string): void {
    // Clients refuse longer messages; the reason is for people, the code for code.
    const text = message.length > Limits.errorMessage ? `${message.slice(0, Limits.errorMessage - 1)}…` : message;
    Counters.add(this.#counters.errors, code);
    this.send(JSON.stringify({ event: SignalingEvents.Error, code, message: text, peer }));
  }

  /** Sends `PROTOCOL_MISMATCH` for a client that speaks protocol `version`, and closes with the matching close code. */
  refuseProtocol(version: number): void {
    this.sendError(ErrorCodes.PROTOCOL_MISMATCH, `the server speaks protocol ${PROTOCOL_VERSION}, the client ${version}`);
    this.socket.close(CloseCodes.ProtocolMismatch, "protocol mismatch");
  }
}

/**
 * Whether the frame being handled is the last one of its read: then no other
 * frame can follow it in this callback, and a frame it produces is written at
 * once (ws corks its header and payload into one write itself) rather than
 * through {@link coalesce}, whose deferred uncork costs a tick per frame at
 * low rates, where frames come one per read. Set only for the synchronous
 * span of one frame's handling (see {@link handlingFrame}); frames sent from
 * anywhere else (timers, an adapter's deliveries) are coalesced.
 */
let lastOfRead = false;

/**
 * Marks the start of one frame's handling: whether more frames of the same
 * read wait behind it. ws parses a read's frames one after another in one
 * callback, and what it has not parsed yet is its receiver's `_bufferedBytes`
 * (undocumented; without it every frame is coalesced, as before). Paired with
 * {@link frameHandled}.
 */
export function handlingFrame(from: WebSocket): void {
  const receiver = (from as unknown as { _receiver?: { _bufferedBytes?: number } | null })._receiver;
  lastOfRead = receiver?._bufferedBytes === 0;
}

/** Marks the end of the handling {@link handlingFrame} began. */
export function frameHandled(): void {
  lastOfRead = false;
}

/**
 * Holds the frames sent to `socket` until the current callback (one read
 * from some client, a timer) has run, then writes them together: one
 * `writev`, one TCP segment, instead of one of each per frame. On loopback
 * and on busy servers the per-write syscall and TCP cost is most of a relayed
 * frame's cost, and a read that carried several frames for one peer (a burst
 * of candidates, say) produces several frames for it at once. ws sends each
 * frame as its own corked pair of writes; the outer cork here makes a batch
 * of them. `process.nextTick` runs before any I/O, so no frame waits for
 * anything but the code already running.
 */
function coalesce(socket: WebSocket): void {
  // ws's net.Socket (undocumented, but ws's own name for it since 1.0); a
  // socket ws has already let go of has none.
  const raw = (socket as unknown as { _socket: Socket | null })._socket;
  if (raw === null || raw.writableCorked > 0) return;
  raw.cork();
  process.nextTick(uncork, raw);
}

function uncork(raw: Socket): void {
  raw.uncork();
}

/**
 * The event of a frame the server serialised: every one is built as
 * `JSON.stringify({ event, ... })`, so the name sits at a fixed offset.
 * Cheaper than parsing it back, on the hottest path.
 */
function eventOf(frame: string): string {
  const start = '{"event":"'.length;
  return frame.slice(start, frame.indexOf('"', start));
}
