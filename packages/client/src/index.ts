export { RTCClient } from "./client.js";
export type { RTCClientEvents } from "./client.js";
export type { RTCClientOptions, RTCPeerConnectionConstructor } from "./options.js";
export type { SignalingSocket, WebSocketConstructor } from "./signaling.js";
export type { PeerLeftReason } from "./peer.js";
export { RealtimeError, ClientErrorCodes } from "./errors.js";
export type { ClientErrorCode, RealtimeErrorCode } from "./errors.js";
export { SignalingEvents, ErrorCodes, CloseCodes, PROTOCOL_VERSION } from "@raycaster/realtime-protocol";
export type { ErrorCode } from "@raycaster/realtime-protocol";
