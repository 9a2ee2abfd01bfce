import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { onTestFinished } from "vitest";
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
}

/**
 * Creates an HTTP server, hands it to `create` (which attaches a signaling
 * server to it), listens on a free port of 127.0.0.1 and resolves once the
 * server listens. Both are closed when the current test ends.
 *
 * @example
 * ```ts
 * const { server, url } = await startServer((http) => new SignalingServer({ server: http }));
 * ```
 */
export async function startServer<S extends HarnessServer>(create: (http: HttpServer) => S): Promise<StartedServer<S>> {
  const http = createServer();
  const server = create(http);
  onTestFinished(async () => {
    await server.close();
    await new Promise((resolve) => http.close(resolve));
  });
  http.listen(0, "127.0.0.1");
  const { port } = await within("the server listening", server.listening());
  return { server, http, url: `ws://127.0.0.1:${port}` };
}
