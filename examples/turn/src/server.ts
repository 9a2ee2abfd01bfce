// node dist/server.js: the signaling server for coturn at TURN_URLS with TURN_SECRET, on PORT.
import { startSignaling } from "./signaling.js";

const { TURN_URLS, TURN_SECRET, PORT = "3000" } = process.env;
if (!TURN_URLS || !TURN_SECRET) {
  console.error("set TURN_URLS (e.g. turn:127.0.0.1:3478) and TURN_SECRET (coturn's static-auth-secret)");
  process.exit(2);
}
const server = startSignaling({ port: Number(PORT), turnUrls: TURN_URLS.split(","), turnSecret: TURN_SECRET });
const { port } = await server.listening();
console.log(`signaling on ws://localhost:${port}, TURN at ${TURN_URLS}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void server.close().then(() => process.exit(0)));
