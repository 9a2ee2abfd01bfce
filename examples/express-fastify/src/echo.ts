import type { IncomingMessage } from "node:http";
import type { WebSocket } from "ws";

/** The other WebSocket endpoint of these apps: it sends each message back, text as text, binary as binary. */
export function echo(socket: WebSocket): void {
  socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
}

/** The path of a request, without its query: `/signal?x=1` → `/signal`. */
export function pathOf(request: IncomingMessage): string {
  return new URL(request.url ?? "/", "http://localhost").pathname;
}
