export { SignalingServer } from "./server.js";
export type { SignalingServerStats } from "./server.js";
export type { SignalingServerOptions, RateLimit } from "./options.js";
export type { SignalingHooks, PeerContext, UpgradeAccept, UpgradeRefuse } from "./hooks.js";
export { jsonLogger } from "./logger.js";
export type { Logger, LogLevel } from "./logger.js";
export type { AdapterHost, JoinResult, MaybePromise, RoomAdapter, RoomMember } from "./adapter.js";
export { MemoryRoomAdapter } from "./memoryAdapter.js";
export type { TurnOptions } from "./turn.js";
