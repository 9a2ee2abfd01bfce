// One signaling node in a process of its own, so a test can SIGKILL it:
// a SignalingServer with the Redis adapter (this package's build), and
// `GET /stats` answering the server's and the adapter's figures as JSON.
//
// Options arrive as JSON in CLUSTER_NODE: { redis, prefix, nodeId, lease, secret, seatGrace }.
// It reports { type: "listening", port } over the IPC channel once it listens.
import { createServer } from "node:http";
import { SignalingServer } from "@raycaster/realtime-server";
import { RedisRoomAdapter } from "../../dist/index.js";

const { redis, prefix, nodeId, lease, secret, seatGrace } = JSON.parse(process.env.CLUSTER_NODE ?? "{}");
const adapter = await RedisRoomAdapter.connect({ redis, prefix, nodeId, lease });
const http = createServer((request, response) => {
  if (request.url !== "/stats") {
    response.writeHead(404).end();
    return;
  }
  response.setHeader("Content-Type", "application/json");
  response.end(JSON.stringify({ server: signaling.stats(), adapter: adapter.stats() }));
});
const signaling = new SignalingServer({
  server: http,
  adapter,
  secret,
  seatGrace,
  // Every client comes from 127.0.0.1 through the balancer.
  maxConnectionsPerIp: 1000,
  // An unexpected failure is a line the test shows, never silence.
  onError: (error) => console.error(`[${nodeId}] error: ${error?.stack ?? error}`),
});
http.listen(0, "127.0.0.1", () => process.send?.({ type: "listening", port: http.address().port }));
// The test process is gone: so is this node.
process.on("disconnect", () => process.exit(0));
