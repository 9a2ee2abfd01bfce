// The browser entry: the client and the protocol, nothing that needs Node.
export { RTCClient, RealtimeError, ClientErrorCodes, connectionInfo } from "@raycaster/realtime-client";
export type {
  ConnectionInfo,
  RTCClientOptions,
  RTCClientEvents,
  PeerLeftReason,
  RTCPeerConnectionConstructor,
  SignalingSocket,
  WebSocketConstructor,
  ClientErrorCode,
  RealtimeErrorCode,
} from "@raycaster/realtime-client";
export {
  SignalingEvents,
  ErrorCodes,
  CloseCodes,
  Limits,
  PROTOCOL_VERSION,
  RoomNamePattern,
  // The one export of this entry that is zod: a bundle that imports it
  // carries zod/mini (~9 KiB gzip); RoomNamePattern checks the same.
  RoomNameSchema,
} from "@raycaster/realtime-protocol";
export type { ErrorCode, ClientMessage, ServerMessage } from "@raycaster/realtime-protocol";
