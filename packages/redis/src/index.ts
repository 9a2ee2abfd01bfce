export { RedisRoomAdapter, OFFLINE_LEAVES } from "./adapter.js";
export type { RedisRoomAdapterOptions } from "./options.js";
export type { RedisAdapterStats } from "./stats.js";
