/**
 * Every error code the server sends in an `Error` frame. The connection stays
 * open after each of them except `PROTOCOL_MISMATCH`, `ROOM_FULL` and
 * `JOIN_REFUSED`, which close it with their {@link CloseCodes}. docs/errors.md lists them with the
 * client's own codes.
 */
export const ErrorCodes = {
  /** The frame was not JSON text (binary frames are refused too). */
  INVALID_JSON: "INVALID_JSON",
  /** The frame had no `event`, or one a client may not send. */
  UNKNOWN_EVENT: "UNKNOWN_EVENT",
  /** A known event with fields missing, of the wrong type, out of bounds, or extra. */
  INVALID_MESSAGE: "INVALID_MESSAGE",
  /** The frame named a `from`: only the server says who a frame is from. */
  SPOOFED_SENDER: "SPOOFED_SENDER",
  /** The frame was larger than the server's `maxMessageSize`. */
  MESSAGE_TOO_LARGE: "MESSAGE_TOO_LARGE",
  /** A signaling frame arrived before `Join` was accepted. */
  NOT_JOINED: "NOT_JOINED",
  /** A second `Join` on a connection that is already in a room. */
  ALREADY_JOINED: "ALREADY_JOINED",
  /** `Join` spoke another protocol version; the server closes the connection. */
  PROTOCOL_MISMATCH: "PROTOCOL_MISMATCH",
  /** The room already holds the server's `maxPeersPerRoom`; the server closes the connection. */
  ROOM_FULL: "ROOM_FULL",
  /** `to` names no peer in the sender's room (it left, or never was there). */
  PEER_NOT_FOUND: "PEER_NOT_FOUND",
  /**
   * A signal for `peer` could not be handed to the server node that holds
   * it (a distributed room adapter lost its store, Redis say); it was not
   * delivered. The peer may still be there: the client may send again.
   */
  DELIVERY_FAILED: "DELIVERY_FAILED",
  /**
   * `Join` carried a resume token that is not one this server (or one sharing
   * its secret) signed, was altered, is malformed, or is for another room.
   * Nobody is seated; the connection stays open for a `Join` without a token.
   */
  INVALID_TOKEN: "INVALID_TOKEN",
  /** `Join` carried a genuine resume token past its expiry. Nobody is seated. */
  TOKEN_EXPIRED: "TOKEN_EXPIRED",
  /**
   * `Join` carried a genuine, unexpired token for a seat that has ended on
   * this server (it left, or its grace period ran out): its peers were told
   * it left. Nobody is seated; join again without a token, as a new peer.
   */
  SEAT_GONE: "SEAT_GONE",
  /**
   * The connection sent frames faster than the server's rate limit; frames
   * over it are dropped, not handled. Sent at most once a second; a
   * connection that keeps it up is closed with 1008 (`PolicyViolation`).
   */
  RATE_LIMITED: "RATE_LIMITED",
  /** The server's `join` hook refused this peer the room; the server closes the connection (4004). */
  JOIN_REFUSED: "JOIN_REFUSED",
  /** The server failed while handling a valid frame; nothing was relayed. */
  INTERNAL_ERROR: "INTERNAL_ERROR",
} as const;

/** One of {@link ErrorCodes}. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/**
 * WebSocket close codes the server uses. 1000–1015 are the standard's;
 * 4000–4999 are reserved for applications.
 *
 * A client that closes with 1000 (or a browser leaving the page, 1001, or a
 * close frame without a code, 1005, which a bare `close()` sends) leaves its
 * room at once; any other end of the socket keeps the seat for the server's
 * grace period, for the client to resume.
 */
export const CloseCodes = {
  /** The server is shutting down. Peer-to-peer connections are unaffected. */
  GoingAway: 1001,
  /**
   * The standard's "policy violation": no `Join` arrived within the server's
   * `joinTimeout`, or the connection kept sending over its rate limit. The
   * close reason says which.
   */
  PolicyViolation: 1008,
  /** A frame exceeded the server's hard frame limit; sent by `ws` itself. */
  MessageTooBig: 1009,
  /** The client spoke another protocol version (see `PROTOCOL_MISMATCH`). */
  ProtocolMismatch: 4001,
  /** The room the client asked for is full (see `ROOM_FULL`). */
  RoomFull: 4002,
  /**
   * Another connection resumed this connection's seat with its token (the
   * client reconnected while its old socket still looked alive, half-open).
   * The client must not reconnect this socket: its seat lives on elsewhere.
   */
  SeatTakenOver: 4003,
  /** The server's `join` hook refused the room (see `JOIN_REFUSED`). */
  JoinRefused: 4004,
} as const;

/**
 * Close codes after which a client must not reconnect on its own: trying
 * again would meet the same refusal, or fight the connection that took its
 * seat over.
 */
export const FinalCloseCodes: ReadonlySet<number> = new Set([
  CloseCodes.ProtocolMismatch,
  CloseCodes.RoomFull,
  CloseCodes.SeatTakenOver,
  CloseCodes.JoinRefused,
]);
