import { MemoryRoomAdapter } from "../src/memoryAdapter.js";
import { describeRoomAdapter } from "../src/testing.js";

describeRoomAdapter("MemoryRoomAdapter", () => [new MemoryRoomAdapter()], {
  storedRooms: ([adapter]) => (adapter as MemoryRoomAdapter).roomCount,
});
