/**
 * The handshake and data-channel scenarios on Node's WebRTC stacks: per
 * stack, our signaling server in a child process and the peers in another
 * (peers.ts), where ours and the stack's floor take turns.
 */
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { freePort, waitForPort } from "./relay.js";
import type { HandshakeSample, PeersCommand, TransferCommand } from "./peers.js";
import { STACKS, type Stack } from "./stacks.js";
import type { DataRun } from "./transfer.js";

export interface PeersOptions {
  /** Rounds of the handshake; each is `meetings` meetings of ours and as many of the floor, alternating. */
  handshakeRounds: number;
  meetings: number;
  /** Rounds of each transfer; each runs ours and the raw loop once, the first of them alternating. */
  dataRounds: number;
  binaryBytes: number;
  jsonMessages: number;
}

export interface HandshakeRound extends HandshakeSample {
  stack: Stack;
  round: number;
}

export interface DataRound {
  stack: Stack;
  round: number;
  what: TransferCommand["what"];
  raw: DataRun;
  ours: DataRun;
}

export interface PeersResult {
  handshake: HandshakeRound[];
  data: DataRound[];
}

const here = new URL(".", import.meta.url);

/** Sends `command` to the peers process; resolves with its result, rejects with its error. */
function request<T>(child: ChildProcess, command: PeersCommand, timeoutMs = 600_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no answer from the peers process within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (reply: { result?: T; error?: string }) => {
      if ("result" in reply) done(undefined, reply.result as T);
      else if ("error" in reply) done(new Error(reply.error));
    };
    const onExit = (code: number | null) => done(new Error(`the peers process exited (${code})`));
    function done(error: Error | undefined, result?: T) {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (error) reject(error);
      else resolve(result as T);
    }
    child.on("message", onMessage);
    child.once("exit", onExit);
    child.send(command);
  });
}

async function withPeers<T>(stack: Stack, run: (peers: ChildProcess) => Promise<T>): Promise<T> {
  const port = await freePort();
  const server = fork(new URL("servers/ours.js", here).pathname, [], {
    env: { ...process.env, PORT: String(port) },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const peers = fork(new URL("peers.js", here).pathname, [], {
    execArgv: ["--expose-gc", ...(process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [])],
    env: { ...process.env, PORT: String(port), STACK: stack },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    await waitForPort(port, server);
    await once(peers, "message");
    return await run(peers);
  } finally {
    // SIGINT lets --cpu-prof write its profile.
    peers.kill("SIGINT");
    server.kill();
    await Promise.all([peers.exitCode === null ? once(peers, "exit") : undefined, server.exitCode === null ? once(server, "exit") : undefined]);
  }
}

export async function peersScenario(options: PeersOptions, log: (line: string) => void): Promise<PeersResult> {
  const result: PeersResult = { handshake: [], data: [] };
  for (const stack of STACKS) {
    await withPeers(stack, async (peers) => {
      for (let round = 1; round <= options.handshakeRounds; round++) {
        const sample = await request<HandshakeSample>(peers, { handshake: { meetings: options.meetings } });
        result.handshake.push({ stack, round, ...sample });
        log(
          `handshake ${stack} round ${round}: floor p50 ${pct(sample.floor, 0.5)} p95 ${pct(sample.floor, 0.95)} ms; held ${pct(sample.floorHeld, 0.5)} / ${pct(sample.floorHeld, 0.95)} ms; ours p50 ${pct(sample.ours, 0.5)} p95 ${pct(sample.ours, 0.95)} ms${sample.failed ? `; ${sample.failed} failed` : ""}`,
        );
      }
      for (let round = 1; round <= options.dataRounds; round++) {
        for (const what of ["binary", "json"] as const) {
          const order = round % 2 === 1 ? (["raw", "ours"] as const) : (["ours", "raw"] as const);
          const runs: Partial<Record<"raw" | "ours", DataRun>> = {};
          for (const subject of order) {
            runs[subject] = await request<DataRun>(peers, { transfer: { what, subject, bytes: options.binaryBytes, messages: options.jsonMessages } });
          }
          const { raw, ours } = runs as Record<"raw" | "ours", DataRun>;
          result.data.push({ stack, round, what, raw, ours });
          log(
            `data ${stack} ${what} round ${round}: raw ${mbps(raw)} MB/s, ours ${mbps(ours)} MB/s (${(raw.ms / ours.ms).toFixed(2)}x); CPU raw ${raw.cpuMs?.toFixed(0)} ms, ours ${ours.cpuMs?.toFixed(0)} ms (${((ours.cpuMs ?? NaN) / (raw.cpuMs ?? NaN)).toFixed(2)}x)`,
          );
        }
      }
    });
  }
  return result;
}

/** The `q` quantile of `values` (nearest rank), ms. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

const pct = (values: readonly number[], q: number) => quantile(values, q).toFixed(1);
/** Throughput in MB/s (10^6 bytes). */
export const mbps = (run: DataRun) => (run.bytes / run.ms / 1000).toFixed(1);
