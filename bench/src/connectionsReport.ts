/** The connections and join-storm sections of docs/benchmarks.md, their chart and their targets. */
import type { ConnectionsOptions, ConnectionsRound } from "./connections.js";
import { LABELS } from "./kinds.js";
import { cells, fmt, ratioPanel, x, xAgainst, type Target } from "./report.js";
import { barChart } from "./svg.js";

interface Figure {
  title: string;
  unit: string;
  higherIsBetter: boolean;
  get: (r: ConnectionsRound) => number;
  digits: number;
}

const figures: Figure[] = [
  { title: "RSS per idle joined connection", unit: "KiB", higherIsBetter: false, get: (r) => r.rssPerConn / 1024, digits: 2 },
  { title: "JS heap retained per idle joined connection, after a full GC", unit: "KiB", higherIsBetter: false, get: (r) => r.heapPerConn / 1024, digits: 2 },
  { title: "server CPU per join", unit: "µs", higherIsBetter: false, get: (r) => r.cpuPerJoin, digits: 0 },
  { title: "join storm throughput", unit: "joins/s", higherIsBetter: true, get: (r) => r.joinsPerSec, digits: 0 },
];
const [rss, heap, cpu, joins] = figures as [Figure, Figure, Figure, Figure];

const ours = (rounds: ConnectionsRound[], figure: Figure) => cells(rounds, figure).get("ours")?.ratio.median ?? NaN;

export function connectionTargets(rounds: ConnectionsRound[]): Target[] {
  const verdict = (ok: boolean): Target["verdict"] => (ok ? "met" : "falls short");
  const r = ours(rounds, rss);
  const h = ours(rounds, heap);
  const c = ours(rounds, cpu);
  const j = ours(rounds, joins);
  return [
    {
      text: "memory per idle joined connection <= 1.05x the splicing relay (RSS and retained JS heap)",
      verdict: verdict(r <= 1.05 && h <= 1.05),
      detail: `RSS ${xAgainst(r, 1.05)}, heap ${xAgainst(h, 1.05)}`,
    },
    {
      text: "server CPU per join <= 1.2x the splicing relay, joins/s >= 0.9x",
      verdict: verdict(c <= 1.2 && j >= 0.9),
      detail: `CPU ${xAgainst(c, 1.2)}, joins/s ${xAgainst(j, 0.9)}`,
    },
  ];
}

export function connectionsChart(rounds: ConnectionsRound[]): string {
  const panels = figures.map((figure) => ratioPanel(figure, cells(rounds, figure)));
  return barChart("Idle joined connections and the join storm, medians with min-max whiskers", panels);
}

export function connectionsMarkdown(options: ConnectionsOptions, fdLimit: string, rounds: ConnectionsRound[], chartDir: string): string[] {
  const { warmup, count, concurrency, settleMs } = options;
  const lines = [
    "## Idle connections and the join storm",
    "",
    `Per server and round, a fresh server process (forked with \`--expose-gc\`) and a load-generator process (\`bench/src/joiner.ts\`) that opens clients with at most ${concurrency} handshakes in flight, each connected and joined as its server wants: ` +
      "ours joins on the upgrade request (`?protocol=…&room=…`, as `RTCClient` does without a resume token) and waits for `Initialize` (rooms of two, as in the relay scenario, so every second join also broadcasts `UserConnected`); PeerJS waits for its `OPEN` (its id handshake); y-webrtc subscribes to a topic (one per two clients) then waits for the `pong` to a `ping`; the bare relays only open the socket. " +
      `First ${warmup.toLocaleString("en-US")} clients as a warm-up, then the measured storm of ${count.toLocaleString("en-US")} more: joins/s is that storm's count over its wall time (the generator shares the 2 cores, so this figure is the noisier one), ` +
      "server CPU per join is the server process's `process.cpuUsage()` over the storm divided by its joins. " +
      `After ${settleMs} ms idle, the server's RSS and JS heap are read after two full collections (\`gc()\`), and the difference from the same reading after the warm-up is divided by ${count.toLocaleString("en-US")}: ` +
      `memory per connection, with the process's fixed cost and its warm-up left out. Every client is checked to be still open before the reading. ${options.rounds} round${options.rounds === 1 ? "" : "s"}, the servers interleaved within each round; ratios are per round against the byte splice of the same round. ` +
      "Ours runs with `maxConnections` and `maxConnectionsPerIp` raised to 1,000,000 (the default per-IP cap of 100 would refuse a load generator on one address) and `rateLimit: false`; the file-descriptor limit (`ulimit -n`) of every process here is " +
      `${fdLimit}: the server and the generator each hold ${(warmup + count).toLocaleString("en-US")} sockets.`,
    "",
    `![Connections chart](${chartDir}/connections.svg)`,
    "",
  ];
  for (const figure of figures) {
    lines.push(
      `### ${figure.title} (${figure.unit})`,
      "",
      "| server | median | spread (min-max) | ratio to splice (median, min-max) |",
      "| --- | --- | --- | --- |",
    );
    for (const [kind, cell] of cells(rounds, figure)) {
      lines.push(
        `| ${LABELS[kind]} | ${fmt(cell.value.median, figure.digits)} | ${fmt(cell.value.min, figure.digits)} - ${fmt(cell.value.max, figure.digits)} | ${x(cell.ratio.median)} (${x(cell.ratio.min)} - ${x(cell.ratio.max)}) |`,
      );
    }
    lines.push("");
  }
  return lines;
}
