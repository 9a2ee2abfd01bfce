import { describe, expect, it } from "vitest";
import { implementation } from "./webrtc.js";
import { descriptions, wiredPeers, type Side } from "./wired.js";

// The negotiation of one Peer pair on its own, signaled directly: roles and
// collisions the server would not produce on its own can be set up exactly.

const idle = { peerConnections: 1, dataChannels: 1, timers: 0 };
const restartDone = (side: Side) => side.when("debug", (m) => m === "ICE restart complete");

async function exchange(a: Side, b: Side, tag: string) {
  await a.channel.send(a.peer.id, `${tag} a→b`);
  await b.channel.send(b.peer.id, `${tag} b→a`);
  expect(await b.when("message", (m) => m === `${tag} a→b`)).toBe(`${tag} a→b`);
  expect(await a.when("message", (m) => m === `${tag} b→a`)).toBe(`${tag} b→a`);
}

describe("first meeting", () => {
  it("the initiator offers, the other answers: one connection each, no collision", async () => {
    const { a, b, start } = wiredPeers({ aInitiator: false, bInitiator: true });
    start();
    await Promise.all([a.when("opened"), b.when("opened")]);
    expect([descriptions(b, "offer"), descriptions(a, "answer")]).toEqual([1, 1]);
    expect([descriptions(a, "offer"), descriptions(b, "answer")]).toEqual([0, 0]);
    expect([a.created.length, b.created.length]).toEqual([1, 1]);
    expect(a.events.some((e) => e.name === "debug" && e.payload === "ignored an offer that collided with ours")).toBe(false);
    await exchange(a, b, "hello");
    expect([a.resources.counts(), b.resources.counts()]).toEqual([idle, idle]);
  });

  it("offers that collide (both sides initiate) still connect: the polite side answers with a fresh connection", async () => {
    // "a" < "b": a is polite.
    const { a, b, start } = wiredPeers({ aInitiator: true, bInitiator: true, holdOffers: true });
    start();
    await Promise.all([a.when("opened"), b.when("opened")]);
    // Both offered before seeing the other's offer: a real collision.
    expect([descriptions(a, "offer"), descriptions(b, "offer")]).toEqual([1, 1]);
    expect(await b.when("debug", (m) => m === "ignored an offer that collided with ours")).toBeDefined();
    expect([descriptions(a, "answer"), descriptions(b, "answer")]).toEqual([1, 0]);
    expect([a.created.length, b.created.length]).toEqual([2, 1]);
    await exchange(a, b, "after glare");
    expect([a.resources.counts(), b.resources.counts()]).toEqual([idle, idle]);
  });
});

describe("ICE restart", () => {
  it("reconnects in place: no peer leaves, messages flow after it", async () => {
    const { a, b, start } = wiredPeers({ aInitiator: false, bInitiator: true });
    start();
    await Promise.all([a.when("opened"), b.when("opened")]);
    await exchange(a, b, "before");

    a.peer.restartIce();
    await restartDone(a);
    // node-datachannel has no restartIce: both sides made a fresh connection,
    // and the answering side saw the new fingerprint and restarted too.
    const fresh = implementation === "node-datachannel";
    expect(a.events.some((e) => e.name === "debug" && e.payload === "no restartIce: a fresh connection")).toBe(fresh);
    if (fresh) await restartDone(b);
    expect([a.created.length, b.created.length]).toEqual(fresh ? [2, 2] : [1, 1]);
    await exchange(a, b, "after");
    for (const side of [a, b]) {
      expect(side.events.filter((e) => e.name === "gone" || e.name === "error")).toEqual([]);
      expect(side.events.filter((e) => e.name === "opened")).toHaveLength(1);
      expect(side.resources.counts()).toEqual(idle);
    }
  });

  it("resolves restarts that collide", async () => {
    const wired = wiredPeers({ aInitiator: false, bInitiator: true });
    const { a, b } = wired;
    wired.start();
    await Promise.all([a.when("opened"), b.when("opened")]);
    const offersBefore = [descriptions(a, "offer"), descriptions(b, "offer")];

    wired.holdOffers(true);
    a.peer.restartIce();
    b.peer.restartIce();
    console.log("EVENTS", JSON.stringify(a.events.map((e) => [e.name, String(e.payload)])));
    await Promise.all([restartDone(a), restartDone(b)]);
    // Each offered once more, and the offers crossed.
    expect([descriptions(a, "offer"), descriptions(b, "offer")]).toEqual([offersBefore[0]! + 1, offersBefore[1]! + 1]);
    expect(await b.when("debug", (m) => m === "ignored an offer that collided with ours")).toBeDefined();
    await exchange(a, b, "after the collision");
    for (const side of [a, b]) {
      expect(side.events.filter((e) => e.name === "gone" || e.name === "error")).toEqual([]);
      expect(side.resources.counts()).toEqual(idle);
    }
  });

  it("offers again when a restart's offers were lost with the signaling socket", async () => {
    const wired = wiredPeers({ aInitiator: false, bInitiator: true, iceRestartDelay: 500, iceRestartTimeout: 8_000 });
    const { a, b } = wired;
    wired.start();
    await Promise.all([a.when("opened"), b.when("opened")]);

    // Both restart while their signaling is half-open: both offers are lost.
    const before = [descriptions(a, "offer"), descriptions(b, "offer")];
    wired.cutSignaling();
    a.peer.restartIce();
    b.peer.restartIce();
    await expect.poll(() => [descriptions(a, "offer"), descriptions(b, "offer")]).toEqual([before[0]! + 1, before[1]! + 1]);
    // Signaling is back (a resume calls restartIce on a peer not connected):
    // the unanswered offers are taken back and made anew, until one is answered.
    wired.restoreSignaling();
    a.peer.restartIce();
    console.log("EVENTS", JSON.stringify(a.events.map((e) => [e.name, String(e.payload)])));
    await Promise.all([restartDone(a), restartDone(b)]);
    await exchange(a, b, "after the lost offers");
    for (const side of [a, b]) {
      expect(side.events.filter((e) => e.name === "gone" || e.name === "error")).toEqual([]);
      expect(side.resources.counts()).toEqual(idle);
    }
  });

  it("drops the peer when the restart cannot reconnect within iceRestartTimeout", async () => {
    const wired = wiredPeers({ aInitiator: false, bInitiator: true, iceRestartTimeout: 500 });
    const { a, b } = wired;
    wired.start();
    await Promise.all([a.when("opened"), b.when("opened")]);

    wired.cutSignaling();
    a.peer.restartIce();
    const error = (await a.when("error")) as { code: string };
    expect(error.code).toBe("CONNECTION_FAILED");
    expect(await a.when("gone")).toBe("failed");
    expect(a.events.filter((e) => e.name === "gone")).toHaveLength(1);
    expect(a.resources.counts()).toEqual({ peerConnections: 0, dataChannels: 0, timers: 0 });
  });
});
