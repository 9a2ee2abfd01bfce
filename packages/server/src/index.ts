export { SignalingServer } from "./server.js";
export type { SignalingServerStats } from "./server.js";
export type { SignalingServerOptions } from "./options.js";
export type { RoomAdapter, RoomMember } from "./adapter.js";
export { MemoryRoomAdapter } from "./memoryAdapter.js";
export type { TurnOptions } from "./turn.js";
