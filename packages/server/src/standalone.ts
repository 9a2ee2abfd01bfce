import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { AddressInfo } from "node:net";
import { collectDefaultMetrics, Registry } from "prom-client";
import type { RoomAdapter } from "./adapter.js";
import { UsageError, type CliConfig } from "./cliOptions.js";
import type { Logger } from "./logger.js";
import { collectMetrics } from "./metrics.js";
import type { SignalingServerOptions } from "./options.js";
import { SignalingServer } from "./server.js";

/** A running standalone server. */
export interface Standalone {
  readonly address: AddressInfo;
  /**
   * Drains once, however often called: `/healthz` answers 503, every client
   * is closed with 1001 (so it reconnects elsewhere), then the HTTP server
   * closes. Resolves when all is closed.
   */
  drain(): Promise<void>;
}

/** The signaling server's options for `config`: exported for the CLI's tests of the mapping. */
export function serverOptions(config: CliConfig, logger: Logger): SignalingServerOptions {
  const options: SignalingServerOptions = {
    onError: (error) => logger.error({ err: error }, "signaling server error"),
    logger,
  };
  if (config.path !== undefined) options.path = config.path;
  if (config.secret !== undefined) options.secret = config.secret;
  if (config.origins !== undefined) options.origins = config.origins;
  if (config.trustProxy !== undefined) options.trustProxy = config.trustProxy;
  if (config.maxConnections !== undefined) options.maxConnections = config.maxConnections;
  if (config.maxConnectionsPerIp !== undefined) options.maxConnectionsPerIp = config.maxConnectionsPerIp;
  if (config.rate !== undefined || config.burst !== undefined) {
    options.rateLimit = {
      ...(config.rate !== undefined ? { messagesPerSecond: config.rate } : {}),
      ...(config.burst !== undefined ? { burst: config.burst } : {}),
    };
  }
  if (config.turn !== undefined) {
    options.turn = { urls: config.turn.urls, secret: config.turn.secret };
    if (config.turn.ttl !== undefined) options.turn.ttl = config.turn.ttl;
  }
  return options;
}

/**
 * Starts one HTTP server on `config.port` carrying the signaling server's
 * WebSocket upgrades, `GET /healthz` and `GET /metrics`; resolves once it
 * listens.
 * @throws the signaling server's RangeError or TypeError on a bad option
 *   (before anything listens), or the listen error (EADDRINUSE…).
 */
export async function startStandalone(config: CliConfig, logger: Logger): Promise<Standalone> {
  const adapter = config.redis && (await redisAdapter(config.redis, logger));
  const http = createServer();
  const signaling = new SignalingServer({ ...serverOptions(config, logger), server: http, ...(adapter && { adapter }) });
  const registry = new Registry();
  collectMetrics(signaling, { registry });
  collectDefaultMetrics({ register: registry });

  let draining = false;
  http.on("request", (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    const get = request.method === "GET" || request.method === "HEAD";
    // A kept-alive connection would hold the closing HTTP server open until it idles out.
    if (draining) response.setHeader("Connection", "close");
    if (get && path === "/healthz") {
      if (draining) return json(response, 503, { status: "draining" });
      const { connections, seats, seatsInGrace, rooms } = signaling.stats();
      return json(response, 200, { status: "ok", connections, seats, seatsInGrace, rooms });
    }
    if (get && path === "/metrics") {
      registry.metrics().then(
        (text) => {
          response.writeHead(200, { "Content-Type": registry.contentType }).end(text);
        },
        (error: unknown) => {
          logger.error({ err: error }, "collecting metrics failed");
          json(response, 500, { status: "error", message: "collecting metrics failed" });
        },
      );
      return;
    }
    json(response, 404, { status: "not found" });
  });

  http.listen({ port: config.port, host: config.host });
  let address: AddressInfo;
  try {
    address = await signaling.listening();
  } catch (error) {
    await signaling.close();
    throw error;
  }

  let drained: Promise<void> | undefined;
  const drain = async () => {
    draining = true;
    logger.info({ connections: signaling.stats().connections }, "draining: closing every client with 1001");
    await signaling.close();
    logger.info({}, "signaling server closed");
    await new Promise<void>((resolve, reject) => http.close((error) => (error ? reject(error) : resolve())));
    logger.info({}, "http server closed");
  };
  return {
    address,
    drain: () => (drained ??= drain()),
  };
}

/**
 * The Redis room adapter, from `@raycaster/realtime-redis` installed beside
 * this package (resolved from the working directory first, then from here:
 * this package cannot depend on it, for it depends on this one).
 * @throws UsageError when it is not installed; the connect error when Redis cannot be reached.
 */
async function redisAdapter(redis: { url: string; prefix: string | undefined }, logger: Logger): Promise<RoomAdapter> {
  const name = "@raycaster/realtime-redis";
  let entry: string | undefined;
  for (const base of [pathToFileURL(join(process.cwd(), "package.json")).href, import.meta.url]) {
    try {
      entry = createRequire(base).resolve(name);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw error;
    }
  }
  if (entry === undefined) throw new UsageError(`--redis needs ${name}: npm install ${name}`);
  const { RedisRoomAdapter } = (await import(pathToFileURL(entry).href)) as {
    RedisRoomAdapter: { connect(options: { redis: string; prefix?: string; logger: Logger }): Promise<RoomAdapter> };
  };
  const adapter = await RedisRoomAdapter.connect({ redis: redis.url, logger, ...(redis.prefix !== undefined && { prefix: redis.prefix }) });
  logger.info({ prefix: redis.prefix ?? null }, "sharing rooms through Redis");
  return adapter;
}

function json(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
  response.end(JSON.stringify(body));
}
