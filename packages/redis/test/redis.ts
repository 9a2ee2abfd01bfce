import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { it, onTestFinished } from "vitest";
import { RedisRoomAdapter, type RedisRoomAdapterOptions } from "../src/index.js";

/** The shared Redis of the tests: `REDIS_URL`, else the one on 127.0.0.1:6379 (`.ci/run` starts one). */
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** A key prefix of its own for one test, so runs and tests never meet; its keys are deleted when the test ends. */
export function freshPrefix(): string {
  const prefix = `rt-test:${randomBytes(6).toString("hex")}:`;
  onTestFinished(async () => {
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });
  return prefix;
}

/** How many keys of `prefix` hold rooms now: a room's members, or a node's list of rooms. */
export async function storedRooms(prefix: string, url = REDIS_URL): Promise<number> {
  const redis = new Redis(url);
  try {
    return (await redis.keys(`${prefix}room:*`)).length + (await redis.keys(`${prefix}rooms:*`)).length;
  } finally {
    redis.disconnect();
  }
}

/** `nodes` adapters sharing rooms under one fresh prefix. */
export function connectNodes(nodes: number, prefix: string, options: RedisRoomAdapterOptions = {}): Promise<RedisRoomAdapter[]> {
  return Promise.all(Array.from({ length: nodes }, () => RedisRoomAdapter.connect({ redis: REDIS_URL, prefix, ...options })));
}

/**
 * Whether these tests can run here: a Redis answering at {@link REDIS_URL}
 * and, for the multi-node tests (`tools`), Debian's haproxy and
 * redis-server. Locally, without them, the tests are skipped with a message
 * saying so; in CI (`CI` set) they must run, so one failing test says what
 * is missing instead.
 */
export async function gate(tools = false): Promise<boolean> {
  const missing: string[] = [];
  const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on("error", () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    missing.push(`no Redis answers at ${REDIS_URL} (${(error as Error).message}; set REDIS_URL, or start redis-server; .ci/run does)`);
  } finally {
    probe.disconnect();
  }
  if (tools && !existsSync("/usr/sbin/haproxy")) missing.push("no /usr/sbin/haproxy (apt-get install haproxy; `npm test` does it as root)");
  if (tools && spawnSync("sh", ["-c", "command -v redis-server"]).status !== 0) missing.push("no redis-server on PATH (apt-get install redis-server)");
  if (missing.length === 0) return true;
  if (process.env.CI) {
    it("has what the Redis tests need", () => {
      throw new Error(`CI must run the Redis tests, but: ${missing.join("; ")}`);
    });
  } else {
    console.warn(`[redis] skipping: ${missing.join("; ")} (in CI they fail instead)`);
    it.skip(`has what the Redis tests need: ${missing.join("; ")}`);
  }
  return false;
}
