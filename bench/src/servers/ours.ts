/** Ours: `SignalingServer` with its defaults except the limits a benchmark would trip (rate limit off, connection limits raised). */
import { SignalingServer } from "@raycaster/realtime-server";

new SignalingServer({
  port: Number(process.env.PORT),
  host: "127.0.0.1",
  rateLimit: false,
  maxConnections: 1_000_000,
  maxConnectionsPerIp: 1_000_000,
});
