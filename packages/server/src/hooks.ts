import type { IncomingMessage } from "node:http";
import type { ClientMessage, PeerMetadata } from "@raycaster/realtime-protocol";

/** A connected peer as the hooks see it. */
export interface PeerContext {
  /** Its seat's id; `undefined` until a `Join` is accepted. */
  readonly id: string | undefined;
  /** Its room; `undefined` until a `Join` is accepted. */
  readonly room: string | undefined;
  /** What the `upgrade` hook returned as `user`: private to the server, never sent to anyone. */
  readonly user: unknown;
  /** What the `upgrade` hook returned as `metadata`: sent to the room's other peers. */
  readonly metadata: PeerMetadata | undefined;
  /** The client's address (the socket's, or the trusted entry of `X-Forwarded-For` with `trustProxy`). */
  readonly address: string;
}

/** Accepts an upgrade: who the peer is (`user`, for the server's eyes) and what the others may see (`metadata`). */
export interface UpgradeAccept {
  /** Anything the server wants to remember of the peer (a user id, roles); passed to the other hooks. */
  user?: unknown;
  /** Public metadata: a JSON object of at most `Limits.metadata` bytes, sent to the room's other peers. */
  metadata?: PeerMetadata;
}

/** Refuses an upgrade with an HTTP status (401, 403, 429…): no WebSocket is opened. */
export interface UpgradeRefuse {
  status: number;
  /** The response body, for people. */
  message?: string;
}

/**
 * What the server calls as peers come and go, in the style of crossws:
 * `upgrade` and `join` may refuse; the others observe. Every hook may be
 * left out. A hook that throws (or rejects) is logged; `upgrade` then
 * answers 500 and `join` refuses the room.
 */
export interface SignalingHooks {
  /**
   * Called with the HTTP upgrade request before any socket exists: check a
   * cookie, a bearer token, the origin. Return nothing to accept as an
   * anonymous peer, an {@link UpgradeAccept} to name it, or an
   * {@link UpgradeRefuse} to answer with that status instead. Its place
   * under the connection limits is held while it thinks (a client that
   * leaves meanwhile gives it back at once); one that has not answered
   * within `joinTimeout` is answered 503.
   */
  upgrade?(request: IncomingMessage): UpgradeAccept | UpgradeRefuse | void | Promise<UpgradeAccept | UpgradeRefuse | void>;
  /**
   * Called before a peer takes a seat in `room` (a new seat, or one restored
   * from another server instance's token; not a resume of a seat this
   * server still holds). Return `true` (or nothing) to admit; anything
   * else (`false`, say) refuses: the client gets `JOIN_REFUSED` and the
   * socket closes with 4004. A promise (or any thenable) is awaited.
   */
  join?(peer: PeerContext, room: string): boolean | void | PromiseLike<boolean | void>;
  /** A WebSocket opened. */
  open?(peer: PeerContext): void;
  /** A WebSocket closed (its seat may live on in grace). */
  close?(peer: PeerContext, details: { code: number; reason: string }): void;
  /** A valid frame arrived, before it is handled (a join on the upgrade request is no frame: not called for it). */
  message?(peer: PeerContext, message: ClientMessage): void;
  /** A signal was relayed from `from` to the peer `to`. */
  relay?(from: PeerContext, to: string, event: "SendOffer" | "SendAnswer" | "SendCandidate"): void;
}

/**
 * Calls an observing hook (`open`, `close`, `message`, `relay`): what it
 * throws is reported, never passed on, so a logging bug cannot break a
 * relay that already happened.
 */
export function observe(onError: (error: unknown) => void, call: () => void): void {
  try {
    call();
  } catch (error) {
    onError(error);
  }
}
