/**
 * Ours as one node of several: `SignalingServer` with the Redis adapter
 * (`REDIS_URL`, `REDIS_PREFIX`), and the limits a benchmark would trip
 * raised as in `ours.ts`.
 */
import { RedisRoomAdapter } from "@raycaster/realtime-redis";
import { SignalingServer } from "@raycaster/realtime-server";

const adapter = await RedisRoomAdapter.connect({ redis: process.env.REDIS_URL, prefix: process.env.REDIS_PREFIX });
new SignalingServer({
  port: Number(process.env.PORT),
  host: "127.0.0.1",
  adapter,
  rateLimit: false,
  maxConnections: 1_000_000,
  maxConnectionsPerIp: 1_000_000,
});
