import * as z from "zod/mini";
import { SignalingEvents } from "./events.js";
import { Limits } from "./limits.js";
import { RoomNamePattern } from "./room.js";

// zod/mini rather than zod: the client bundles these schemas, and mini is a
// fraction of full zod's size in a browser.

const boundedString = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));

/** A peer id as the server mints it. */
export const PeerIdSchema = boundedString(Limits.peerId);

/**
 * A room name: 1 to 128 code points, none of them in the Unicode
 * general categories Cc (controls, C0 and C1), Cf (format: bidi overrides
 * such as U+202E, zero-width characters), Cs (surrogates: a lone one is not
 * text), Co (private use), Zl or Zp (line and paragraph separators).
 * Everything else is accepted as is, unnormalised: "é" precomposed and "é"
 * decomposed are two rooms. Unassigned code points (Cn) are accepted, since
 * which ones are unassigned depends on each runtime's Unicode version.
 */
export const RoomNameSchema = z.string().check(z.minLength(1), z.maxLength(Limits.roomName), z.regex(RoomNamePattern));

const SdpSchema = boundedString(Limits.sdp);

/** A resume token: opaque to the client, checked by the server. */
export const TokenSchema = boundedString(Limits.token);

/**
 * An ICE candidate as `RTCIceCandidate.toJSON()` gives it. Not strict:
 * unknown fields a newer browser may add are dropped, not refused.
 * `null` in a message (below) means end-of-candidates.
 */
export const IceCandidateSchema = z.object({
  candidate: z.string().check(z.maxLength(Limits.candidate)),
  sdpMid: z.optional(z.nullable(z.string().check(z.maxLength(Limits.candidateField)))),
  sdpMLineIndex: z.optional(z.nullable(z.int().check(z.gte(0), z.lte(0xffff)))),
  usernameFragment: z.optional(z.nullable(z.string().check(z.maxLength(Limits.candidateField)))),
});

const CandidateOrEnd = z.nullable(IceCandidateSchema);

/**
 * A peer's public metadata, as the server's `upgrade` hook set it (a display
 * name, an avatar URL): a JSON object of at most `Limits.metadata` bytes
 * serialised. The server checks the size; peers only ever receive it.
 */
export const PeerMetadataSchema = z.record(z.string().check(z.maxLength(Limits.metadataKey)), z.unknown());

/** A peer in `Initialize`: its id, and its metadata when it has any. */
export const PeerInfoSchema = z.object({
  id: PeerIdSchema,
  metadata: z.optional(PeerMetadataSchema),
});

/**
 * One ICE server, as `RTCIceServer` takes it. The server sends TURN servers
 * with short-lived credentials minted for this seat.
 */
export const IceServerSchema = z.object({
  urls: z.union([boundedString(Limits.iceUrl), z.array(boundedString(Limits.iceUrl)).check(z.minLength(1), z.maxLength(Limits.iceUrls))]),
  username: z.optional(z.string().check(z.maxLength(Limits.iceCredential))),
  credential: z.optional(z.string().check(z.maxLength(Limits.iceCredential))),
});

const IceServersSchema = z.array(IceServerSchema).check(z.maxLength(Limits.iceServers));

// Client → server. Strict: a field the server does not expect is an error,
// which is also what keeps a client from smuggling a `from`.

export const JoinSchema = z.strictObject({
  event: z.literal(SignalingEvents.Join),
  protocol: z.int(),
  room: RoomNameSchema,
  /** The resume token of a seat this client held: take it back, same id, same peers. */
  token: z.optional(TokenSchema),
});

export const PingSchema = z.strictObject({
  event: z.literal(SignalingEvents.Ping),
});

export const SendOfferSchema = z.strictObject({
  event: z.literal(SignalingEvents.SendOffer),
  to: PeerIdSchema,
  sdp: SdpSchema,
});

export const SendAnswerSchema = z.strictObject({
  event: z.literal(SignalingEvents.SendAnswer),
  to: PeerIdSchema,
  sdp: SdpSchema,
});

export const SendCandidateSchema = z.strictObject({
  event: z.literal(SignalingEvents.SendCandidate),
  to: PeerIdSchema,
  candidate: CandidateOrEnd,
});

/** Every frame a client may send, discriminated by `event`. */
export const ClientMessageSchema = z.discriminatedUnion("event", [JoinSchema, SendOfferSchema, SendAnswerSchema, SendCandidateSchema, PingSchema]);

// Server → client. Not strict, so that a newer server may add fields without
// breaking older clients of the same protocol version.

export const InitializeSchema = z.object({
  event: z.literal(SignalingEvents.Initialize),
  protocol: z.int(),
  id: PeerIdSchema,
  room: RoomNameSchema,
  /** The peers already in the room, with their metadata. */
  peers: z.array(PeerInfoSchema).check(z.maxLength(Limits.peersPerRoom)),
  /** This peer's own metadata, as the server's `upgrade` hook set it. */
  metadata: z.optional(PeerMetadataSchema),
  /** ICE servers to use (TURN with credentials minted for this seat), merged into the client's own. */
  iceServers: z.optional(IceServersSchema),
  /** The credential to resume this seat after the socket drops (`Join` with `token`). */
  token: TokenSchema,
  /** Whether this is a seat the client held before (its `Join` had a token), kept with the same id. */
  resumed: z.boolean(),
  /** Milliseconds the server keeps the seat after the socket drops without a clean close. */
  grace: z.int().check(z.gte(0)),
});

export const TokenMessageSchema = z.object({
  event: z.literal(SignalingEvents.Token),
  token: TokenSchema,
});

/** Fresh TURN credentials, sent before the ones in `Initialize` (or the last `IceServers`) expire. */
export const IceServersMessageSchema = z.object({
  event: z.literal(SignalingEvents.IceServers),
  iceServers: IceServersSchema,
});

export const PongSchema = z.object({
  event: z.literal(SignalingEvents.Pong),
});

export const UserConnectedSchema = z.object({
  event: z.literal(SignalingEvents.UserConnected),
  id: PeerIdSchema,
  /** The peer's public metadata, when the server's `upgrade` hook gave it any. */
  metadata: z.optional(PeerMetadataSchema),
});

export const UserDisconnectedSchema = z.object({
  event: z.literal(SignalingEvents.UserDisconnected),
  id: PeerIdSchema,
});

export const ReceiveOfferSchema = z.object({
  event: z.literal(SignalingEvents.ReceiveOffer),
  from: PeerIdSchema,
  sdp: SdpSchema,
});

export const ReceiveAnswerSchema = z.object({
  event: z.literal(SignalingEvents.ReceiveAnswer),
  from: PeerIdSchema,
  sdp: SdpSchema,
});

export const ReceiveCandidateSchema = z.object({
  event: z.literal(SignalingEvents.ReceiveCandidate),
  from: PeerIdSchema,
  candidate: CandidateOrEnd,
});

export const ErrorSchema = z.object({
  event: z.literal(SignalingEvents.Error),
  code: z.string().check(z.maxLength(64)),
  message: z.string().check(z.maxLength(Limits.errorMessage)),
  /** The peer a refused frame was addressed to, for `PEER_NOT_FOUND`. */
  peer: z.optional(PeerIdSchema),
});

/** Every frame a server may send, discriminated by `event`. */
export const ServerMessageSchema = z.discriminatedUnion("event", [
  InitializeSchema,
  UserConnectedSchema,
  UserDisconnectedSchema,
  ReceiveOfferSchema,
  ReceiveAnswerSchema,
  ReceiveCandidateSchema,
  ErrorSchema,
  TokenMessageSchema,
  IceServersMessageSchema,
  PongSchema,
]);

export type IceCandidate = z.infer<typeof IceCandidateSchema>;
/** A peer's public metadata: a small JSON object. */
export type PeerMetadata = z.infer<typeof PeerMetadataSchema>;
export type PeerInfo = z.infer<typeof PeerInfoSchema>;
/** One ICE server as the server sends it; assignable to `RTCIceServer`. */
export type IceServer = z.infer<typeof IceServerSchema>;
export type JoinMessage = z.infer<typeof JoinSchema>;
export type SendOfferMessage = z.infer<typeof SendOfferSchema>;
export type SendAnswerMessage = z.infer<typeof SendAnswerSchema>;
export type SendCandidateMessage = z.infer<typeof SendCandidateSchema>;
export type PingMessage = z.infer<typeof PingSchema>;
/** A frame from a client to the server. */
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

export type InitializeMessage = z.infer<typeof InitializeSchema>;
export type UserConnectedMessage = z.infer<typeof UserConnectedSchema>;
export type UserDisconnectedMessage = z.infer<typeof UserDisconnectedSchema>;
export type ReceiveOfferMessage = z.infer<typeof ReceiveOfferSchema>;
export type ReceiveAnswerMessage = z.infer<typeof ReceiveAnswerSchema>;
export type ReceiveCandidateMessage = z.infer<typeof ReceiveCandidateSchema>;
export type ErrorMessage = z.infer<typeof ErrorSchema>;
export type TokenMessage = z.infer<typeof TokenMessageSchema>;
export type PongMessage = z.infer<typeof PongSchema>;
export type IceServersMessage = z.infer<typeof IceServersMessageSchema>;
/** A frame from the server to a client. */
export type ServerMessage = z.infer<typeof ServerMessageSchema>;
