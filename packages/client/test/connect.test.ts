import { describe, expect, it } from "vitest";
import { countedPeerConnections, createClient, startServer, tappedWebSocket } from "./harness.js";

describe("peers connect through the signaling server", () => {
  it("two peers connect and exchange JSON both ways", async () => {
    const { url } = await startServer();
    const alice = createClient({ url, room: "pair" });
    const { id: aliceId } = await alice.when("open");
    const bob = createClient({ url, room: "pair" });
    const { id: bobId, peers } = await bob.when("open");
    expect(peers).toEqual([aliceId]);

    await Promise.all([alice.connectedTo(bobId), bob.connectedTo(aliceId)]);
    alice.client.send(bobId, { text: "hi bob", n: 1 });
    bob.client.send(aliceId, ["hi", "alice", 2]);

    expect(await bob.when("message")).toEqual({ peerId: aliceId, data: { text: "hi bob", n: 1 } });
    expect(await alice.when("message")).toEqual({ peerId: bobId, data: ["hi", "alice", 2] });
    expect(alice.client.connectedPeers).toEqual([bobId]);
  });

  it("three peers form a full mesh", async () => {
    const { url } = await startServer();
    const clients = [createClient({ url, room: "mesh" }), createClient({ url, room: "mesh" }), createClient({ url, room: "mesh" })];
    const ids = (await Promise.all(clients.map((c) => c.when("open")))).map((o) => o.id);

    await Promise.all(
      clients.flatMap((c, i) => ids.filter((_, j) => j !== i).map((other) => c.connectedTo(other))),
    );
    clients.forEach((c, i) => expect(c.client.broadcast({ from: i })).toBe(2));

    for (const [i, c] of clients.entries()) {
      const others = ids.filter((_, j) => j !== i);
      for (const other of others) {
        const { data } = await c.when("message", (m) => m.peerId === other);
        expect(data).toEqual({ from: ids.indexOf(other) });
      }
      expect(c.client.peers.sort()).toEqual([...others].sort());
    }
  });

  it("connects when both peers send an offer at the same moment (glare)", async () => {
    const { url } = await startServer();
    const a = { ...tappedWebSocket({ holdOffersUntilSent: true }), pcs: countedPeerConnections() };
    const b = { ...tappedWebSocket({ holdOffersUntilSent: true }), pcs: countedPeerConnections() };
    const alice = createClient({ url, room: "glare", WebSocket: a.WebSocket, RTCPeerConnection: a.pcs.RTCPeerConnection });
    const { id: aliceId } = await alice.when("open");
    const bob = createClient({ url, room: "glare", WebSocket: b.WebSocket, RTCPeerConnection: b.pcs.RTCPeerConnection });
    const { id: bobId } = await bob.when("open");

    await Promise.all([alice.connectedTo(bobId), bob.connectedTo(aliceId)]);

    // Each side sent its offer before it saw the other's: the offers crossed.
    for (const { tap } of [a, b]) {
      expect(tap.sent.filter((e) => e === "SendOffer")).toHaveLength(1);
      expect(tap.received.indexOf("ReceiveOffer")).toBeGreaterThan(-1);
    }
    // Perfect negotiation: the impolite side ignored the polite side's offer;
    // the polite side (the smaller id) gave its own up and answered.
    const [polite, impolite] = aliceId < bobId ? [a, b] : [b, a];
    expect(polite.tap.sent.filter((e) => e === "SendAnswer")).toHaveLength(1);
    expect(impolite.tap.sent.filter((e) => e === "SendAnswer")).toHaveLength(0);
    // It did so with a fresh connection: one more made, one open per side.
    expect(polite.pcs.created.length).toBe(impolite.pcs.created.length + 1);
    expect([polite.pcs.open(), impolite.pcs.open()]).toEqual([1, 1]);
    expect([alice.all("peerConnected"), bob.all("peerConnected")]).toEqual([[{ peerId: bobId }], [{ peerId: aliceId }]]);

    alice.client.send(bobId, "after glare");
    expect(await bob.when("message")).toEqual({ peerId: aliceId, data: "after glare" });
  });

  it("never shows or connects a peer of another room", async () => {
    const { url } = await startServer();
    const a1 = createClient({ url, room: "A" });
    const b1 = createClient({ url, room: "B" });
    const a2 = createClient({ url, room: "A" });
    const [{ id: a1Id }, { id: b1Id }, { id: a2Id }] = await Promise.all([a1.when("open"), b1.when("open"), a2.when("open")]);
    await Promise.all([a1.connectedTo(a2Id), a2.connectedTo(a1Id)]);

    expect(a1.client.peers).toEqual([a2Id]);
    expect(a2.client.peers).toEqual([a1Id]);
    expect(b1.client.peers).toEqual([]);
    expect([...a1.all("peerJoined"), ...a2.all("peerJoined")].map((e) => e.peerId)).not.toContain(b1Id);
    expect(b1.all("peerJoined")).toEqual([]);
  });
});
