/**
 * `pnpm bench` (full) and `pnpm bench --quick` (a smoke check under 60 s).
 * The full run writes docs/benchmarks.md, docs/benchmarks/*.svg and the
 * raw rounds in docs/benchmarks/results.json; the
 * quick one writes the same under bench/.quick/ (ignored by git), so that a
 * smoke run never overwrites the committed figures.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleScenario } from "./bundle.js";
import { connectionsScenario, type ConnectionsOptions } from "./connections.js";
import { connectionsChart } from "./connectionsReport.js";
import { browserScenario, type BrowserOptions } from "./browser.js";
import { peersScenario, type PeersOptions } from "./nodepeers.js";
import { dataChart, handshakeChart, peersSections, peersTargets, type PeersReport } from "./peers-report.js";
import { nodesScenario, nodesSection } from "./nodes.js";
import { relayScenario, type RelayOptions } from "./relay.js";
import { bundleChart, markdown, relayChart, targets } from "./report.js";

const quick = process.argv.includes("--quick");
const started = Date.now();
const repo = fileURLToPath(new URL("../..", import.meta.url));
const log = (line: string) => console.log(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);

const relay: RelayOptions = quick
  ? { rounds: 1, pairs: 32, window: 16, rate: 5000, warmupMs: 300, measureMs: 1000 }
  : { rounds: 5, pairs: 32, window: 16, rate: 5000, warmupMs: 1000, measureMs: 4000 };
// For iterating on one server: fewer rounds. A partial run (this, or
// BENCH_ONLY) writes under bench/.quick/ like --quick, so the committed report
// only ever comes from a full run.
if (process.env.BENCH_ROUNDS) relay.rounds = Number(process.env.BENCH_ROUNDS);
const partial = quick || process.env.BENCH_ROUNDS !== undefined || process.env.BENCH_ONLY !== undefined;

const connections: ConnectionsOptions = quick
  ? { rounds: 1, warmup: 200, count: 1000, concurrency: 50, settleMs: 300 }
  : { rounds: 3, warmup: 500, count: 10_000, concurrency: 50, settleMs: 1000 };

// Quick: one short round of each, together under ~15 s.
const peers: PeersOptions = quick
  ? { handshakeRounds: 1, meetings: 4, dataRounds: 1, binaryBytes: 16 * 2 ** 20, jsonMessages: 200 }
  : { handshakeRounds: 5, meetings: 30, dataRounds: 5, binaryBytes: 256 * 2 ** 20, jsonMessages: 2000 };
const browserOptions: BrowserOptions = quick ? { rounds: 1, meetings: 3 } : { rounds: 3, meetings: 15 };

const bundles = await bundleScenario();
for (const b of bundles) log(`bundle ${b.name}: ${b.gzip} B min+gzip`);
const rounds = await relayScenario(relay, log);
// Across nodes: the relay's pairs, fewer rounds; needs Debian's redis-server.
const nodes: RelayOptions = { ...relay, rounds: quick ? 1 : 3 };
const hasRedis = spawnSync("sh", ["-c", "command -v redis-server"]).status === 0;
if (!hasRedis) log("nodes: skipped, no redis-server on PATH (Debian's redis-server package)");
const nodeRounds = hasRedis && process.env.BENCH_ONLY === undefined ? await nodesScenario(nodes, log) : [];
const joined = await connectionsScenario(connections, log);
const peersReport: PeersReport = {
  options: peers,
  result: await peersScenario(peers, log),
  browserOptions,
  browser: await browserScenario(browserOptions, log),
};

const cpus = os.cpus();
const info = {
  machine: {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
  },
  date: new Date()
    .toISOString()
    .replace(/\.\d+Z$/, " UTC")
    .replace("T", " "),
  command: quick ? "pnpm bench --quick" : "pnpm bench",
  quick,
  seconds: (Date.now() - started) / 1000,
  relay,
  connections,
  fdLimit: execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim(),
  peers,
  browser: browserOptions,
};
const outDir = partial ? join(repo, "bench", ".quick") : join(repo, "docs");
const chartDir = join(outDir, "benchmarks");
mkdirSync(chartDir, { recursive: true });
writeFileSync(join(chartDir, "relay.svg"), relayChart(rounds, relay.rate));
writeFileSync(join(chartDir, "bundle.svg"), bundleChart(bundles));
writeFileSync(join(chartDir, "connections.svg"), connectionsChart(joined));
writeFileSync(join(chartDir, "handshake.svg"), handshakeChart(peersReport));
writeFileSync(join(chartDir, "datachannel.svg"), dataChart(peersReport));
writeFileSync(
  join(chartDir, "results.json"),
  JSON.stringify({ info, bundles, rounds, nodes: nodeRounds, connections: joined, peers: peersReport.result, browser: peersReport.browser }, null, 1) + "\n",
);
const more = {
  targets: peersTargets(peersReport),
  sections: [...(nodeRounds.length > 0 ? nodesSection(nodeRounds, nodes) : []), ...peersSections(peersReport, "benchmarks")],
};
writeFileSync(join(outDir, "benchmarks.md"), markdown(info, rounds, bundles, joined, "benchmarks", more));
for (const t of targets(rounds, bundles, relay.rate, joined, more.targets)) log(`target ${t.verdict}: ${t.text} (${t.detail})`);
log(`wrote ${join(outDir, "benchmarks.md")}`);
