/**
 * The bounds of every field on the wire. They keep one frame's worth of
 * memory small and predictable on both sides; the server's frame size limit
 * (`maxMessageSize`) bounds the whole frame on top of these. String bounds
 * count Unicode code points, as zod does: an emoji outside the BMP is one,
 * a lone surrogate is one too.
 */
export const Limits = {
  /** Room names: 1 to 128 code points; the refused characters are listed at `RoomNameSchema`. */
  roomName: 128,
  /** Peer ids are minted by the server; anything longer cannot be one. */
  peerId: 64,
  /** One SDP blob. A data-channel-only SDP is ~1 KB; many media sections reach tens of KB. */
  sdp: 64 * 1024,
  /** One ICE candidate line (typically ~100 characters). */
  candidate: 1024,
  /** `sdpMid` and `usernameFragment` of a candidate. */
  candidateField: 256,
  /** Peers listed in one `Initialize`. */
  peersPerRoom: 1024,
  /** A resume token, as the server signs it (about 150 characters). */
  token: 512,
  /** The human-readable reason of an `Error` frame. */
  errorMessage: 1024,
  /** A peer's metadata, serialised as JSON, in bytes (UTF-8). */
  metadata: 1024,
  /** One key of a peer's metadata. */
  metadataKey: 64,
  /** ICE servers in one `Initialize` or `IceServers`. */
  iceServers: 8,
  /** URLs of one ICE server. */
  iceUrls: 8,
  /** One ICE server URL (`turn:host:port?transport=udp`). */
  iceUrl: 256,
  /** A TURN username or credential. */
  iceCredential: 256,
} as const;
