// The signaling server process dies (SIGKILL: no close frames, no clean
// shutdown) and a new one starts on the same port with the same secret.
// Peers keep talking peer to peer meanwhile, resume their seats with the
// same ids, and a newcomer after the restart meets everyone.
import { afterEach, describe, expect, it } from "vitest";
import { PeerProcess, stacks } from "../src/peerProcess.js";
import { clientOptions, exchange, expectHolding, expectNobodyLeft, expectNoCrash, isPc, latestPc, serverOptions, upTo } from "../src/scenario.js";
import { ServerProcess } from "../src/serverProcess.js";
import { Timeline } from "../src/timeline.js";

const cleanups: (() => Promise<void>)[] = [];
const compareText = (x: string | undefined, y: string | undefined) => (x ?? "").localeCompare(y ?? "");
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.each(stacks)("%s", (stack) => {
  it("SIGKILL and restart of the server: data flows meanwhile, seats resume with the same ids, nobody leaves, a newcomer meets everyone", async () => {
    const timeline = new Timeline();
    cleanups.push(async () => timeline.trace(expect.getState().currentTestName ?? ""));
    cleanups.push(async () => timeline.trace(expect.getState().currentTestName ?? ""));
    const server = new ServerProcess(timeline);
    cleanups.push(() => server.kill());
    const options = { port: 0, host: "127.0.0.1", ...serverOptions };
    const port = await server.start(options, { within: 10_000 });
    const url = `ws://127.0.0.1:${port}`;
    const start = { mode: "client", url, room: `restart-${stack}`, stack, options: clientOptions } as const;

    const a = new PeerProcess({ name: "A", timeline });
    const b = new PeerProcess({ name: "B", timeline });
    cleanups.push(
      () => a.stop(),
      () => b.stop(),
    );
    await a.start(start, { within: 10_000 });
    await b.start(start, { within: 10_000 });
    await a.waitFor("A connects to B", "peerConnected", (p: { peerId: string }) => p.peerId === b.id, { within: 15_000 });
    await b.waitFor("B connects to A", "peerConnected", (p: { peerId: string }) => p.peerId === a.id, { within: 15_000 });
    const ids = { A: a.id, B: b.id };
    // The connection each of A and B has to the other.
    const pcAB = [a, b].map((peer) => [peer, latestPc(timeline, peer)] as const);

    const killed = timeline.mark();
    await server.kill();
    const reconnecting = (p: { state: string }) => p.state === "reconnecting";
    await a.waitFor("A's signaling goes reconnecting after the kill", "signalingState", reconnecting, { within: 10_000, after: killed });
    await b.waitFor("B's signaling goes reconnecting after the kill", "signalingState", reconnecting, { within: 10_000, after: killed });
    // No server anywhere now: the data channel carries on regardless.
    expect(await exchange(timeline, a, b, { tag: "outage", count: 10, within: 10_000 })).toEqual(upTo(10));
    expect(await exchange(timeline, b, a, { tag: "outage", count: 10, within: 10_000 })).toEqual(upTo(10));

    const restarted = timeline.mark();
    expect(await server.start({ ...options, port }, { within: 10_000 })).toBe(port);
    for (const peer of [a, b]) {
      const open = await peer.waitFor(`${peer.name} resumes its seat on the new server`, "open", () => true, { within: 15_000, after: restarted });
      expect(open.payload, timeline.describe()).toMatchObject({ id: ids[peer.name as "A" | "B"], resumed: true });
    }

    const newcomer = timeline.mark();
    const c = new PeerProcess({ name: "C", timeline });
    cleanups.push(() => c.stop());
    const cOpen = await c.start(start, { within: 10_000 });
    expect((cOpen.payload as { peers: string[] }).peers.slice().sort(compareText), timeline.describe()).toEqual([ids.A, ids.B].sort(compareText));
    for (const [x, y] of [
      [c, a],
      [c, b],
      [a, c],
      [b, c],
    ] as const) {
      await x.waitFor(`${x.name} connects to ${y.name}`, "peerConnected", (p: { peerId: string }) => p.peerId === y.id, { within: 15_000, after: newcomer });
    }
    expect(await exchange(timeline, c, a, { tag: "newcomer", count: 5, within: 10_000 })).toEqual(upTo(5));
    expect(await exchange(timeline, b, c, { tag: "newcomer", count: 5, within: 10_000 })).toEqual(upTo(5));

    expectNobodyLeft(timeline);
    expectNoCrash(timeline);
    await expectHolding(timeline, [a, b, c], 2);
    // A and B kept their connection to each other: neither made a new one
    // between the kill and the newcomer, and the one they had never ended.
    const beforeNewcomer = timeline.events.slice(killed, newcomer);
    expect(
      beforeNewcomer.filter((e) => isPc(e, "created")),
      timeline.describe(),
    ).toEqual([]);
    for (const [peer, pc] of pcAB) {
      const ended = timeline.all(peer.name, "pc").filter((e) => isPc(e, "connection", ["closed", "failed"]) && (e.payload as { pc: number }).pc === pc);
      expect(ended, `${peer.name}'s connection to its first peer must stay up\n${timeline.describe()}`).toEqual([]);
    }
  });
});
