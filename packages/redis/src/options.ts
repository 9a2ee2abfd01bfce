import { randomBytes } from "node:crypto";
import { jsonLogger, type Logger } from "@raycaster/realtime-server";
import { Redis, type RedisOptions } from "ioredis";

/** What {@link RedisRoomAdapter.connect} takes. */
export interface RedisRoomAdapterOptions {
  /**
   * Where Redis is: a `redis://` URL, or ioredis options. The adapter opens
   * two connections of its own (commands, and subscriptions) and closes
   * them in `close()`.
   * @default "redis://127.0.0.1:6379"
   */
  redis?: string | RedisOptions;
  /**
   * Prefix of every key and channel the adapter uses, so that several
   * deployments (or test runs) can share one Redis.
   * @default "realtime:"
   */
  prefix?: string;
  /**
   * How long a node's presence lasts without renewal, in ms. Each node
   * renews its lease every third of it and sweeps the nodes whose lease ran
   * out, so the members of a node that died (kill -9) leave the others'
   * rooms within `lease` + `lease / 3` of its last renewal. Its clients have
   * that long to restore their seats on other nodes with no leave seen.
   * @default 15000
   */
  lease?: number;
  /**
   * Most signals for other nodes handed to Redis and not yet answered. Past
   * it a signal is refused at once (its sender gets `DELIVERY_FAILED`), so
   * a Redis that stalls cannot grow this node's memory without bound.
   * @default 10000
   */
  maxPending?: number;
  /**
   * This node's id in Redis.
   * @default 12 random bytes, base64url
   */
  nodeId?: string;
  /**
   * Where Redis outages and recoveries are logged (pino's interface).
   * @default jsonLogger("warn") (JSON lines on stderr)
   */
  logger?: Logger;
}

/** The options with every default filled in. */
export interface ResolvedRedisOptions {
  redis: string | RedisOptions;
  prefix: string;
  lease: number;
  maxPending: number;
  nodeId: string;
  logger: Logger;
}

export function resolveRedisOptions(options: RedisRoomAdapterOptions): ResolvedRedisOptions {
  const lease = options.lease ?? 15_000;
  if (!Number.isInteger(lease) || lease < 300) throw new RangeError(`lease must be a whole number of ms ≥ 300, not ${String(lease)}`);
  const maxPending = options.maxPending ?? 10_000;
  if (!Number.isInteger(maxPending) || maxPending < 1) throw new RangeError(`maxPending must be a whole number ≥ 1, not ${String(maxPending)}`);
  const prefix = options.prefix ?? "realtime:";
  if (/\s/.test(prefix)) throw new TypeError("prefix must not contain whitespace");
  const nodeId = options.nodeId ?? randomBytes(12).toString("base64url");
  if (!/^\S+$/.test(nodeId)) throw new TypeError("nodeId must be non-empty and without whitespace");
  return { redis: options.redis ?? "redis://127.0.0.1:6379", prefix, lease, maxPending, nodeId, logger: options.logger ?? jsonLogger("warn") };
}

/** Opens a connection with the adapter's settings over the user's. */
export function openRedis({ redis }: ResolvedRedisOptions): Redis {
  const settings: RedisOptions = {
    ...(typeof redis === "object" ? redis : {}),
    // While Redis is away, a command fails at once instead of queueing
    // without bound: the sender of a signal hears DELIVERY_FAILED now.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Reconnect for ever, backing off to a second.
    retryStrategy: (times) => Math.min(times * 100, 1000),
  };
  return typeof redis === "string" ? new Redis(redis, settings) : new Redis(settings);
}
