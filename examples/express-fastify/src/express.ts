import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { SignalingServer } from "@raycaster/realtime-server";
import express from "express";
import { WebSocketServer } from "ws";
import type { ListenOptions, RunningApp } from "./app.js";
import { echo, pathOf } from "./echo.js";

/**
 * An Express app whose HTTP server also carries the signaling server on
 * `/signal` and a WebSocket echo on `/echo`.
 *
 * The signaling server is attached with `server` and `path`: it takes the
 * upgrades on `/signal` and leaves every other path to the server's other
 * `upgrade` listeners, here the one that routes `/echo` (and answers 404
 * for a path that nobody serves, which would otherwise hang).
 */
export async function startExpress({ port, host }: ListenOptions): Promise<RunningApp> {
  const app = express();
  const server = createServer(app);
  const signaling = new SignalingServer({ server, path: "/signal" });
  app.get("/health", (_request, response) => {
    response.json({ ok: true, signalingConnections: signaling.connectionCount });
  });

  const echoServer = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  echoServer.on("connection", echo);
  server.on("upgrade", (request, socket: Socket, head) => {
    const path = pathOf(request);
    if (path === "/signal") return; // the signaling server's
    if (path === "/echo") return echoServer.handleUpgrade(request, socket, head, (ws) => echoServer.emit("connection", ws, request));
    socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  });

  server.listen(port, host);
  await once(server, "listening");
  return {
    address: server.address() as AddressInfo,
    signaling,
    async close() {
      await signaling.close();
      for (const client of echoServer.clients) client.terminate();
      echoServer.close();
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
