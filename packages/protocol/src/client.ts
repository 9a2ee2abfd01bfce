// The zod-free entry, `@raycaster/realtime-protocol/client`: everything a
// client needs, with `parseServerMessage` the light parser, so that a
// browser bundle carries no zod. The schemas stay in the main entry.
export { SignalingEvents, RelayedEvents } from "./events.js";
export { PROTOCOL_VERSION } from "./version.js";
export { Limits } from "./limits.js";
export { RoomNamePattern } from "./room.js";
export { JoinQuery } from "./joinQuery.js";
export { ErrorCodes, CloseCodes, FinalCloseCodes } from "./errors.js";
export type { ErrorCode } from "./errors.js";
export { parseServerMessage } from "./light.js";
export type { ParseResult } from "./frame.js";
export type * from "./schemas.js";
