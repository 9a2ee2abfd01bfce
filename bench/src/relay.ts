/** The relay scenario: each server in a child process of its own, the load generator in another. */
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer, connect } from "node:net";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { GeneratorCommand, GeneratorReport } from "./generator.js";
import { KINDS, type Kind } from "./kinds.js";

export interface RelayOptions {
  rounds: number;
  pairs: number;
  window: number;
  /** Messages per second of the fixed-rate phase, in total. */
  rate: number;
  warmupMs: number;
  measureMs: number;
}

export interface PhaseResult {
  msgPerSec: number;
  p50: number;
  p99: number;
  /** Server CPU time per relayed message, µs. */
  cpuPerMsg: number;
  skipped: number;
}

export interface RelayRound {
  kind: Kind;
  round: number;
  rate: PhaseResult;
  saturated: PhaseResult;
}

const here = new URL(".", import.meta.url);
const require = createRequire(import.meta.url);

/** The script of a server under test: a `Kind`, or `oursRedis` (ours as one node of several, for the nodes scenario). */
export function script(kind: Kind | "oursRedis"): string {
  // y-webrtc exports no bin: its CommonJS build sits in dist/, the server beside it in bin/.
  if (kind === "ywebrtc") return join(dirname(require.resolve("y-webrtc")), "..", "bin", "server.js");
  return new URL(`servers/${kind}.js`, here).pathname;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

export async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on ${port}`);
}

/** Sends `message` to `child` and resolves with the first reply that has `key`. */
export function ask<T>(child: ChildProcess, message: unknown, key: string, timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${key} within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (reply: Record<string, unknown>) => {
      if (!(key in reply)) return;
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(reply as T);
    };
    const onExit = (code: number | null) => reject(new Error(`child exited (${code}) while waiting for ${key}`));
    child.on("message", onMessage);
    child.once("exit", onExit);
    child.send(message as object);
  });
}

let cpuId = 0;
export async function serverCpu(server: ChildProcess): Promise<number> {
  const id = ++cpuId;
  const reply = await ask<{ micros: number }>(server, { cpu: id }, "micros");
  return reply.micros;
}

/**
 * One phase of the generator: run, warm up, then measure. `meters` are CPU
 * clocks in µs (server processes over IPC, others from /proc), read at the
 * start and end of the measured window; each comes back per delivered message.
 */
export async function measure(
  gen: ChildProcess,
  command: GeneratorCommand,
  options: RelayOptions,
  meters: (() => number | Promise<number>)[],
): Promise<{ phase: Omit<PhaseResult, "cpuPerMsg">; cpuPerMsg: number[] }> {
  const read = () => Promise.all(meters.map(async (meter) => meter()));
  await ask(gen, command, "running");
  await sleep(options.warmupMs);
  await ask(gen, { mark: true }, "marked");
  const start = await read();
  await sleep(options.measureMs);
  const end = await read();
  const { report } = await ask<{ report: GeneratorReport }>(gen, { report: true }, "report");
  await ask(gen, { stop: true }, "stopped");
  const delivered = Math.max(1, report.delivered);
  return {
    phase: { msgPerSec: (report.delivered * 1000) / report.elapsedMs, p50: report.p50, p99: report.p99, skipped: report.skipped },
    cpuPerMsg: end.map((micros, i) => (micros - (start[i] as number)) / delivered),
  };
}

async function phase(server: ChildProcess, gen: ChildProcess, command: GeneratorCommand, options: RelayOptions): Promise<PhaseResult> {
  const { phase, cpuPerMsg } = await measure(gen, command, options, [() => serverCpu(server)]);
  return { ...phase, cpuPerMsg: cpuPerMsg[0] as number };
}

/**
 * A server under test in a process of its own, preloaded with the reporter
 * (CPU and memory over IPC). `gc`: with `--expose-gc`, for memory readings.
 * BENCH_PROFILE=<dir>: it writes a V8 CPU profile there when it ends.
 */
export function forkServer(kind: Kind | "oursRedis", port: number, options: { gc?: boolean; env?: Record<string, string> } = {}): ChildProcess {
  return fork(script(kind), [], {
    execArgv: [
      ...(options.gc ? ["--expose-gc"] : []),
      "--import",
      new URL("reporter.js", here).href,
      ...(process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
    ],
    env: { ...process.env, ...options.env, PORT: String(port) },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
}

async function one(kind: Kind, round: number, options: RelayOptions): Promise<RelayRound> {
  const port = await freePort();
  const server = forkServer(kind, port);
  const gen = fork(new URL("generator.js", here).pathname, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  try {
    await waitForPort(port, server);
    await ask(gen, { setup: { kind, port, pairs: options.pairs, window: options.window } }, "ready");
    const rate = await phase(server, gen, { run: "rate", rate: options.rate }, options);
    const saturated = await phase(server, gen, { run: "saturate" }, options);
    return { kind, round, rate, saturated };
  } finally {
    await stopChildren(gen, server);
  }
}

/** Kills each child process and resolves once every one has exited. */
export async function stopChildren(...children: ChildProcess[]): Promise<void> {
  for (const child of children) child.kill();
  await Promise.all(children.filter((child) => child.exitCode === null).map((child) => once(child, "exit")));
}

/** Runs `one` for every server, round after round (interleaved, so that drift in the machine touches all alike). */
export async function interleaved<R>(rounds: number, one: (kind: Kind, round: number) => Promise<R>, done: (result: R) => void): Promise<R[]> {
  const results: R[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const kind of KINDS) {
      const result = await one(kind, round);
      done(result);
      results.push(result);
    }
  }
  return results;
}

export function relayScenario(options: RelayOptions, log: (line: string) => void): Promise<RelayRound[]> {
  return interleaved(
    options.rounds,
    (kind, round) => one(kind, round, options),
    (result) =>
      log(
        `relay round ${result.round} ${result.kind}: saturated ${Math.round(result.saturated.msgPerSec)} msg/s, ${result.saturated.cpuPerMsg.toFixed(1)} µs/msg; ` +
          `at ${options.rate}/s ${result.rate.cpuPerMsg.toFixed(1)} µs/msg, p50 ${result.rate.p50.toFixed(2)} ms`,
      ),
  );
}
