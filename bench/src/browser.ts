/**
 * The handshake in Chromium: two pages (one browser, headless), each with
 * one peer, from the moment both start to the data channel open on both.
 * Ours (`RTCClient`, our signaling server) against PeerJS (`Peer` 1.5.5,
 * the `peer` 1.0.2 server), each server in a child process of its own; and
 * Chromium's own floor, two `RTCPeerConnection`s negotiated directly in one
 * page. Times are each page's `performance.timeOrigin + performance.now()`,
 * one clock for the pages of one machine.
 */
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { chromium, type Browser, type Page } from "playwright-core";
import { browserBundle } from "./bundle.js";
import { freePort, waitForPort } from "./relay.js";

export type BrowserSubject = "floor" | "ours" | "peerjs";
export const BROWSER_SUBJECTS: readonly BrowserSubject[] = ["floor", "ours", "peerjs"];
export const BROWSER_LABELS: Record<BrowserSubject, string> = {
  floor: "Chromium floor: two RTCPeerConnections in one page, negotiated directly",
  ours: "ours: RTCClient + SignalingServer",
  peerjs: "PeerJS 1.5.5 client + peer 1.0.2 server",
};

export interface BrowserOptions {
  rounds: number;
  meetings: number;
}

export interface BrowserRound {
  round: number;
  /** Milliseconds to the channel open on both sides, one per meeting, per subject. */
  times: Record<BrowserSubject, number[]>;
}

/** What each page runs, bundled once (esbuild, browser, ESM) and served from loopback. */
const PAGE_SCRIPT = `
import { RTCClient } from "@raycaster/realtime-client";
import { Peer } from "peerjs";
const now = () => performance.timeOrigin + performance.now();
let live = [];
window.closeAll = () => { for (const x of live.splice(0)) x.close?.() ?? x.destroy?.(); };
window.ours = (url, room) => new Promise((resolve, reject) => {
  const start = now();
  const client = new RTCClient({ url, room, reconnect: false });
  live.push(client);
  client.once("peerConnected", () => resolve({ start, open: now() }));
  client.once("error", (e) => reject(new Error(e.code + " " + e.message)));
});
window.peerjs = (port, me, other) => new Promise((resolve, reject) => {
  const start = now();
  const peer = new Peer(me, { host: "127.0.0.1", port, path: "/", key: "peerjs", debug: 0 });
  live.push(peer);
  const onConnection = (conn) => conn.on("open", () => resolve({ start, open: now() }));
  peer.on("error", (e) => reject(new Error(String(e.type) + " " + e.message)));
  peer.on("connection", onConnection);
  // The newcomer connects once it is registered, as with ours (the one that finds the other in the room offers).
  if (other) peer.on("open", () => onConnection(peer.connect(other, { reliable: true })));
});
window.floor = async () => {
  const start = now();
  const a = new RTCPeerConnection(), b = new RTCPeerConnection();
  live.push(a, b);
  const ca = a.createDataChannel("realtime", { negotiated: true, id: 0 });
  const cb = b.createDataChannel("realtime", { negotiated: true, id: 0 });
  const open = Promise.all([ca, cb].map((c) => new Promise((r) => (c.onopen = r))));
  const held = { a: [], b: [] };
  const ready = { a: false, b: false };
  a.onicecandidate = ({ candidate }) => candidate && (ready.b ? b.addIceCandidate(candidate) : held.b.push(candidate));
  b.onicecandidate = ({ candidate }) => candidate && (ready.a ? a.addIceCandidate(candidate) : held.a.push(candidate));
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription);
  ready.b = true; for (const c of held.b.splice(0)) b.addIceCandidate(c);
  await b.setLocalDescription();
  await a.setRemoteDescription(b.localDescription);
  ready.a = true; for (const c of held.a.splice(0)) a.addIceCandidate(c);
  await open;
  return { start, open: now() };
};
`;

function chromiumPath(): string | undefined {
  const path = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  return existsSync(path) ? path : undefined;
}

async function serve(script: Uint8Array): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url === "/bench.js") {
      response.writeHead(200, { "content-type": "text/javascript" }).end(script);
    } else {
      response.writeHead(200, { "content-type": "text/html" }).end('<!doctype html><script type="module" src="/bench.js"></script>');
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return server;
}

async function child(name: string): Promise<{ process: ChildProcess; port: number }> {
  const port = await freePort();
  const server = fork(new URL(`servers/${name}.js`, import.meta.url).pathname, [], {
    env: { ...process.env, PORT: String(port) },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  await waitForPort(port, server);
  return { process: server, port };
}

interface Times {
  start: number;
  open: number;
}

let meetingId = 0;
async function meet(subject: BrowserSubject, pages: [Page, Page], ports: { ours: number; peerjs: number }): Promise<number> {
  const [a, b] = pages;
  const id = `${process.pid}x${++meetingId}`;
  let times: Times[];
  if (subject === "floor") {
    times = [await a.evaluate(() => (window as never as { floor(): Promise<Times> }).floor())];
  } else if (subject === "ours") {
    const url = `ws://127.0.0.1:${ports.ours}`;
    const run = (page: Page) =>
      page.evaluate(([u, room]) => (window as never as { ours(u: string, r: string): Promise<Times> }).ours(u, room), [url, `room-${id}`] as const);
    times = await Promise.all([run(a), run(b)]);
  } else {
    const run = (page: Page, me: string, other: string) =>
      page.evaluate(([port, m, o]) => (window as never as { peerjs(p: number, m: string, o: string): Promise<Times> }).peerjs(port, m, o), [
        ports.peerjs,
        me,
        other,
      ] as const);
    times = await Promise.all([run(a, `a${id}`, ""), run(b, `b${id}`, `a${id}`)]);
  }
  await Promise.all(pages.map((page) => page.evaluate(() => (window as never as { closeAll(): void }).closeAll())));
  return Math.max(...times.map((t) => t.open)) - Math.min(...times.map((t) => t.start));
}

/** `undefined` when there is no Chromium (CHROMIUM_PATH, else /usr/bin/chromium). */
export async function browserScenario(options: BrowserOptions, log: (line: string) => void): Promise<BrowserRound[] | undefined> {
  const executablePath = chromiumPath();
  if (!executablePath) {
    log("browser handshake skipped: no Chromium at CHROMIUM_PATH or /usr/bin/chromium");
    return undefined;
  }
  const http = await serve(await browserBundle(PAGE_SCRIPT, false));
  const servers = [await child("ours"), await child("peerjs")] as const;
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-features=WebRtcHideLocalIpsWithMdns"],
    });
    const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
    const pages = [await browser.newPage(), await browser.newPage()] as [Page, Page];
    await Promise.all(
      pages.map(async (page) => {
        await page.goto(origin);
        await page.waitForFunction(() => "closeAll" in window);
      }),
    );
    const ports = { ours: servers[0].port, peerjs: servers[1].port };
    // One meeting of each, unmeasured: the first loads code and warms the page.
    for (const subject of BROWSER_SUBJECTS) await meet(subject, pages, ports);
    const rounds: BrowserRound[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      const times: BrowserRound["times"] = { floor: [], ours: [], peerjs: [] };
      for (let i = 0; i < options.meetings; i++) {
        for (const subject of BROWSER_SUBJECTS) times[subject].push(await meet(subject, pages, ports));
      }
      rounds.push({ round, times });
      log(`browser handshake round ${round}: ${BROWSER_SUBJECTS.map((s) => `${s} p50 ${median(times[s]).toFixed(1)} ms`).join(", ")}`);
    }
    return rounds;
  } finally {
    await browser?.close();
    http.close();
    for (const server of servers) {
      server.process.kill();
      if (server.process.exitCode === null) await once(server.process, "exit");
    }
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? NaN;
}
