import * as z from "zod/mini";
import { SignalingEvents } from "./events.js";
import { Limits } from "./limits.js";

// zod/mini rather than zod: the client bundles these schemas, and mini is a
// fraction of full zod's size in a browser.

const boundedString = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));

/** A peer id as the server mints it. */
export const PeerIdSchema = boundedString(Limits.peerId);

/** A room name: 1 to 128 characters, no control characters. */
export const RoomNameSchema = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(Limits.roomName),
    // oxlint-disable-next-line no-control-regex -- control characters are what it refuses
    z.regex(/^[^\u0000-\u001f\u007f]+$/),
  );

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
export const ClientMessageSchema = z.discriminatedUnion("event", [
  JoinSchema,
  SendOfferSchema,
  SendAnswerSchema,
  SendCandidateSchema,
  PingSchema,
]);

// Server → client. Not strict, so that a newer server may add fields without
// breaking older clients of the same protocol version.

export const InitializeSchema = z.object({
  event: z.literal(SignalingEvents.Initialize),
  protocol: z.int(),
  id: PeerIdSchema,
  room: RoomNameSchema,
  peers: z.array(PeerIdSchema).check(z.maxLength(Limits.peersPerRoom)),
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

export const PongSchema = z.object({
  event: z.literal(SignalingEvents.Pong),
});

export const UserConnectedSchema = z.object({
  event: z.literal(SignalingEvents.UserConnected),
  id: PeerIdSchema,
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
  PongSchema,
]);

export type IceCandidate = z.infer<typeof IceCandidateSchema>;
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
/** A frame from the server to a client. */
export type ServerMessage = z.infer<typeof ServerMessageSchema>;
