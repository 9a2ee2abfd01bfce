/**
 * Every error code the server sends in an `Error` frame. The connection stays
 * open after each of them except `PROTOCOL_MISMATCH` and `ROOM_FULL`, which
 * close it with their {@link CloseCodes}. docs/errors.md lists them with the
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
  /** The server failed while handling a valid frame; nothing was relayed. */
  INTERNAL_ERROR: "INTERNAL_ERROR",
} as const;

/** One of {@link ErrorCodes}. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/**
 * WebSocket close codes the server uses. 1000–1015 are the standard's;
 * 4000–4999 are reserved for applications.
 */
export const CloseCodes = {
  /** The server is shutting down. Peer-to-peer connections are unaffected. */
  GoingAway: 1001,
  /** No `Join` arrived within the server's `joinTimeout`. */
  JoinTimeout: 1008,
  /** A frame exceeded the server's hard frame limit; sent by `ws` itself. */
  MessageTooBig: 1009,
  /** The client spoke another protocol version (see `PROTOCOL_MISMATCH`). */
  ProtocolMismatch: 4001,
  /** The room the client asked for is full (see `ROOM_FULL`). */
  RoomFull: 4002,
} as const;
