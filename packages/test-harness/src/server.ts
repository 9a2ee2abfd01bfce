import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { onTestFinished } from "vitest";
import { WebSocketServer } from "ws";
import { within } from "./within.js";

/** What the harness needs of a server: to know when it listens, and to close it. */
export interface HarnessServer {
  listening(): Promise<AddressInfo>;
  close(): Promise<void>;
}

/** A started server, its HTTP server and the `ws://` URL to reach it. */
export interface StartedServer<S> {
  server: S;
  http: HttpServer;
  url: string;
  port: number;
  /** Closes the server, then its HTTP server, freeing the port; once, however often called (also when the test ends). */
  close(): Promise<void>;
  /** Destroys every TCP connection from the server's side, as a network reset would: no close frame. */
  dropSockets(): void;
}

/** Where {@link startServer} listens. */
export interface StartServerOptions {
  /** The port; give a stopped server's port to play a restart. @default 0 (a free port) */
  port?: number;
}

/**
 * Creates an HTTP server, hands it to `create` (which attaches a signaling
 * server to it), listens on 127.0.0.1 and resolves once the server listens.
 * Both are closed when the current test ends.
 *
 * @example
 * ```ts
 * const { server, url } = await startServer((http) => new SignalingServer({ server: http }));
 * ```
 */
export async function startServer<S extends HarnessServer>(
  create: (http: HttpServer) => S,
  { port: wanted = 0 }: StartServerOptions = {},
): Promise<StartedServer<S>> {
  const http = createServer();
  const sockets = new Set<Socket>();
  http.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  const server = create(http);
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      await server.close();
      await new Promise((resolve) => http.close(resolve));
    })());
  onTestFinished(close);
  http.listen(wanted, "127.0.0.1");
  const { port } = await within(`the server listening on port ${wanted}`, server.listening());
  const dropSockets = () => {
    for (const socket of sockets) socket.destroy();
  };
  return { server, http, url: `ws://127.0.0.1:${port}`, port, close, dropSockets };
}

/**
 * A bare `ws` server on a free port of 127.0.0.1, for tests that speak the
 * protocol by hand; every socket is terminated and the server closed when
 * the test ends.
 */
export async function startWebSocketServer(): Promise<{ wss: WebSocketServer; url: string; port: number }> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  onTestFinished(() => {
    for (const client of wss.clients) client.terminate();
    return new Promise<void>((resolve) => wss.close(() => resolve()));
  });
  await within("the WebSocket server listening", new Promise((resolve) => wss.once("listening", resolve)));
  const { port } = wss.address() as AddressInfo;
  return { wss, url: `ws://127.0.0.1:${port}`, port };
}
