/** The floor: a bare `ws` relay that forwards each frame's bytes to the other side of its pair, parsing nothing. */
import { WebSocketServer, type WebSocket } from "ws";

const pairs = new Map<string, { a?: WebSocket; b?: WebSocket }>();
const wss = new WebSocketServer({ port: Number(process.env.PORT), host: "127.0.0.1" });
wss.on("connection", (socket, request) => {
  const url = new URL(request.url ?? "/", "http://x");
  const pair = url.searchParams.get("pair") ?? "";
  const side = url.searchParams.get("side") === "a" ? "a" : "b";
  let entry = pairs.get(pair);
  if (entry === undefined) pairs.set(pair, (entry = {}));
  entry[side] = socket;
  const other = side === "a" ? "b" : "a";
  const found = entry;
  socket.on("message", (data, isBinary) => found[other]?.send(data as Buffer, { binary: isBinary }));
  socket.on("close", () => delete found[side]);
});
