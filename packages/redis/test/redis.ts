import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { onTestFinished } from "vitest";
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

/** How many keys of `prefix` hold rooms now. */
export async function storedRooms(prefix: string, url = REDIS_URL): Promise<number> {
  const redis = new Redis(url);
  try {
    return (await redis.keys(`${prefix}room:*`)).length;
  } finally {
    redis.disconnect();
  }
}

/** `nodes` adapters sharing rooms under one fresh prefix. */
export function connectNodes(nodes: number, prefix: string, options: RedisRoomAdapterOptions = {}): Promise<RedisRoomAdapter[]> {
  return Promise.all(Array.from({ length: nodes }, () => RedisRoomAdapter.connect({ redis: REDIS_URL, prefix, ...options })));
}
