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
    await alice.client.send(bobId, { text: "hi bob", n: 1 });
    await bob.client.send(aliceId, ["hi", "alice", 2]);

    expect(await bob.when("message")).toEqual({ peerId: aliceId, data: { text: "hi bob", n: 1 } });
    expect(await alice.when("message")).toEqual({ peerId: bobId, data: ["hi", "alice", 2] });
    expect(alice.client.connectedPeers).toEqual([bobId]);
  });

  it("each peer learns the others' metadata from the server's upgrade hook in peerJoined", async () => {
    const { url } = await startServer({
      hooks: { upgrade: (request) => ({ metadata: { name: new URL(request.url ?? "/", "http://x").searchParams.get("name") } }) },
    });
    const alice = createClient({ url: `${url}/?name=Alice`, room: "named" });
    const { id: aliceId } = await alice.when("open");
    const bob = createClient({ url: `${url}/?name=Bob`, room: "named" });
    const { id: bobId } = await bob.when("open");

    expect(await bob.when("peerJoined")).toEqual({ peerId: aliceId, metadata: { name: "Alice" } });
    expect(await alice.when("peerJoined")).toEqual({ peerId: bobId, metadata: { name: "Bob" } });
  });

  it("three peers form a full mesh", async () => {
    const { url } = await startServer();
    const clients = [createClient({ url, room: "mesh" }), createClient({ url, room: "mesh" }), createClient({ url, room: "mesh" })];
    const ids = (await Promise.all(clients.map((c) => c.when("open")))).map((o) => o.id);

    await Promise.all(clients.flatMap((c, i) => ids.filter((_, j) => j !== i).map((other) => c.connectedTo(other))));
    expect(await Promise.all(clients.map((c, i) => c.client.broadcast({ from: i })))).toEqual([2, 2, 2]);

    for (const [i, c] of clients.entries()) {
      const others = ids.filter((_, j) => j !== i);
      for (const other of others) {
        const { data } = await c.when("message", (m) => m.peerId === other);
        expect(data).toEqual({ from: ids.indexOf(other) });
      }
      expect(c.client.peers.sort()).toEqual([...others].sort());
    }
  });

  it("a first meeting: the newcomer offers, the other answers, one connection each", async () => {
    const { url } = await startServer();
    const a = { ...tappedWebSocket(), pcs: countedPeerConnections() };
    const b = { ...tappedWebSocket(), pcs: countedPeerConnections() };
    const alice = createClient({ url, room: "first", WebSocket: a.WebSocket, RTCPeerConnection: a.pcs.RTCPeerConnection });
    const { id: aliceId } = await alice.when("open");
    const bob = createClient({ url, room: "first", WebSocket: b.WebSocket, RTCPeerConnection: b.pcs.RTCPeerConnection });
    const { id: bobId } = await bob.when("open");
    await Promise.all([alice.connectedTo(bobId), bob.connectedTo(aliceId)]);

    // Bob found Alice in Initialize.peers: he offers, she answers; no glare,
    // and nothing is thrown away.
    const count = (events: string[], name: string) => events.filter((e) => e === name).length;
    expect([count(b.tap.sent, "SendOffer"), count(a.tap.sent, "SendAnswer")]).toEqual([1, 1]);
    expect([count(a.tap.sent, "SendOffer"), count(b.tap.sent, "SendAnswer")]).toEqual([0, 0]);
    // One connection per side, and no configuration probe: with no ICE
    // servers or other configuration, the constructor has nothing to check.
    expect([a.pcs.created.length, b.pcs.created.length]).toEqual([1, 1]);
    // Bob's candidates went out only after Alice's answer reached him.
    expect(b.tap.log.indexOf("sent:SendCandidate")).toBeGreaterThan(b.tap.log.indexOf("received:ReceiveAnswer"));
    // Alice's go out only after her answer.
    expect(a.tap.log.indexOf("sent:SendCandidate")).toBeGreaterThan(a.tap.log.indexOf("sent:SendAnswer"));
    // The one timer is the signaling keep-alive.
    const live = { peers: 1, peerConnections: 1, dataChannels: 1, timers: 1, transfers: 0, sendBuffered: 0, receiveBuffered: 0 };
    expect([alice.client.stats(), bob.client.stats()]).toEqual([live, live]);

    await alice.client.send(bobId, "hello");
    expect(await bob.when("message")).toEqual({ peerId: aliceId, data: "hello" });
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
