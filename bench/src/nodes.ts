/**
 * The relay across nodes: ours with the Redis adapter on two nodes, side a
 * of every pair on one and side b on the other, so that every signal
 * crosses Redis; against ours on one node (its default, in-memory rooms),
 * in the same round. Each node is a child process of its own, as is a
 * fresh redis-server per round (no persistence) and the load generator.
 * Server CPU per message counts both nodes, and Redis's CPU beside it.
 */
import { execFileSync, fork, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { ask, forkServer, freePort, measure, serverCpu, stopChildren, waitForPort, type PhaseResult, type RelayOptions } from "./relay.js";
import type { GeneratorCommand } from "./generator.js";
import { summarize, type Summary } from "./stats.js";

export type Topology = "one" | "two";
export const TOPOLOGY_LABELS: Record<Topology, string> = {
  one: "one node (in-memory rooms)",
  two: "two nodes over Redis",
};

export interface NodesPhase extends PhaseResult {
  /** redis-server's CPU time per relayed message, µs (0 for one node). */
  redisCpuPerMsg: number;
}

export interface NodesRound {
  topology: Topology;
  round: number;
  rate: NodesPhase;
  saturated: NodesPhase;
}

const here = new URL(".", import.meta.url);
// /proc/<pid>/stat counts in clock ticks.
const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** CPU time of a process that is not ours to instrument (redis-server), in µs, from /proc. */
function procCpu(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command (which may hold spaces) in parentheses; utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
}

async function startRedis(): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  await waitForPort(port, child);
  return { url: `redis://127.0.0.1:${port}`, process: child };
}

async function phase(
  nodes: ChildProcess[],
  redis: ChildProcess | undefined,
  gen: ChildProcess,
  command: GeneratorCommand,
  options: RelayOptions,
): Promise<NodesPhase> {
  const nodesCpu = async () => (await Promise.all(nodes.map(serverCpu))).reduce((a, b) => a + b, 0);
  const redisCpu = () => (redis?.pid === undefined ? 0 : procCpu(redis.pid));
  const { phase, cpuPerMsg } = await measure(gen, command, options, [nodesCpu, redisCpu]);
  return { ...phase, cpuPerMsg: cpuPerMsg[0] as number, redisCpuPerMsg: cpuPerMsg[1] as number };
}

async function one(topology: Topology, round: number, options: RelayOptions): Promise<NodesRound> {
  const redis = topology === "two" ? await startRedis() : undefined;
  const ports = topology === "two" ? [await freePort(), await freePort()] : [await freePort()];
  const nodes = ports.map((port) =>
    redis ? forkServer("oursRedis", port, { env: { REDIS_URL: redis.url, REDIS_PREFIX: "bench:" } }) : forkServer("ours", port),
  );
  const gen = fork(new URL("generator.js", here).pathname, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  try {
    for (const [i, port] of ports.entries()) await waitForPort(port, nodes[i] as ChildProcess);
    const [port, portB] = ports as [number, number | undefined];
    await ask(gen, { setup: { kind: "ours", port, portB, pairs: options.pairs, window: options.window } }, "ready");
    const rate = await phase(nodes, redis?.process, gen, { run: "rate", rate: options.rate }, options);
    const saturated = await phase(nodes, redis?.process, gen, { run: "saturate" }, options);
    return { topology, round, rate, saturated };
  } finally {
    await stopChildren(gen, ...nodes, ...(redis ? [redis.process] : []));
  }
}

/** One node, then two, round after round. */
export async function nodesScenario(options: RelayOptions, log: (line: string) => void): Promise<NodesRound[]> {
  const results: NodesRound[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const topology of ["one", "two"] as const) {
      const r = await one(topology, round, options);
      log(
        `nodes round ${round} ${topology}: ${Math.round(r.rate.msgPerSec)} msg/s at the fixed rate, ${r.rate.cpuPerMsg.toFixed(1)} µs nodes CPU/msg` +
          ` (+${r.rate.redisCpuPerMsg.toFixed(1)} Redis), p50 ${r.rate.p50.toFixed(3)} ms; saturated ${Math.round(r.saturated.msgPerSec)} msg/s`,
      );
      results.push(r);
    }
  }
  return results;
}

interface NodesFigure {
  title: string;
  unit: string;
  digits: number;
  get: (r: NodesRound) => number;
}

/** The section of docs/benchmarks.md. */
export function nodesSection(rounds: NodesRound[], options: RelayOptions): string[] {
  const figures: NodesFigure[] = [
    { title: `nodes' CPU per relayed message at a fixed ${options.rate} msg/s`, unit: "µs", digits: 1, get: (r) => r.rate.cpuPerMsg },
    { title: `Redis's CPU per relayed message at a fixed ${options.rate} msg/s`, unit: "µs", digits: 1, get: (r) => r.rate.redisCpuPerMsg },
    { title: `latency p50 at a fixed ${options.rate} msg/s`, unit: "ms", digits: 3, get: (r) => r.rate.p50 },
    { title: `latency p99 at a fixed ${options.rate} msg/s`, unit: "ms", digits: 3, get: (r) => r.rate.p99 },
    { title: "saturated relay throughput", unit: "msg/s", digits: 0, get: (r) => r.saturated.msgPerSec },
    { title: "nodes' CPU per relayed message at saturation", unit: "µs", digits: 1, get: (r) => r.saturated.cpuPerMsg },
  ];
  const fmt = (v: number, digits: number) =>
    Number.isFinite(v) ? v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "n/a";
  const span = (s: Summary, digits: number) => `${fmt(s.min, digits)} - ${fmt(s.max, digits)}`;
  const lines = [
    "## Relay across nodes",
    "",
    `The relay scenario's ${options.pairs} pairs (window ${options.window}, ~650-byte signals) on ours with the Redis adapter on two nodes, side a of every pair on one node and side b on the other, so that every signal crosses Redis (a fresh redis-server per round, no persistence); against ours on one node with its default in-memory rooms, in the same round. ${options.rounds} rounds, ${options.warmupMs} ms warm-up and ${options.measureMs} ms measured per phase. CPU counts both nodes' own \`process.cpuUsage()\`; Redis's CPU (from /proc) is given apart. Ratios are per round, two nodes over one.`,
    "",
  ];
  for (const figure of figures) {
    const one = rounds.filter((r) => r.topology === "one");
    const two = rounds.filter((r) => r.topology === "two");
    const ratios = two.map((r) => {
      const base = one.find((b) => b.round === r.round);
      return base === undefined ? NaN : figure.get(r) / figure.get(base);
    });
    const ratio = summarize(ratios);
    lines.push(
      `### ${figure.title} (${figure.unit})`,
      "",
      "| topology | median | spread (min-max) | ratio to one node (median, min-max) |",
      "| --- | --- | --- | --- |",
    );
    for (const [topology, mine] of [
      ["one", one],
      ["two", two],
    ] as const) {
      const value = summarize(mine.map(figure.get));
      const ratioCell =
        topology === "one"
          ? "1.00x"
          : Number.isFinite(ratio.median)
            ? `${ratio.median.toFixed(2)}x (${ratio.min.toFixed(2)}x - ${ratio.max.toFixed(2)}x)`
            : "n/a";
      lines.push(`| ${TOPOLOGY_LABELS[topology]} | ${fmt(value.median, figure.digits)} | ${span(value, figure.digits)} | ${ratioCell} |`);
    }
    lines.push("");
  }
  return lines;
}
