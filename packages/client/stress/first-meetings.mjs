// First meetings of two peers through a real signaling server, many times
// over: how many fail, and how long connecting takes. Not part of the unit
// suite; run it beside a CPU hog to see the client under load.
//
//   pnpm --filter @raycaster/realtime-client stress -- --stack node-datachannel --meetings 1000
//
// Options: --stack node-datachannel|wrtc (default node-datachannel),
// --meetings N (default 1000), --hog (keep one core busy with `yes` for the
// whole run, as the issue's measurements did), --client PATH (another build
// of the client's index.js, to compare designs). Exits 1 when any meeting failed.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { WebSocket } from "ws";
import { SignalingServer } from "@raycaster/realtime-server";

const { values } = parseArgs({
  options: {
    stack: { type: "string", default: "node-datachannel" },
    meetings: { type: "string", default: "1000" },
    client: { type: "string" },
    hog: { type: "boolean", default: false },
    // The client's own bound on a meeting: a failure is reported by the product, not by this script.
    "connect-timeout": { type: "string", default: "10000" },
  },
});
const meetings = Number(values.meetings);
const connectTimeout = Number(values["connect-timeout"]);
if (!Number.isInteger(meetings) || meetings < 1) throw new RangeError(`--meetings must be a positive whole number`);
const RTCPeerConnection =
  values.stack === "wrtc"
    ? (await import("@roamhq/wrtc")).default.RTCPeerConnection
    : values.stack === "node-datachannel"
      ? (await import("node-datachannel/polyfill")).RTCPeerConnection
      : undefined;
if (!RTCPeerConnection) throw new RangeError(`--stack must be node-datachannel or wrtc, got ${values.stack}`);
const clientPath = values.client ? resolve(values.client) : new URL("../dist/index.js", import.meta.url).pathname;
const { RTCClient } = await import(pathToFileURL(clientPath).href);

// A CPU hog beside the run: load slows JS against the WebRTC stacks' native
// threads, which is what widened the races this run exists to catch. It
// spins in a Node process of its own that exits once this one is gone (its
// parent changes), so it cannot outlive a crash here, when no "exit"
// handler runs, and hold on to the caller's pipes (it has none of them).
const HOG = `const parent = process.ppid;
for (;;) { const t = Date.now(); while (Date.now() - t < 200); if (process.ppid !== parent) process.exit(0); }`;
const hog = values.hog ? spawn(process.execPath, ["-e", HOG], { stdio: "ignore" }) : undefined;
process.on("exit", () => hog?.kill());

const http = createServer();
const signaling = new SignalingServer({ server: http });
http.listen(0, "127.0.0.1");
const { port } = await signaling.listening();
const url = `ws://127.0.0.1:${port}`;

/** One client, its events kept in order, and a promise for its first open. */
function join(room) {
  const client = new RTCClient({ url, room, RTCPeerConnection, WebSocket, connectTimeout });
  const events = [];
  for (const name of ["open", "peerConnected", "peerLeft", "error", "signalingClosed"]) {
    client.on(name, (payload) => events.push({ name, code: payload?.code, reason: payload?.reason }));
  }
  const opened = new Promise((resolve) => client.on("open", ({ id }) => resolve(id)));
  // Settles once the one peer connected, or left (the client's connectTimeout bounds it).
  const outcome = new Promise((resolve) => {
    client.on("peerConnected", () => resolve(true));
    client.on("peerLeft", () => resolve(false));
  });
  return { client, events, opened, outcome };
}

const times = [];
const failures = [];
const started = performance.now();
for (let i = 0; i < meetings; i++) {
  const room = `meeting-${i}`;
  const alice = join(room);
  await alice.opened;
  const bob = join(room);
  await bob.opened;
  const t0 = performance.now();
  const [a, b] = await Promise.all([alice.outcome, bob.outcome]);
  const ms = performance.now() - t0;
  if (a && b) times.push(ms);
  else failures.push({ meeting: i, ms: Math.round(ms), alice: alice.events, bob: bob.events });
  alice.client.close();
  bob.client.close();
  if ((i + 1) % 100 === 0) console.error(`${i + 1}/${meetings}: ${failures.length} failed`);
}

times.sort((x, y) => x - y);
const at = (q) => (times.length ? times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(1) : "n/a");
for (const failure of failures) console.log("FAILED", JSON.stringify(failure));
console.log(
  `${values.stack}${values.client ? ` (${values.client})` : ""}${hog ? " with a CPU hog" : ""}: ${meetings} first meetings, ${failures.length} failed; ` +
    `connect ms p50 ${at(0.5)} p95 ${at(0.95)} p99 ${at(0.99)} max ${at(1)}; ` +
    `over 900 ms: ${times.filter((t) => t > 900).length}; total ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
await signaling.close();
http.close();
// libdatachannel's threads must be stopped before the process exits: exiting
// with them running can crash it in their teardown (a segfault, exit 139).
if (values.stack === "node-datachannel") (await import("node-datachannel")).cleanup();
process.exit(failures.length ? 1 : 0);
