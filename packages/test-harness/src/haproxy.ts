import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import { accepting, Child, freePort } from "./daemon.js";
import { within } from "./within.js";

/** A haproxy started by {@link startHaproxy}. */
export interface Haproxy {
  /** `ws://127.0.0.1:<port>`: the one address of every backend. */
  url: string;
  kill(): Promise<void>;
}

/**
 * Starts Debian's haproxy (`/usr/sbin/haproxy`) on a free port of
 * 127.0.0.1, balancing WebSocket connections round-robin over `backends`
 * (ports on 127.0.0.1), with health checks every 200 ms and a connection
 * refused by a dead backend tried on another (`option redispatch`,
 * `retries 3`), as a deployment without sticky sessions would. Its config
 * lives in a temporary directory; resolves once it accepts connections.
 * Killed when the test ends.
 */
export async function startHaproxy(backends: number[]): Promise<Haproxy> {
  const dir = mkdtempSync(join(tmpdir(), "haproxy-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const config = [
    "global",
    "  maxconn 4096",
    "defaults",
    "  mode http",
    "  timeout connect 1s",
    "  timeout client 1h",
    "  timeout server 1h",
    "  timeout tunnel 1h",
    // A connection refused by a dead node is tried on another.
    "  option redispatch",
    "  retries 3",
    "frontend signaling",
    `  bind 127.0.0.1:${port}`,
    "  default_backend nodes",
    "backend nodes",
    "  balance roundrobin",
    ...backends.map((backend, i) => `  server n${i + 1} 127.0.0.1:${backend} check inter 200 fall 1 rise 1`),
  ];
  const file = join(dir, "haproxy.cfg");
  writeFileSync(file, `${config.join("\n")}\n`);
  const child = new Child("haproxy", spawn("/usr/sbin/haproxy", ["-db", "-f", file], { stdio: ["ignore", "pipe", "pipe"] }));
  await within(`haproxy accepting on ${port}`, Promise.race([accepting(port), child.failure()]), 10_000, () => child.log);
  return { url: `ws://127.0.0.1:${port}`, kill: () => child.kill() };
}
