import type { ErrorCode } from "@raycaster/realtime-protocol/client";

/**
 * Error codes raised by the client itself. Codes the server sends (see
 * `ErrorCodes` of `@raycaster/realtime-protocol`) reach you unchanged.
 * docs/errors.md lists both.
 */
export const ClientErrorCodes = {
  /**
   * Signaling ended for good without `close()`: a close code after which the
   * client must not retry (`FinalCloseCodes`: protocol mismatch 4001, room
   * full 4002, seat taken over 4003, join refused 4004), reconnect disabled, or every attempt
   * spent. `closeCode` is the last socket's close code. Connected peers stay
   * connected; `signalingClosed` follows.
   */
  SIGNALING_FAILED: "SIGNALING_FAILED",
  /** The server sent a frame this client cannot read (wrong protocol or a bug). */
  INVALID_SERVER_MESSAGE: "INVALID_SERVER_MESSAGE",
  /** Applying or creating an offer or answer failed, or a media track could not be added, removed or swapped on a peer connection; the peer may not connect. */
  NEGOTIATION_FAILED: "NEGOTIATION_FAILED",
  /** ICE could not connect to a peer, or the connection failed later; the peer is dropped. */
  CONNECTION_FAILED: "CONNECTION_FAILED",
  /**
   * `iceTransportPolicy` is `"relay"` and ICE gathering finished without a
   * relay candidate: no TURN server is configured, it could not be reached,
   * or it refused the credentials (401: a secret that does not match the
   * TURN server's, or credentials past their expiry). Nothing can connect
   * without one. The message names the TURN error when the stack reports
   * one (`icecandidateerror`). Reported as soon as gathering ends; the peer
   * is then dropped as before, at `connectTimeout` (`CONNECTION_FAILED`,
   * `peerLeft` with `"failed"`), or at `iceRestartTimeout` during a restart.
   */
  TURN_UNAVAILABLE: "TURN_UNAVAILABLE",
  /** `send` named a peer whose data channel is not open, or `connectionInfo(client, peerId)` one with no ICE candidate pair in use. */
  PEER_NOT_CONNECTED: "PEER_NOT_CONNECTED",
  /**
   * A message over a receiver's `maxMessageSize`: on the receiving side (an
   * `error` event) when a peer declares or sends more, and on the sending
   * side (`send` rejects) when the peer refused it. Also from `send`, for a
   * message that needs chunks on an unreliable or unordered channel.
   */
  MESSAGE_TOO_LARGE: "MESSAGE_TOO_LARGE",
  /** A message was aborted with its `AbortSignal`: `send` rejects with it, and the receiver gets it as an `error` event. */
  ABORTED: "ABORTED",
  /** A transfer under way failed because its connection was replaced (an ICE restart) or closed; both ends free it. */
  TRANSFER_FAILED: "TRANSFER_FAILED",
  /** `channel()` named a channel already declared, or one whose id (derived from the name) another name has. */
  CHANNEL_CONFLICT: "CHANNEL_CONFLICT",
  /** The value given to `send` or `broadcast` cannot be turned into JSON. */
  NOT_SERIALIZABLE: "NOT_SERIALIZABLE",
  /**
   * `close()` came first: `client.joined` rejects with it if the client was
   * not seated yet, and so does every pending (and later) `once()` promise
   * of the closed client, or of a closed channel.
   */
  CLIENT_CLOSED: "CLIENT_CLOSED",
  /**
   * `addTrack`, `removeTrack` or `replaceTrack` (of `mediaOf(client)`) on a WebRTC stack that
   * carries no media (node-datachannel's polyfill): thrown, nothing changes.
   */
  MEDIA_UNSUPPORTED: "MEDIA_UNSUPPORTED",
  /** `replaceTrack` named a track that was never added with `addTrack` (or was removed). */
  TRACK_NOT_ADDED: "TRACK_NOT_ADDED",
  /** A peer sent a malformed frame, JSON that does not parse, or data its channel's `schema` refuses; it is dropped. */
  INVALID_PEER_MESSAGE: "INVALID_PEER_MESSAGE",
} as const;

export type ClientErrorCode = (typeof ClientErrorCodes)[keyof typeof ClientErrorCodes];

/** Every code a {@link RealtimeError} can carry. */
export type RealtimeErrorCode = ErrorCode | ClientErrorCode;

/** The one error type of the client: a stable `code`, a readable message, the peer concerned if any. */
export class RealtimeError extends Error {
  override readonly name = "RealtimeError";
  readonly code: RealtimeErrorCode;
  /** The peer this error concerns, when it concerns one. */
  readonly peerId: string | undefined;
  /** The WebSocket close code, for `SIGNALING_FAILED`. */
  readonly closeCode: number | undefined;

  constructor(code: RealtimeErrorCode, message: string, options: { cause?: unknown; peerId?: string | undefined; closeCode?: number | undefined } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.peerId = options.peerId;
    this.closeCode = options.closeCode;
  }
}

/** An error about one peer: its message reads `peer <id>: <what>`. */
export function peerError(code: RealtimeErrorCode, peerId: string, what: string, cause?: unknown): RealtimeError {
  return new RealtimeError(code, `peer ${peerId}: ${what}`, { peerId, cause });
}

/** An error's message, or the thrown value as text. */
export function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
