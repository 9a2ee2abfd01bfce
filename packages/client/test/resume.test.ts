// Reconnect against the real signaling server: its sockets dropped, the
// server restarted with the same secret, or with another one.
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { Peer } from "../src/peer.js";
import { createClient, startServer, within, type Recorder } from "./harness.js";

const quick = { reconnect: { initialDelay: 20, maxDelay: 100 } } as const;
const secret = "a secret of at least thirty-two characters";

async function pair(url: string) {
  const alice = createClient({ url, room: "r", ...quick });
  const { id: aliceId } = await alice.when("open");
  const bob = createClient({ url, room: "r", ...quick });
  const { id: bobId } = await bob.when("open");
  await Promise.all([alice.connectedTo(bobId), bob.connectedTo(aliceId)]);
  return { alice, bob, aliceId, bobId };
}

/** Sends `data` from one client to another and waits for it to arrive. */
async function carries(from: Recorder, to: Recorder, data: string) {
  await from.client.send(to.client.id!, data);
  await to.when("message", (m) => m.data === data, { label: `message "${data}"` });
}

describe("resuming the seat on the real server", () => {
  it("resumes with the same id after the server's sockets drop, and peers never notice", async () => {
    const server = await startServer({ secret });
    const { alice, bob, aliceId, bobId } = await pair(server.url);
    const mark = [alice.events.length, bob.events.length] as const;
    // Counts calls only (it calls through): connected peers need no ICE restart.
    const restarts = vi.spyOn(Peer.prototype, "restartIce");
    onTestFinished(() => restarts.mockRestore());

    server.dropSockets();
    // Peer to peer, nothing is lost while signaling is down.
    await carries(alice, bob, "during the outage");
    const [aliceBack, bobBack] = await Promise.all([
      alice.when("open", (e) => e.resumed, { label: "alice resumed" }),
      bob.when("open", (e) => e.resumed, { label: "bob resumed" }),
    ]);
    expect([aliceBack.id, bobBack.id]).toEqual([aliceId, bobId]);
    await carries(bob, alice, "after the resume");

    for (const [client, since] of [
      [alice, mark[0]],
      [bob, mark[1]],
    ] as const) {
      const after = client.events.slice(since).map((e) => e.name);
      expect(after).toContain("signalingState");
      expect(after).not.toContain("peerLeft");
      expect(after).not.toContain("signalingClosed");
      expect(client.all("error")).toEqual([]);
      expect(client.client.signalingState).toBe("open");
    }
    expect(server.signaling.stats()).toMatchObject({ seats: 2, seatsInGrace: 0 });
    expect(restarts).not.toHaveBeenCalled();
  });

  it("resumes after a server restart with the same secret, and a newcomer meets everyone", async () => {
    const first = await startServer({ secret });
    const { alice, bob, aliceId, bobId } = await pair(first.url);

    await within("the first server closing", first.close());
    await Promise.all([alice.state("reconnecting"), bob.state("reconnecting")]);
    await carries(alice, bob, "while the server is down");
    await carries(bob, alice, "still down");

    const second = await startServer({ secret, port: first.port });
    const [aliceBack, bobBack] = await Promise.all([
      alice.when("open", (e) => e.resumed, { label: "alice resumed" }),
      bob.when("open", (e) => e.resumed, { label: "bob resumed" }),
    ]);
    expect([aliceBack.id, bobBack.id]).toEqual([aliceId, bobId]);

    const carol = createClient({ url: second.url, room: "r", ...quick });
    const { id: carolId, peers } = await carol.when("open");
    expect(peers.sort()).toEqual([aliceId, bobId].sort());
    await Promise.all([carol.connectedTo(aliceId), carol.connectedTo(bobId), alice.connectedTo(carolId), bob.connectedTo(carolId)]);
    await carries(carol, alice, "hello alice");
    await carries(carol, bob, "hello bob");
    for (const client of [alice, bob, carol]) {
      expect(client.all("peerLeft")).toEqual([]);
      expect(client.all("signalingClosed")).toEqual([]);
      expect(client.all("error")).toEqual([]);
    }
  });

  it("joins as new peers after a restart with another secret: each old peer leaves once", async () => {
    const first = await startServer({ secret });
    const { alice, bob, aliceId, bobId } = await pair(first.url);
    await within("the first server closing", first.close());

    const second = await startServer({ secret: `another ${secret}`, port: first.port });
    const [aliceNew, bobNew] = await Promise.all([
      alice.when("open", (e) => e.id !== aliceId, { label: "alice seated afresh" }),
      bob.when("open", (e) => e.id !== bobId, { label: "bob seated afresh" }),
    ]);
    expect([aliceNew.resumed, bobNew.resumed]).toEqual([false, false]);
    await Promise.all([alice.connectedTo(bobNew.id), bob.connectedTo(aliceNew.id)]);
    await carries(alice, bob, "met again");

    // Each learns the old peer is gone once: from the refused resume
    // ("left"), or from the other's connection closing first ("closed").
    const left = (client: Recorder, oldId: string) => client.all("peerLeft").filter((e) => e.peerId === oldId);
    for (const [client, oldPeer] of [
      [alice, bobId],
      [bob, aliceId],
    ] as const) {
      expect(left(client, oldPeer)).toHaveLength(1);
      expect(["left", "closed"]).toContain(left(client, oldPeer)[0]?.reason);
      expect(client.all("peerLeft")).toHaveLength(1);
      expect(client.client.peers).toEqual([client === alice ? bobNew.id : aliceNew.id]);
    }
    expect(second.signaling.stats().seats).toBe(2);
  });

  it("ends for good when the server's join hook refuses the room (4004), with a typed error", async () => {
    const server = await startServer({ hooks: { join: async (_, room) => room !== "private" } });
    const bob = createClient({ url: server.url, room: "private", ...quick });

    expect(await bob.when("signalingClosed")).toMatchObject({ code: 4004 });
    expect(bob.all("error").map((e) => [e.code, e.closeCode])).toEqual([
      ["JOIN_REFUSED", undefined],
      ["SIGNALING_FAILED", 4004],
    ]);
    expect(server.signaling.stats()).toMatchObject({ seats: 0 });
  });

  it("ends for good when the room is full (4002), with a typed error", async () => {
    const server = await startServer({ maxPeersPerRoom: 1 });
    const alice = createClient({ url: server.url, room: "r", ...quick });
    await alice.when("open");
    const bob = createClient({ url: server.url, room: "r", ...quick });

    expect(await bob.when("signalingClosed")).toMatchObject({ code: 4002 });
    expect(bob.all("error").map((e) => [e.code, e.closeCode])).toEqual([
      ["ROOM_FULL", undefined],
      ["SIGNALING_FAILED", 4002],
    ]);
    expect(bob.client.signalingState).toBe("closed");
    expect(bob.all("signalingState").map((e) => e.state)).toEqual(["closed"]);
    // The loop ended: the server saw one socket from Bob, and it is gone.
    await within(
      "bob's socket gone",
      new Promise<void>((resolve) => {
        const check = () => (server.signaling.stats().connections === 1 ? resolve() : setImmediate(check));
        check();
      }),
    );
  });
});
