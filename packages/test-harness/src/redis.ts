import { spawn } from "node:child_process";
import { accepting, Child, freePort } from "./daemon.js";
import { within } from "./within.js";

/** A redis-server started by {@link startRedis}. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** SIGKILL; resolves once it is gone. Start another on the same `port` to play a restart. */
  kill(): Promise<void>;
  /** SIGSTOP: Redis stalls with every connection open, answering nothing until {@link resume}. */
  stop(): void;
  /** SIGCONT. */
  resume(): void;
}

/**
 * Starts Debian's redis-server on 127.0.0.1, on a free port (or `port`),
 * without persistence, so that a restart starts empty; resolves once it
 * accepts connections. Killed when the test ends.
 */
export async function startRedis(port?: number): Promise<RedisServer> {
  const chosen = port ?? (await freePort());
  const child = new Child(
    "redis-server",
    spawn("redis-server", ["--port", String(chosen), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "pipe"] }),
  );
  await within(`redis-server accepting on ${chosen}`, Promise.race([accepting(chosen), child.failure()]), 10_000, () => child.log);
  return {
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    kill: () => child.kill(),
    stop: () => child.process.kill("SIGSTOP"),
    resume: () => child.process.kill("SIGCONT"),
  };
}
