export { SignalingEvents, RelayedEvents } from "./events.js";
export { PROTOCOL_VERSION } from "./version.js";
export { Limits } from "./limits.js";
export { RoomNamePattern } from "./room.js";
export { JoinQuery } from "./joinQuery.js";
export { ErrorCodes, CloseCodes, FinalCloseCodes } from "./errors.js";
export type { ErrorCode } from "./errors.js";
export { parseClientMessage, parseServerMessage } from "./parse.js";
export type { ParseResult } from "./parse.js";
export {
  PeerIdSchema,
  RoomNameSchema,
  TokenSchema,
  IceCandidateSchema,
  PeerMetadataSchema,
  PeerInfoSchema,
  IceServerSchema,
  IceServersMessageSchema,
  JoinSchema,
  PingSchema,
  SendOfferSchema,
  SendAnswerSchema,
  SendCandidateSchema,
  ClientMessageSchema,
  InitializeSchema,
  UserConnectedSchema,
  UserDisconnectedSchema,
  ReceiveOfferSchema,
  ReceiveAnswerSchema,
  ReceiveCandidateSchema,
  ErrorSchema,
  TokenMessageSchema,
  PongSchema,
  ServerMessageSchema,
} from "./schemas.js";
export type {
  IceCandidate,
  PeerMetadata,
  PeerInfo,
  IceServer,
  IceServersMessage,
  JoinMessage,
  SendOfferMessage,
  SendAnswerMessage,
  SendCandidateMessage,
  PingMessage,
  ClientMessage,
  InitializeMessage,
  UserConnectedMessage,
  UserDisconnectedMessage,
  ReceiveOfferMessage,
  ReceiveAnswerMessage,
  ReceiveCandidateMessage,
  ErrorMessage,
  TokenMessage,
  PongMessage,
  ServerMessage,
} from "./schemas.js";
