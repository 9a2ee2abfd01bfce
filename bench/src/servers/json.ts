/** A bare `ws` relay that parses each frame, sets `from` and stringifies it again: no validation, no rooms. */
import { WebSocketServer, type WebSocket } from "ws";

const sockets = new Map<string, WebSocket>();
const wss = new WebSocketServer({ port: Number(process.env.PORT), host: "127.0.0.1" });
wss.on("connection", (socket, request) => {
  const id = new URL(request.url ?? "/", "http://x").searchParams.get("id") ?? "";
  sockets.set(id, socket);
  socket.on("message", (data) => {
    const { to, ...fields } = JSON.parse((data as Buffer).toString("utf8")) as { to: string };
    sockets.get(to)?.send(JSON.stringify({ ...fields, from: id }));
  });
  socket.on("close", () => sockets.delete(id));
});
