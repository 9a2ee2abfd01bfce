/**
 * The connections and join-storm scenarios, one server process per server
 * and round: a warm-up storm of `warmup` clients, then a measured storm of
 * `count` more (joins/s, the server's CPU per join), then, once the server
 * has been idle for `settleMs`, its memory per connection: RSS and JS heap
 * after a full collection, the difference from after the warm-up divided by
 * `count` (so the process's own fixed cost and its JIT warm-up drop out).
 */
import { fork } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import type { StormReport } from "./joiner.js";
import type { Kind } from "./kinds.js";
import { ask, forkServer, freePort, interleaved, serverCpu, stopChildren, waitForPort } from "./relay.js";

export interface ConnectionsOptions {
  rounds: number;
  /** Clients joined before anything is measured. */
  warmup: number;
  /** Clients of the measured storm, kept open and idle for the memory reading. */
  count: number;
  /** Handshakes in flight at once during a storm. */
  concurrency: number;
  /** Idle time before the memory reading. */
  settleMs: number;
}

export interface ConnectionsRound {
  kind: Kind;
  round: number;
  joinsPerSec: number;
  /** Server CPU time per join, µs. */
  cpuPerJoin: number;
  /** RSS per idle joined connection, bytes. */
  rssPerConn: number;
  /** JS heap retained per idle joined connection after a full collection, bytes. */
  heapPerConn: number;
  /** Off-heap buffers (`external`) per connection, bytes. */
  externalPerConn: number;
}

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
}

const here = new URL(".", import.meta.url);
let memoryId = 0;

async function stormed(gen: ReturnType<typeof fork>, storm: { kind: Kind; port: number; count: number; concurrency: number }): Promise<StormReport> {
  const reply = await ask<{ stormed?: StormReport; error?: string }>(gen, { storm }, "stormed", 120_000);
  if (reply.stormed === undefined) throw new Error(reply.error ?? "the storm failed");
  return reply.stormed;
}

async function one(kind: Kind, round: number, options: ConnectionsOptions): Promise<ConnectionsRound> {
  const port = await freePort();
  const server = forkServer(kind, port, { gc: true });
  const gen = fork(new URL("joiner.js", here).pathname, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const memory = () => ask<Memory>(server, { memory: ++memoryId }, "heapUsed");
  try {
    await waitForPort(port, server);
    const { concurrency } = options;
    await stormed(gen, { kind, port, count: options.warmup, concurrency });
    await sleep(options.settleMs);
    const before = await memory();
    const cpuStart = await serverCpu(server);
    const storm = await stormed(gen, { kind, port, count: options.count, concurrency });
    const cpuEnd = await serverCpu(server);
    await sleep(options.settleMs);
    const after = await memory();
    // A storm of nothing: how many of every client are still open.
    const { open } = await stormed(gen, { kind, port, count: 0, concurrency });
    if (open !== options.warmup + options.count) throw new Error(`${kind}: ${options.warmup + options.count - open} idle joined clients were dropped`);
    return {
      kind,
      round,
      joinsPerSec: (storm.joined * 1000) / storm.elapsedMs,
      cpuPerJoin: (cpuEnd - cpuStart) / storm.joined,
      rssPerConn: (after.rss - before.rss) / options.count,
      heapPerConn: (after.heapUsed - before.heapUsed) / options.count,
      externalPerConn: (after.external - before.external) / options.count,
    };
  } finally {
    await stopChildren(gen, server);
  }
}

export function connectionsScenario(options: ConnectionsOptions, log: (line: string) => void): Promise<ConnectionsRound[]> {
  return interleaved(
    options.rounds,
    (kind, round) => one(kind, round, options),
    (r) =>
      log(
        `connections round ${r.round} ${r.kind}: ${Math.round(r.joinsPerSec)} joins/s, ${r.cpuPerJoin.toFixed(0)} µs CPU/join; ` +
          `per idle connection RSS ${(r.rssPerConn / 1024).toFixed(2)} KiB, heap ${(r.heapPerConn / 1024).toFixed(2)} KiB, external ${(r.externalPerConn / 1024).toFixed(2)} KiB`,
      ),
  );
}
