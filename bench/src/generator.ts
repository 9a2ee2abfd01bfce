/**
 * The load generator, a child process of its own: `pairs` pairs of clients,
 * each side sending signals to the other with at most `window` in flight.
 * Driven over IPC by the bench: set up, run at a fixed rate or saturated,
 * mark (reset the counters), report, stop.
 */
import { performance } from "node:perf_hooks";
import { WebSocket } from "ws";
import { echoMarker, endpoint, idFromReady, signal, type Kind } from "./kinds.js";

export type GeneratorCommand =
  /** `portB`: side b of every pair connects there (another node of the same cluster); by default to `port` too. */
  | { setup: { kind: Kind; port: number; portB?: number; pairs: number; window: number } }
  | { run: "rate"; rate: number }
  | { run: "saturate" }
  | { mark: true }
  | { report: true }
  | { stop: true };

export interface GeneratorReport {
  delivered: number;
  elapsedMs: number;
  skipped: number;
  p50: number;
  p99: number;
}

interface Client {
  socket: WebSocket;
  frame: string;
  /** Send times of this side's signals not yet received by the other side, oldest first. */
  inflight: number[];
}

const clients: Client[] = [];
let windowSize = 16;
let mode: "idle" | "rate" | "saturate" = "idle";
let delivered = 0;
let skipped = 0;
let markedAt = performance.now();
let latencies: number[] = [];
let timer: NodeJS.Timeout | undefined;

function send(client: Client): void {
  client.inflight.push(performance.now());
  client.socket.send(client.frame);
}

async function open(kind: Kind, port: number, pair: number, side: "a" | "b"): Promise<{ socket: WebSocket; id: string }> {
  const { url, hello: hellos, ready } = endpoint(kind, port, pair, side);
  const socket = new WebSocket(url, { perMessageDeflate: false });
  // Listening before the socket opens: a server may send its first frame in
  // the same packet as its upgrade response (PeerJS's OPEN does).
  const frame = new Promise<string>((resolve, reject) => {
    const onMessage = (data: Buffer) => {
      const text = String(data);
      if (ready !== undefined && !text.includes(ready)) return;
      socket.off("message", onMessage);
      resolve(text);
    };
    if (ready !== undefined) socket.on("message", onMessage);
    socket.once("error", reject);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  for (const hello of hellos) socket.send(hello);
  if (ready === undefined) return { socket, id: idFromReady(kind, "", pair, side) };
  return { socket, id: idFromReady(kind, await frame, pair, side) };
}

async function setup(kind: Kind, port: number, portB: number, pairs: number): Promise<void> {
  for (let pair = 0; pair < pairs; pair++) {
    const a = await open(kind, port, pair, "a");
    const b = await open(kind, portB, pair, "b");
    const ca: Client = { socket: a.socket, frame: signal(kind, pair, "a", b.id), inflight: [] };
    const cb: Client = { socket: b.socket, frame: signal(kind, pair, "b", a.id), inflight: [] };
    listen(cb, ca, echoMarker(kind, "b"));
    listen(ca, cb, echoMarker(kind, "a"));
    clients.push(ca, cb);
  }
}

/** `receiver` takes the signals of `sender`: each one received ends the oldest in flight. */
function listen(receiver: Client, sender: Client, echo: string | undefined): void {
  const marker = echo === undefined ? undefined : Buffer.from(echo);
  receiver.socket.on("message", (data: Buffer) => {
    if (marker !== undefined && data.includes(marker)) return;
    const sentAt = sender.inflight.shift();
    if (sentAt === undefined) return;
    delivered++;
    if (latencies.length < 500_000) latencies.push(performance.now() - sentAt);
    if (mode === "saturate") send(sender);
  });
}

function run(command: { run: "rate"; rate: number } | { run: "saturate" }): void {
  mode = command.run;
  if (command.run === "saturate") {
    for (const client of clients) while (client.inflight.length < windowSize) send(client);
    return;
  }
  const start = performance.now();
  let sent = 0;
  let next = 0;
  const rate = command.rate;
  timer = setInterval(() => {
    const due = Math.floor(((performance.now() - start) * rate) / 1000);
    for (; sent < due; sent++) {
      const client = clients[next++ % clients.length] as Client;
      if (client.inflight.length >= windowSize) skipped++;
      else send(client);
    }
  }, 2);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

process.on("message", (command: GeneratorCommand) => {
  handle(command).catch((error: unknown) => {
    console.error("generator: a command failed:", error);
    process.exit(1);
  });
});

async function handle(command: GeneratorCommand): Promise<void> {
  if ("setup" in command) {
    windowSize = command.setup.window;
    await setup(command.setup.kind, command.setup.port, command.setup.portB ?? command.setup.port, command.setup.pairs);
    process.send?.({ ready: true });
  } else if ("run" in command) {
    run(command);
    process.send?.({ running: true });
  } else if ("mark" in command) {
    delivered = 0;
    skipped = 0;
    latencies = [];
    markedAt = performance.now();
    process.send?.({ marked: true });
  } else if ("report" in command) {
    const elapsedMs = performance.now() - markedAt;
    const sorted = latencies.sort((x, y) => x - y);
    const report: GeneratorReport = { delivered, elapsedMs, skipped, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
    process.send?.({ report });
  } else if ("stop" in command) {
    mode = "idle";
    if (timer !== undefined) clearInterval(timer);
    // Wait for what is in flight to arrive, so the next phase starts from empty windows.
    const deadline = performance.now() + 5000;
    while (clients.some((c) => c.inflight.length > 0) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const c of clients) c.inflight.length = 0;
    process.send?.({ stopped: true });
  }
}
process.on("disconnect", () => process.exit(0));
