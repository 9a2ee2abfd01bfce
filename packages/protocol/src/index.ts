export { SignalingEvents } from "./events.js";
export { PROTOCOL_VERSION } from "./version.js";
export { Limits } from "./limits.js";
export { ErrorCodes, CloseCodes } from "./errors.js";
export type { ErrorCode } from "./errors.js";
export { parseClientMessage, parseServerMessage } from "./parse.js";
export type { ParseResult } from "./parse.js";
export {
  PeerIdSchema,
  RoomNameSchema,
  IceCandidateSchema,
  JoinSchema,
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
  ServerMessageSchema,
} from "./schemas.js";
export type {
  IceCandidate,
  JoinMessage,
  SendOfferMessage,
  SendAnswerMessage,
  SendCandidateMessage,
  ClientMessage,
  InitializeMessage,
  UserConnectedMessage,
  UserDisconnectedMessage,
  ReceiveOfferMessage,
  ReceiveAnswerMessage,
  ReceiveCandidateMessage,
  ErrorMessage,
  ServerMessage,
} from "./schemas.js";
