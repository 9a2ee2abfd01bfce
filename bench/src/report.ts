/** docs/benchmarks.md and its charts, from the data of one run. */
import type { BundleResult } from "./bundle.js";
import type { ConnectionsOptions, ConnectionsRound } from "./connections.js";
import { connectionsMarkdown, connectionTargets } from "./connectionsReport.js";
import { KINDS, LABELS, signal, type Kind } from "./kinds.js";
import type { RelayOptions, RelayRound } from "./relay.js";
import { summarize, type Summary } from "./stats.js";
import { barChart, type Panel } from "./svg.js";

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  os: string;
  memory: string;
}

export interface RunInfo {
  machine: Machine;
  date: string;
  command: string;
  quick: boolean;
  seconds: number;
  relay: RelayOptions;
  connections: ConnectionsOptions;
  /** `ulimit -n` of the bench's shell, which its child processes inherit. */
  fdLimit: string;
}

interface Figure {
  key: string;
  title: string;
  unit: string;
  /** Which way is better: for the chart's caption and the targets. */
  higherIsBetter: boolean;
  get: (r: RelayRound) => number;
  digits: number;
}

const figures = (rate: number): Figure[] => [
  {
    key: "cpuRate",
    title: `server CPU per relayed message at a fixed ${rate} msg/s`,
    unit: "µs",
    higherIsBetter: false,
    get: (r) => r.rate.cpuPerMsg,
    digits: 1,
  },
  { key: "sat", title: "saturated relay throughput", unit: "msg/s", higherIsBetter: true, get: (r) => r.saturated.msgPerSec, digits: 0 },
  { key: "cpuSat", title: "server CPU per relayed message at saturation", unit: "µs", higherIsBetter: false, get: (r) => r.saturated.cpuPerMsg, digits: 1 },
  { key: "p50Rate", title: `latency p50 at ${rate} msg/s`, unit: "ms", higherIsBetter: false, get: (r) => r.rate.p50, digits: 3 },
  { key: "p99Rate", title: `latency p99 at ${rate} msg/s`, unit: "ms", higherIsBetter: false, get: (r) => r.rate.p99, digits: 3 },
  { key: "p50Sat", title: "latency p50 at saturation (window-bound queueing)", unit: "ms", higherIsBetter: false, get: (r) => r.saturated.p50, digits: 2 },
  { key: "p99Sat", title: "latency p99 at saturation", unit: "ms", higherIsBetter: false, get: (r) => r.saturated.p99, digits: 2 },
];

export interface Cell {
  value: Summary;
  /** Per-round ratio against the splicing relay of the same round. */
  ratio: Summary;
}

export function cells<R extends { kind: Kind; round: number }>(rounds: R[], figure: { get: (r: R) => number }): Map<Kind, Cell> {
  const result = new Map<Kind, Cell>();
  const present = KINDS.filter((k) => rounds.some((r) => r.kind === k));
  for (const kind of present) {
    const mine = rounds.filter((r) => r.kind === kind);
    const ratios = mine.map((r) => {
      const base = rounds.find((b) => b.kind === "splice" && b.round === r.round);
      return base === undefined ? NaN : figure.get(r) / figure.get(base);
    });
    result.set(kind, { value: summarize(mine.map(figure.get)), ratio: summarize(ratios) });
  }
  return result;
}

export const fmt = (v: number, digits: number) =>
  Number.isFinite(v) ? v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "n/a";
export const x = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}x` : "n/a");
/**
 * A ratio in a target's figure: with three decimals where two would print
 * the target's own limit (0.998 against 1.00), so the figure shows which
 * side of it the verdict saw.
 */
export const xAgainst = (v: number, limit: number) => (Number.isFinite(v) && v !== limit && v.toFixed(2) === limit.toFixed(2) ? `${v.toFixed(3)}x` : x(v));
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

export interface Target {
  text: string;
  verdict: "met" | "falls short" | "not measured yet";
  detail: string;
}

/** `more`: the targets of scenarios reported in files of their own, in place of their "not measured yet" rows. */
export function targets(rounds: RelayRound[], bundles: BundleResult[], rate: number, connections: ConnectionsRound[], more: Target[] = []): Target[] {
  const [cpuRate, sat] = figures(rate);
  const ours = (f: Figure) => cells(rounds, f).get("ours")?.ratio.median ?? NaN;
  const cpu = ours(cpuRate as Figure);
  const msgs = ours(sat as Figure);
  const bundle = bundles[0]?.gzip ?? NaN;
  const verdict = (ok: boolean): Target["verdict"] => (ok ? "met" : "falls short");
  const later = (text: string): Target => ({ text, verdict: "not measured yet", detail: "scenario not built yet" });
  return [
    {
      text: `relay: server CPU per message at a fixed rate <= 1.10x the splicing relay`,
      verdict: verdict(cpu <= 1.1),
      detail: `${xAgainst(cpu, 1.1)} (median of per-round ratios)`,
    },
    { text: "relay: saturated msg/s >= 1.00x the splicing relay", verdict: verdict(msgs >= 1), detail: `${xAgainst(msgs, 1)}` },
    { text: "browser bundle <= 12 KiB min+gzip", verdict: verdict(bundle <= 12 * 1024), detail: `${kib(bundle)} (${bundle.toLocaleString("en-US")} B)` },
    ...connectionTargets(connections),
    ...(more.some((t) => t.text.startsWith("handshake")) ? [] : [later("handshake p50 and p95 <= 1.1x the direct in-process floor")]),
    ...(more.some((t) => t.text.startsWith("data channel")) ? [] : [later("data channel: binary >= 0.95x the raw channel, 16 KiB JSON >= 0.9x")]),
    ...more,
  ];
}

/** A chart panel of one figure's ratios to the byte splice, ours highlighted. */
export function ratioPanel(figure: Pick<Figure, "title" | "unit" | "higherIsBetter" | "digits">, table: Map<Kind, Cell>): Panel {
  return {
    title: `${figure.title}, ratio to the byte splice (${figure.higherIsBetter ? "higher" : "lower"} is better)`,
    reference: { value: 1, label: "1.00x" },
    bars: [...table].map(([kind, cell]) => ({
      label: LABELS[kind],
      value: cell.ratio.median,
      min: cell.ratio.min,
      max: cell.ratio.max,
      text: `${x(cell.ratio.median)}  (${fmt(cell.value.median, figure.digits)} ${figure.unit})`,
      highlight: kind === "ours",
    })),
  };
}

export function relayChart(rounds: RelayRound[], rate: number): string {
  const panels: Panel[] = figures(rate)
    .slice(0, 4)
    .map((figure) => ratioPanel(figure, cells(rounds, figure)));
  return barChart("Relay: 650-byte signals between pairs, medians with min-max whiskers", panels);
}

export function bundleChart(bundles: BundleResult[]): string {
  return barChart("Browser bundle, esbuild --minify then gzip -9", [
    {
      title: "min+gzip, KiB (lower is better)",
      reference: { value: 12, label: "target 12 KiB" },
      bars: bundles.map((b, i) => ({ label: b.name.split(":")[0] ?? b.name, value: b.gzip / 1024, text: kib(b.gzip), highlight: i === 0 })),
    },
  ]);
}

/** `more`: the targets and sections of scenarios reported in files of their own. */
export function markdown(
  info: RunInfo,
  rounds: RelayRound[],
  bundles: BundleResult[],
  connections: ConnectionsRound[],
  chartDir: string,
  more: { targets: Target[]; sections: string[] } = { targets: [], sections: [] },
): string {
  const { relay } = info;
  const lines: string[] = [];
  const push = (...l: string[]) => lines.push(...l);
  push(
    "# Benchmarks",
    "",
    `Written by \`${info.command}\` (bench/ in this repository) on ${info.date}; the run took ${Math.round(info.seconds)} s.${info.quick ? " **Quick mode: one short round, a smoke check, not figures to quote.**" : ""}`,
    "",
    "## Machine",
    "",
    `- CPU: ${info.machine.cpu}, ${info.machine.cores} cores`,
    `- memory: ${info.machine.memory}`,
    `- Node.js ${info.machine.node}, ${info.machine.os}`,
    "",
    "## Targets (issue 9)",
    "",
    "| target | result | figure |",
    "| --- | --- | --- |",
    ...targets(rounds, bundles, relay.rate, connections, more.targets).map((t) => `| ${t.text} | **${t.verdict}** | ${t.detail} |`),
    "",
    "## Relay",
    "",
    `${relay.pairs} pairs of clients (${relay.pairs * 2} sockets) in one load-generator process, each side sending its partner ~650-byte SDP offers with at most ${relay.window} in flight per side. Each server runs in a child process of its own; all traffic is on loopback. ` +
      `Per server and round: a fresh server process, a fixed-rate phase (${relay.rate} msg/s in total) then a saturated phase (every window kept full), each ${relay.warmupMs} ms of warm-up then ${relay.measureMs} ms measured. ` +
      `${relay.rounds} round${relay.rounds === 1 ? "" : "s"}, the servers interleaved within each round. Server CPU is the server process's own \`process.cpuUsage()\` (user + system), read over IPC at the start and end of the measured window, divided by the messages delivered in it. ` +
      "Latency is send to receipt, both in the generator process. Each figure: the median over rounds, the spread (min-max), and the median of the per-round ratios against the byte-splicing relay of the same round.",
    "",
    "Subjects:",
    "",
    "- **bare ws relay, byte splice** (1.00x): `ws` forwarding each frame's bytes to the other socket of the pair, no parsing.",
    "- **bare ws relay, JSON parse + stringify**: parses the frame, sets `from`, stringifies, sends; no validation, no rooms.",
    "- **ours**: `SignalingServer` from `@raycaster/realtime-server` with its default options except the limits a benchmark trips: `rateLimit: false`, `maxConnections` and `maxConnectionsPerIp` raised to 1,000,000. Every frame is validated (zod) as in production; clients join a room per pair on the upgrade request (`?protocol=…&room=…`, as `RTCClient` does) and relay `SendOffer`.",
    '- **PeerJS server**: npm `peer` 1.0.2, `PeerServer({ port, host, path: "/", concurrent_limit: 1_000_000 })` (its default limit of 5,000 connections raised for the connections scenario), defaults otherwise; clients send `OFFER` frames to `dst`.',
    "- **y-webrtc signaling server**: npm `y-webrtc` 10.3.0's own `bin/server.js`, unchanged (its `listen` kept on 127.0.0.1 by the bench's preload); each pair subscribes to a topic and `publish`es. It echoes every publish to the sender too, which is part of its cost; only the partner's receipt counts.",
    "",
    `Frame sizes as sent (bytes of one signal, each protocol's own shape around the same SDP): ${KINDS.map((k) => `${k} ${Buffer.byteLength(signal(k, 12, "a", k === "ours" ? "V1StGXR8_Z5jdHi6B-myT" : "b12"))}`).join(", ")}.`,
    "",
    `![Relay chart](${chartDir}/relay.svg)`,
    "",
  );
  for (const figure of figures(relay.rate)) {
    const table = cells(rounds, figure);
    push(`### ${figure.title} (${figure.unit})`, "", "| server | median | spread (min-max) | ratio to splice (median, min-max) |", "| --- | --- | --- | --- |");
    for (const [kind, cell] of table) {
      push(
        `| ${LABELS[kind]} | ${fmt(cell.value.median, figure.digits)} | ${fmt(cell.value.min, figure.digits)} - ${fmt(cell.value.max, figure.digits)} | ${x(cell.ratio.median)} (${x(cell.ratio.min)} - ${x(cell.ratio.max)}) |`,
      );
    }
    push("");
  }
  const skipped = rounds.filter((r) => r.rate.skipped > 0);
  if (skipped.length > 0)
    push(`Fixed-rate sends skipped because a window was full: ${skipped.map((r) => `${r.kind} round ${r.round}: ${r.rate.skipped}`).join(", ")}.`, "");
  push(...connectionsMarkdown(info.connections, info.fdLimit, connections, chartDir));
  push(
    "## Bundle size",
    "",
    "Each entry below bundled the same way: esbuild, `platform: \"browser\"`, ESM, `minify: true`, target es2022, then gzip level 9. simple-peer needs Node's `events` in a browser; the bench provides npm `events` (what a browser bundler's Node polyfill would add); `process` and `Buffer` shims are not added, so its figure is a floor.",
    "",
    "| entry | min | min+gzip | ratio to ours |",
    "| --- | --- | --- | --- |",
    ...bundles.map(
      (b) =>
        `| ${b.name}: \`${b.entry}\` | ${b.min.toLocaleString("en-US")} B | ${b.gzip.toLocaleString("en-US")} B (${kib(b.gzip)}) | ${x(b.gzip / (bundles[0]?.gzip ?? NaN))} |`,
    ),
    "",
    `![Bundle chart](${chartDir}/bundle.svg)`,
    "",
    ...more.sections,
    // Only when the run could not take it (no redis-server, or BENCH_ONLY).
    ...(more.sections.some((s) => s.startsWith("## Relay across nodes"))
      ? []
      : ["## Not measured yet", "", "Of issue 9: the relay across nodes (Redis) against one node (this run had no redis-server, or was partial).", ""]),
  );
  return lines.join("\n");
}
