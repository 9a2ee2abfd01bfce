/** The handshake and data-channel parts of docs/benchmarks.md: targets, sections, charts. */
import { BROWSER_LABELS, BROWSER_SUBJECTS, type BrowserOptions, type BrowserRound } from "./browser.js";
import { quantile, type DataRound, type HandshakeRound, type PeersOptions, type PeersResult } from "./nodepeers.js";
import { xAgainst, type Target } from "./report.js";
import { STACK_LABELS, STACKS, type Stack } from "./stacks.js";
import { summarize, type Summary } from "./stats.js";
import { barChart, type Bar, type Panel } from "./svg.js";
import type { DataRun } from "./transfer.js";

export interface PeersReport {
  options: PeersOptions;
  result: PeersResult;
  browserOptions: BrowserOptions;
  browser: BrowserRound[] | undefined;
}

/** A figure per round and its ratio against the same round's baseline. */
interface Cell {
  value: Summary;
  base: Summary;
  ratio: Summary;
}

const x = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}x` : "n/a");
const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : "n/a");
const throughput = (run: DataRun) => run.bytes / run.ms / 1000;
const mbs = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} MB/s` : "n/a");

/**
 * The floor of a round at quantile `q`: the better of the two direct
 * negotiations (candidates at once, or held until the answer), so that ours
 * is held to the best a direct negotiation on that stack did.
 */
const floorAt = (r: HandshakeRound, q: number) => Math.min(quantile(r.floor, q), quantile(r.floorHeld, q));

function handshakeCell(result: PeersResult, stack: Stack, q: number): Cell & { seated: Summary; sockets: Summary; trickle: Summary; held: Summary } {
  const rounds = result.handshake.filter((r) => r.stack === stack);
  return {
    value: summarize(rounds.map((r) => quantile(r.ours, q))),
    base: summarize(rounds.map((r) => floorAt(r, q))),
    ratio: summarize(rounds.map((r) => quantile(r.ours, q) / floorAt(r, q))),
    seated: summarize(rounds.map((r) => quantile(r.seated, q))),
    sockets: summarize(rounds.map((r) => quantile(r.sockets, q))),
    trickle: summarize(rounds.map((r) => quantile(r.floor, q))),
    held: summarize(rounds.map((r) => quantile(r.floorHeld, q))),
  };
}

function dataCell(result: PeersResult, stack: Stack, what: DataRound["what"]): Cell & { cpu: Summary } {
  const rounds = result.data.filter((r) => r.stack === stack && r.what === what);
  return {
    value: summarize(rounds.map((r) => throughput(r.ours))),
    base: summarize(rounds.map((r) => throughput(r.raw))),
    ratio: summarize(rounds.map((r) => throughput(r.ours) / throughput(r.raw))),
    cpu: summarize(rounds.map((r) => (r.ours.cpuMs ?? NaN) / (r.raw.cpuMs ?? NaN))),
  };
}

const spread = (s: Summary, f: (v: number) => string) => `${f(s.median)} (${f(s.min)} - ${f(s.max)})`;

export function peersTargets({ result }: PeersReport): Target[] {
  const verdict = (ok: boolean): Target["verdict"] => (ok ? "met" : "falls short");
  const targets: Target[] = [];
  for (const stack of STACKS) {
    const p50 = handshakeCell(result, stack, 0.5).ratio.median;
    const p95 = handshakeCell(result, stack, 0.95).ratio.median;
    targets.push({
      text: `handshake on ${stack}: p50 and p95 <= 1.1x the direct in-process floor`,
      verdict: verdict(p50 <= 1.1 && p95 <= 1.1),
      detail: `p50 ${xAgainst(p50, 1.1)}, p95 ${xAgainst(p95, 1.1)} (medians of per-round ratios)`,
    });
  }
  for (const stack of STACKS) {
    const binary = dataCell(result, stack, "binary").ratio.median;
    const json = dataCell(result, stack, "json").ratio.median;
    targets.push({
      text: `data channel on ${stack}: binary >= 0.95x the raw channel, 16 KiB JSON >= 0.9x`,
      verdict: verdict(binary >= 0.95 && json >= 0.9),
      detail: `binary ${xAgainst(binary, 0.95)}, JSON ${xAgainst(json, 0.9)}`,
    });
  }
  return targets;
}

function browserCells(browser: BrowserRound[], q: number): Map<string, Cell> {
  const cells = new Map<string, Cell>();
  for (const subject of BROWSER_SUBJECTS) {
    cells.set(subject, {
      value: summarize(browser.map((r) => quantile(r.times[subject], q))),
      base: summarize(browser.map((r) => quantile(r.times.floor, q))),
      ratio: summarize(browser.map((r) => quantile(r.times[subject], q) / quantile(r.times.floor, q))),
    });
  }
  return cells;
}

export function peersSections(report: PeersReport, chartDir: string): string[] {
  const { options, result, browser, browserOptions } = report;
  const lines: string[] = [
    "## Handshake",
    "",
    `Two Node peers in one process, each stack in a process of its own, our signaling server in another. **Ours**: two \`RTCClient\`s created at the same moment in a fresh room (WebSocket from \`ws\`), timed from \`new RTCClient\` to \`peerConnected\` on both: the WebSocket, the \`Join\`, the offer, answer and candidates relayed by the server, ICE, DTLS and SCTP. **Floor**: two \`RTCPeerConnection\`s of the same stack with the same pre-negotiated channel, negotiated directly in the same process, timed from their creation to the channel open on both, two ways: each candidate handed over as it is gathered (*trickle*), or the offerer's held until it has the answer (*held*, the order the client keeps). The floor of a round is the better of the two at that quantile. ` +
      `${options.handshakeRounds} round${options.handshakeRounds === 1 ? "" : "s"} of ${options.meetings} meetings of each of the three, and as many joins of two bare sockets, taking turns (which goes first rotates). Each figure: the median over rounds of the round's p50 or p95, the spread (min-max), and the median of the per-round ratios ours/floor.`,
    "",
    "| stack | quantile | ours | ours: both seated | two bare sockets joined | floor (the better) | direct, trickle | direct, held | ratio to the floor (median, min-max) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const stack of STACKS) {
    for (const [name, q] of [
      ["p50", 0.5],
      ["p95", 0.95],
    ] as const) {
      const cell = handshakeCell(result, stack, q);
      lines.push(
        `| ${STACK_LABELS[stack]} | ${name} | ${spread(cell.value, ms)} | ${spread(cell.seated, ms)} | ${spread(cell.sockets, ms)} | ${spread(cell.base, ms)} | ${spread(cell.trickle, ms)} | ${spread(cell.held, ms)} | ${spread(cell.ratio, x)} |`,
      );
    }
  }
  const failed = result.handshake.filter((r) => r.failed + r.floorFailed > 0);
  if (failed.length > 0) {
    lines.push(
      "",
      `Meetings that failed (not in the times): ${failed.map((r) => `${r.stack} round ${r.round}: ours ${r.failed}, floors ${r.floorFailed}`).join("; ")}.`,
    );
  }
  lines.push(
    "",
    "*Ours: both seated*: the same quantile of the time from the start until both clients had `open` (WebSocket open, `Join`, `Initialize`), the part of ours the floor has no counterpart for; the rest is the offer, answer and candidates relayed through the server, then ICE, DTLS and SCTP as in the floor. *Two bare sockets joined*: two `ws` WebSockets joining a fresh room on their upgrade requests at the same moment, timed until both had `Initialize`, with no client and no `RTCPeerConnection`: what joining through a signaling server costs on its own in this process. The floor has no counterpart for it; the target (1.1x the floor) leaves a tenth of the floor for it and for relaying the offer, answer and candidates together.",
    "",
    "Why two floors: with candidates handed over at once, libdatachannel often stalls about 1 s (a replayed DTLS ClientHello left unprocessed until OpenSSL's retransmit timer; see the client README's \"How negotiation goes\"), more under load; holding the offerer's candidates until the answer avoids most of those stalls, at the cost of ICE checks starting later (libjuice then paces them in ~50 ms steps). The client holds.",
    "",
  );
  if (browser) {
    lines.push(
      "### In Chromium",
      "",
      `Headless Chromium (\`/usr/bin/chromium\`, or \`CHROMIUM_PATH\`), two pages of one browser, one peer in each, started at the same moment; timed from the start (\`new RTCClient\`, \`new Peer\`) to the data channel open on both, on the pages' common clock (\`performance.timeOrigin + performance.now()\`). PeerJS: the page that starts second calls \`peer.connect(other, { reliable: true })\` once its own \`open\` came, as ours offers from the side that finds the other in the room. ${browserOptions.rounds} round${browserOptions.rounds === 1 ? "" : "s"} of ${browserOptions.meetings} meetings of each subject, interleaved, after one unmeasured meeting of each.`,
      "",
      "| subject | p50 | p95 | p50 ratio to the floor | p50 ratio to PeerJS |",
      "| --- | --- | --- | --- | --- |",
    );
    const p50 = browserCells(browser, 0.5);
    const p95 = browserCells(browser, 0.95);
    const peerjs = summarize(browser.map((r) => quantile(r.times.ours, 0.5) / quantile(r.times.peerjs, 0.5)));
    for (const subject of BROWSER_SUBJECTS) {
      const a = p50.get(subject) as Cell;
      const b = p95.get(subject) as Cell;
      lines.push(
        `| ${BROWSER_LABELS[subject]} | ${spread(a.value, ms)} | ${spread(b.value, ms)} | ${spread(a.ratio, x)} | ${subject === "ours" ? spread(peerjs, x) : ""} |`,
      );
    }
    lines.push("");
  }
  lines.push(
    `![Handshake chart](${chartDir}/handshake.svg)`,
    "",
    "## Data channel",
    "",
    `The peers of the handshake, connected once per stack and kept: ours through the client, the raw loop on a direct pair of the same stack. **Binary**: one message of ${(options.binaryBytes / 2 ** 20).toFixed(0)} MiB, ours with one \`await client.send(peerId, bytes)\`, timed until the receiver's \`message\` event has the whole \`ArrayBuffer\`; the raw loop sends frames of the largest message the connection allows (\`sctp.maxMessageSize\`, 256 KiB on both stacks) and copies them on arrival into one buffer of the known size, as an app that wants the whole would. **JSON**: ${options.jsonMessages} messages of a ~16 KiB JSON value, ours with \`await client.send\` per message, the raw loop with \`JSON.stringify\` and \`send\`, both parsed on arrival, timed until the last arrived. ` +
      "The raw loop's backpressure is the client sender's own: it stops at a `bufferedAmount` of 1 MiB and goes on at `bufferedamountlow` with `bufferedAmountLowThreshold` 256 KiB (node-datachannel); @roamhq/wrtc has no such event, so there the raw loop looks at `bufferedAmount` every 2 ms until it is at or under 256 KiB, as the client's sender does on that stack. " +
      `${options.dataRounds} round${options.dataRounds === 1 ? "" : "s"}; in each, ours and the raw loop once each (which goes first alternates), after a forced GC (the peers process runs with \`--expose-gc\`). Throughput is MB/s (10^6 bytes); the ratio is ours/raw per round. CPU is the peers process's own (\`process.cpuUsage()\`: both ends, the stack's threads included) over the transfer, ours/raw per round: the figure least disturbed by the machine's other load, where throughput on a shared 2-core machine swings by tens of percent from round to round.`,
    "",
    "| stack | message | ours | raw loop | throughput ratio (median, min-max) | CPU ratio (median, min-max) |",
    "| --- | --- | --- | --- | --- | --- |",
  );
  for (const stack of STACKS) {
    for (const what of ["binary", "json"] as const) {
      const cell = dataCell(result, stack, what);
      lines.push(
        `| ${STACK_LABELS[stack]} | ${what === "binary" ? `${(options.binaryBytes / 2 ** 20).toFixed(0)} MiB binary` : "16 KiB JSON"} | ${spread(cell.value, mbs)} | ${spread(cell.base, mbs)} | ${spread(cell.ratio, x)} | ${spread(cell.cpu, x)} |`,
      );
    }
  }
  lines.push("", `![Data channel chart](${chartDir}/datachannel.svg)`, "");
  return lines;
}

const bar = (label: string, cell: Cell, text: string, highlight = false): Bar => ({
  label,
  value: cell.ratio.median,
  min: cell.ratio.min,
  max: cell.ratio.max,
  text,
  highlight,
});

export function handshakeChart({ result, browser }: PeersReport): string {
  const panels: Panel[] = [];
  for (const [name, q] of [
    ["p50", 0.5],
    ["p95", 0.95],
  ] as const) {
    panels.push({
      title: `Node peers: ours' ${name} to the channel open, ratio to the direct floor (lower is better)`,
      reference: { value: 1.1, label: "target 1.10x" },
      bars: STACKS.map((stack) => {
        const cell = handshakeCell(result, stack, q);
        return bar(stack, cell, `${x(cell.ratio.median)}  (${ms(cell.value.median)})`, true);
      }),
    });
  }
  if (browser) {
    const cells = browserCells(browser, 0.5);
    panels.push({
      title: "Chromium: p50 to the channel open, ratio to Chromium's direct floor (lower is better)",
      reference: { value: 1, label: "floor" },
      bars: BROWSER_SUBJECTS.map((subject) => {
        const cell = cells.get(subject) as Cell;
        return bar(subject === "peerjs" ? "PeerJS client + server" : subject, cell, `${x(cell.ratio.median)}  (${ms(cell.value.median)})`, subject === "ours");
      }),
    });
  }
  return barChart("Handshake: start to data channel open on both, medians with min-max whiskers", panels);
}

export function dataChart({ result, options }: PeersReport): string {
  const panels: Panel[] = (["binary", "json"] as const).map((what) => ({
    title: `${what === "binary" ? `${(options.binaryBytes / 2 ** 20).toFixed(0)} MiB binary` : "16 KiB JSON messages"}: ours' throughput, ratio to the raw loop (higher is better)`,
    reference: { value: what === "binary" ? 0.95 : 0.9, label: `target ${what === "binary" ? "0.95" : "0.90"}x` },
    bars: STACKS.map((stack) => {
      const cell = dataCell(result, stack, what);
      return bar(stack, cell, `${x(cell.ratio.median)}  (${mbs(cell.value.median)})`, true);
    }),
  }));
  return barChart("Data channel: ours against a raw RTCDataChannel loop on the same stack", panels);
}
