// The Node entry: server and client. Browser bundlers pick ./browser.ts
// instead (the "browser" export condition), so `ws` never reaches a page.
export * from "./browser.js";
export { SignalingServer, MemoryRoomAdapter } from "@raycaster/realtime-server";
export type { SignalingServerOptions, SignalingServerStats, RoomAdapter, RoomMember } from "@raycaster/realtime-server";
