import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { within } from "@raycaster/realtime-test-harness";
import { onTestFinished } from "vitest";

const NODE_SCRIPT = fileURLToPath(new URL("./node.mjs", import.meta.url));
const LOG_BOUND = 64 * 1024;

/** A child process whose output is kept (bounded) for failure messages, SIGKILLed when the test ends. */
class Child {
  log = "";
  readonly exited: Promise<void>;
  constructor(
    readonly name: string,
    readonly process: ChildProcess,
  ) {
    const append = (chunk: Buffer) => {
      this.log = (this.log + chunk.toString()).slice(-LOG_BOUND);
    };
    process.stdout?.on("data", append);
    process.stderr?.on("data", append);
    this.exited = new Promise((resolve) => process.once("exit", () => resolve()));
    onTestFinished(() => this.kill());
  }
  /** SIGKILL: no clean shutdown, what a crash looks like. Resolves once it is gone. */
  async kill(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill("SIGKILL");
    await this.exited;
  }
  /** A promise that rejects when the process exits, saying so with its log. */
  failure(): Promise<never> {
    return this.exited.then(() => {
      throw new Error(`${this.name} exited (${this.process.exitCode ?? this.process.signalCode}); its log:\n${this.log}`);
    });
  }
}

/** Options of one signaling node (test/cluster/node.mjs). */
export interface NodeOptions {
  redis: string;
  prefix: string;
  nodeId: string;
  lease: number;
  secret: string;
  seatGrace?: number;
}

/** A signaling node in its own process. */
export interface NodeProcess {
  id: string;
  port: number;
  url: string;
  /** `GET /stats`: the server's and the adapter's figures. */
  stats(): Promise<{ server: { seats: number; framesIn: Record<string, number> }; adapter: { members: number; received: Record<string, number>; resyncs: number; outages: number } }>;
  kill(): Promise<void>;
  log(): string;
}

export async function startNode(options: NodeOptions): Promise<NodeProcess> {
  const child = new Child(options.nodeId, spawn(process.execPath, [NODE_SCRIPT], {
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    env: { ...process.env, CLUSTER_NODE: JSON.stringify(options) },
  }));
  const listening = new Promise<number>((resolve) => {
    child.process.on("message", (message: { type?: string; port?: number }) => {
      if (message.type === "listening" && message.port) resolve(message.port);
    });
  });
  const port = await within(`node ${options.nodeId} listening`, Promise.race([listening, child.failure()]), 10_000, () => child.log);
  return {
    id: options.nodeId,
    port,
    url: `ws://127.0.0.1:${port}`,
    stats: async () => (await fetch(`http://127.0.0.1:${port}/stats`)).json(),
    kill: () => child.kill(),
    log: () => child.log,
  };
}

/** A TCP port free on 127.0.0.1 now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Resolves once 127.0.0.1:`port` accepts a TCP connection. A connection
 * refused before the daemon binds is tried again every 50 ms; the answer,
 * not a delay, ends the wait.
 */
function accepting(port: number): Promise<void> {
  return new Promise((resolve) => {
    const attempt = () => {
      const socket = tcpConnect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve();
      });
      socket.once("error", () => {
        socket.destroy();
        setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** Debian's haproxy in front of `backends`, on a free port of 127.0.0.1. */
export async function startHaproxy(backends: number[]): Promise<{ url: string; kill(): Promise<void> }> {
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

/** A redis-server of the test's own on a free port (no persistence: a restart starts empty). */
export async function startRedis(port?: number): Promise<{ url: string; port: number; kill(): Promise<void>; stop(): void; resume(): void }> {
  const chosen = port ?? (await freePort());
  const child = new Child("redis-server", spawn("redis-server", ["--port", String(chosen), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "pipe"] }));
  await within(`redis-server accepting on ${chosen}`, Promise.race([accepting(chosen), child.failure()]), 10_000, () => child.log);
  return {
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    kill: () => child.kill(),
    // SIGSTOP: Redis stalls with every connection open, answering nothing until SIGCONT.
    stop: () => child.process.kill("SIGSTOP"),
    resume: () => child.process.kill("SIGCONT"),
  };
}
