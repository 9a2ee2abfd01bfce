import { describeRoomAdapter } from "@raycaster/realtime-server/testing";
import { connectNodes, freshPrefix, gate, storedRooms } from "./redis.js";

// One prefix per test, set by the cluster factory and read by storedRooms.
let prefix = "";
const cluster = (nodes: number) => {
  prefix = freshPrefix();
  return connectNodes(nodes, prefix);
};

if (await gate()) {
  for (const nodes of [1, 3]) describeRoomAdapter("RedisRoomAdapter", cluster, { nodes, storedRooms: () => storedRooms(prefix) });
}
