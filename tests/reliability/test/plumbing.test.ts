// The fault machinery itself, proven with bare RTCPeerConnections (no
// client library): a blackhole cut really cuts the peer link and a restore
// really restores it (ICE goes `disconnected` and back with no restart), and
// the server process really dies and comes back on its port. If these fail,
// the fault tests' failures say nothing about the client.
import { SignalingServer } from "@raycaster/realtime-server";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Network, netnsGate } from "../src/netns.js";
import { PeerProcess } from "../src/peerProcess.js";
import { ServerProcess } from "../src/serverProcess.js";
import { Timeline } from "../src/timeline.js";

const gate = await netnsGate();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.skipIf(gate.skip)("network namespaces", () => {
  beforeAll(() => {
    if (gate.failure) throw new Error(gate.failure);
  });

  it("a blackhole cut takes a bare wrtc connection to disconnected, and the restore brings it back without an ICE restart", async () => {
    const timeline = new Timeline();
    const network = await Network.create(timeline);
    cleanups.push(() => network.destroy());
    const server = new SignalingServer({ port: 0, host: "0.0.0.0" });
    cleanups.push(() => server.close());
    const { port } = await server.listening();

    const a = new PeerProcess({ name: "A", timeline, network, host: network.a });
    const b = new PeerProcess({ name: "B", timeline, network, host: network.b });
    cleanups.push(() => a.stop(), () => b.stop());
    const room = "plumbing";
    await a.start({ mode: "bare", url: `ws://${network.a.gateway}:${port}`, room, stack: "wrtc" }, { within: 10_000 });
    await b.start({ mode: "bare", url: `ws://${network.b.gateway}:${port}`, room, stack: "wrtc" }, { within: 10_000 });
    await a.waitFor("A's channel to B opens", "peerConnected", () => true, { within: 15_000 });
    await b.waitFor("B's channel to A opens", "peerConnected", () => true, { within: 15_000 });

    const cut = timeline.mark();
    await network.cutPeers();
    const disconnected = (p: { kind: string; state: string }) => p.kind === "ice" && p.state === "disconnected";
    // libwebrtc notices missing STUN consent responses after a few seconds.
    await a.waitFor("A's ICE disconnected after the cut", "pc", disconnected, { within: 15_000, after: cut });
    await b.waitFor("B's ICE disconnected after the cut", "pc", disconnected, { within: 15_000, after: cut });

    const restored = timeline.mark();
    await network.restorePeers();
    const back = (p: { kind: string; state: string }) => p.kind === "ice" && (p.state === "connected" || p.state === "completed");
    await a.waitFor("A's ICE back after the restore", "pc", back, { within: 15_000, after: restored });
    await b.waitFor("B's ICE back after the restore", "pc", back, { within: 15_000, after: restored });
    await a.send(b.id!, { n: 1 });
    await b.waitFor("B gets A's message after the restore", "message", (p: { data: { n: number } }) => p.data.n === 1, { within: 10_000 });

    // Same connection throughout: no second pc, no restart.
    expect(timeline.events.filter((e) => e.name === "pc" && (e.payload as { kind: string }).kind === "created").length).toBe(2);
    expect(timeline.events.filter((e) => e.name === "pc" && (e.payload as { kind: string }).kind === "restartIce")).toEqual([]);
  });
});

describe("the server process", () => {
  it("dies by SIGKILL, data flows peer to peer meanwhile, and it listens again on the same port", async () => {
    const timeline = new Timeline();
    const server = new ServerProcess(timeline);
    cleanups.push(() => server.kill());
    const options = { port: 0, host: "127.0.0.1", secret: "plumbing-secret-0123456789abcdef-0123" };
    const port = await server.start(options, { within: 10_000 });
    const url = `ws://127.0.0.1:${port}`;
    const room = "plumbing";

    const a = new PeerProcess({ name: "A", timeline });
    const b = new PeerProcess({ name: "B", timeline });
    cleanups.push(() => a.stop(), () => b.stop());
    await a.start({ mode: "bare", url, room, stack: "wrtc" }, { within: 10_000 });
    await b.start({ mode: "bare", url, room, stack: "wrtc" }, { within: 10_000 });
    await a.waitFor("A's channel to B opens", "peerConnected", () => true, { within: 15_000 });

    await server.kill();
    await a.waitFor("A's socket closes with the server", "signalingClosed", () => true, { within: 10_000 });
    await a.send(b.id!, { during: "outage" });
    await b.waitFor("B gets A's message during the outage", "message", () => true, { within: 10_000 });

    expect(await server.start({ ...options, port }, { within: 10_000 })).toBe(port);
    const c = new PeerProcess({ name: "C", timeline });
    cleanups.push(() => c.stop());
    await c.start({ mode: "bare", url, room, stack: "wrtc" }, { within: 10_000 });
  });
});
