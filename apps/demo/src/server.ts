import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { SignalingServer } from "@raycaster/realtime";

export interface DemoOptions {
  /** Port to listen on; `0` picks a free one. Default: 3000. */
  port?: number;
  /** Host to listen on. Default: all interfaces. */
  host?: string;
  /** The built page. Default: `dist/public` of this package. */
  publicDir?: string;
  /**
   * The signaling server's `secret`, which signs resume tokens. Give the same
   * one to a restarted demo and every tab resumes its seat, same id, peer
   * connections untouched. Default: the server's, random per server, so after
   * a restart the tabs cannot resume and rejoin as new peers.
   */
  secret?: string | Uint8Array;
}

export interface Demo {
  /** Where the page is, e.g. `http://localhost:3000`. */
  url: string;
  /** Closes the signaling server (every peer's WebSocket), then the HTTP server. */
  close(): Promise<void>;
}

// src/server.ts and dist/main.js both sit one level below the package root.
const DEFAULT_PUBLIC_DIR = fileURLToPath(new URL("../dist/public/", import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".map": "application/json; charset=utf-8",
};

const SECURITY_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Content-Security-Policy":
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
};

/**
 * Starts the demo: one HTTP server that serves the page and, on the same
 * port, the signaling server (WebSocket upgrades).
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const publicDir = resolve(options.publicDir ?? DEFAULT_PUBLIC_DIR);
  const server = createServer((request, response) => {
    serveStatic(publicDir, request, response).catch(() => {
      if (!response.headersSent) send(response, 500, "Internal server error");
      else response.destroy();
    });
  });
  const signaling = new SignalingServer({ server, secret: options.secret });

  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 3000, options.host, () => {
      server.off("error", fail);
      done();
    });
  });
  const address = await signaling.listening();

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(options.host, address)}:${address.port}`,
    close() {
      closing ??= (async () => {
        await signaling.close();
        await new Promise<void>((done, fail) => {
          server.close((error) => (error ? fail(error) : done()));
          // Browsers keep idle keep-alive connections open; they would hold close() up.
          server.closeIdleConnections();
        });
      })();
      return closing;
    },
  };
}

function urlHost(host: string | undefined, address: AddressInfo): string {
  // Listening on every interface: localhost is the address a person can open.
  if (host === undefined || host === "0.0.0.0" || host === "::") return "localhost";
  return address.family === "IPv6" ? `[${address.address}]` : address.address;
}

async function serveStatic(publicDir: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.setHeader("Allow", "GET, HEAD");
    send(response, 405, "Method not allowed");
    return;
  }
  const pathname = safePathname(request.url ?? "/");
  if (pathname === undefined) {
    send(response, 400, "Bad request");
    return;
  }
  const file = resolve(publicDir, "." + (pathname.endsWith("/") ? pathname + "index.html" : pathname));
  // Never serve anything outside the public folder.
  if (!file.startsWith(publicDir + sep)) {
    send(response, 404, "Not found");
    return;
  }
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    send(response, 404, "Not found");
    return;
  }
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    "Content-Type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
    "Content-Length": info.size,
    "Cache-Control": "no-cache",
  });
  if (request.method === "HEAD") {
    response.end();
    return;
  }
  await new Promise<void>((done, fail) => {
    createReadStream(file).on("error", fail).pipe(response).on("finish", done).on("close", done);
  });
}

/** The decoded path of a request URL, or `undefined` if it cannot be one. */
function safePathname(url: string): string | undefined {
  try {
    const pathname = decodeURIComponent(new URL(url, "http://demo.invalid").pathname);
    return pathname.includes("\0") ? undefined : pathname;
  } catch {
    return undefined;
  }
}

function send(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { ...SECURITY_HEADERS, "Content-Type": "text/plain; charset=utf-8" });
  response.end(text);
}
