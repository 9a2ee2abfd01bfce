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

  it("a blackhole cut stops a bare wrtc connection until libwebrtc notices, and the restore brings it back without an ICE restart", async () => {
    const timeline = new Timeline();
    cleanups.push(async () => timeline.trace(expect.getState().currentTestName ?? ""));
    const network = await Network.create(timeline);
    cleanups.push(() => network.destroy());
    const server = new SignalingServer({ port: 0, host: "0.0.0.0" });
    cleanups.push(() => server.close());
    const { port } = await server.listening();

    const a = new PeerProcess({ name: "A", timeline, network, host: network.a });
    const b = new PeerProcess({ name: "B", timeline, network, host: network.b });
    cleanups.push(
      () => a.stop(),
      () => b.stop(),
    );
    const room = "plumbing";
    await a.start({ mode: "bare", url: `ws://${network.a.gateway}:${port}`, room, stack: "wrtc" }, { within: 10_000 });
    await b.start({ mode: "bare", url: `ws://${network.b.gateway}:${port}`, room, stack: "wrtc" }, { within: 10_000 });
    await a.waitFor("A's channel to B opens", "peerConnected", () => true, { within: 15_000 });
    await b.waitFor("B's channel to A opens", "peerConnected", () => true, { within: 15_000 });

    const cut = timeline.mark();
    await network.cutPeers();
    // Sent into the cut: SCTP holds it and retransmits.
    await a.send(b.id!, { n: 1 });
    // libwebrtc notices missing consent replies after about 5 s and says so
    // with a state change. Its value is not to be trusted: wrtc reads the
    // state when the event is handled, and a side has been seen reporting
    // `connected` there, its `disconnected` already undone, mid-cut.
    await timeline.waitFor(
      "libwebrtc notices the cut: a connection state change on A or B",
      (e) => (e.actor === "A" || e.actor === "B") && e.name === "pc" && (e.payload as { kind: string }).kind === "connection",
      { within: 15_000, after: cut },
    );
    // Seconds after it was sent, on a link that delivers in milliseconds:
    // the cut holds.
    expect(timeline.all("B", "message", cut), timeline.describe()).toEqual([]);

    await network.restorePeers();
    // Without a restart, libwebrtc finds the path again at the pace of its
    // slowed-down checks on a broken pair (seen from 50 ms to 10 s), and
    // SCTP then retransmits.
    await b.waitFor("B gets A's message sent during the cut, after the restore", "message", (p: { data: { n: number } }) => p.data.n === 1, {
      within: 30_000,
    });
    await b.send(a.id!, { n: 2 });
    await a.waitFor("A gets B's message after the restore", "message", (p: { data: { n: number } }) => p.data.n === 2, { within: 10_000 });

    // Same connection throughout: no second pc, no restart.
    expect(timeline.events.filter((e) => e.name === "pc" && (e.payload as { kind: string }).kind === "created").length, timeline.describe()).toBe(2);
    expect(
      timeline.events.filter((e) => e.name === "pc" && (e.payload as { kind: string }).kind === "restartIce"),
      timeline.describe(),
    ).toEqual([]);
  });
});

describe("the server process", () => {
  it("dies by SIGKILL, data flows peer to peer meanwhile, and it listens again on the same port", async () => {
    const timeline = new Timeline();
    cleanups.push(async () => timeline.trace(expect.getState().currentTestName ?? ""));
    const server = new ServerProcess(timeline);
    cleanups.push(() => server.kill());
    const options = { port: 0, host: "127.0.0.1", secret: "plumbing-secret-0123456789abcdef-0123" };
    const port = await server.start(options, { within: 10_000 });
    const url = `ws://127.0.0.1:${port}`;
    const room = "plumbing";

    const a = new PeerProcess({ name: "A", timeline });
    const b = new PeerProcess({ name: "B", timeline });
    cleanups.push(
      () => a.stop(),
      () => b.stop(),
    );
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
