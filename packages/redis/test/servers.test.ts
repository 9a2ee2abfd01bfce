import { PROTOCOL_VERSION, type ServerMessage } from "@raycaster/realtime-protocol";
import { SignalingServer } from "@raycaster/realtime-server";
import { RawClient, startServer } from "@raycaster/realtime-test-harness";
import { describe, expect, it } from "vitest";
import type { RedisRoomAdapter } from "../src/index.js";
import { connectNodes, freshPrefix, gate, storedRooms } from "./redis.js";

const SECRET = "a secret every node of these tests shares, 32+ chars";

/** `n` signaling servers on free ports sharing rooms through Redis under a fresh prefix. */
async function cluster(n: number) {
  const prefix = freshPrefix();
  const adapters = await connectNodes(n, prefix);
  const servers = await Promise.all(adapters.map((adapter) => startServer((http) => new SignalingServer({ server: http, adapter, secret: SECRET }))));
  return servers.map((s, i) => ({ ...s, prefix, adapter: adapters[i] as RedisRoomAdapter }));
}

const join = (url: string, room: string, token?: string) => RawClient.join<ServerMessage>(url, { protocol: PROTOCOL_VERSION, room, token });

describe.runIf(await gate())("signaling servers sharing rooms through Redis", () => {
  it("a peer sees the peers of other nodes, and a signal goes to the one node that holds its target", async () => {
    const [n1, n2, n3] = await cluster(3);
    if (!n1 || !n2 || !n3) throw new Error("three nodes");
    const alice = await join(n1.url, "r");
    const bob = await join(n2.url, "r");
    expect(bob.init.peers).toEqual([{ id: alice.init.id }]);
    expect(await alice.client.next("UserConnected")).toMatchObject({ id: bob.init.id });
    const before = [n1, n2, n3].map((n) => n.adapter.stats().received.to);
    for (let i = 0; i < 20; i++) alice.client.sendJson({ event: "SendCandidate", to: bob.init.id, candidate: { candidate: `c${i}` } });
    bob.client.sendJson({ event: "SendAnswer", to: alice.init.id, sdp: "answer" });
    for (let i = 0; i < 20; i++) expect(await bob.client.next("ReceiveCandidate")).toMatchObject({ from: alice.init.id, candidate: { candidate: `c${i}` } });
    expect(await alice.client.next("ReceiveAnswer")).toMatchObject({ from: bob.init.id, sdp: "answer" });
    const after = [n1, n2, n3].map((n) => n.adapter.stats().received.to);
    // Node 3 holds nobody of the room: it heard none of it.
    expect(after.map((count, i) => count - (before[i] ?? 0))).toEqual([1, 20, 0]);
  });

  it("a peer restores its seat on another node with its token: same id, the node it left lets go, nobody sees a leave", async () => {
    const [n1, n2] = await cluster(2);
    if (!n1 || !n2) throw new Error("two nodes");
    const alice = await join(n1.url, "r");
    const bob = await join(n2.url, "r");
    await alice.client.next("UserConnected");
    bob.client.socket.terminate();
    const again = await join(n1.url, "r", bob.init.token);
    expect(again.init).toMatchObject({ id: bob.init.id, resumed: true, peers: [{ id: alice.init.id }] });
    // Node 2 ended its seat in grace, unannounced.
    await expect.poll(() => n2.server.stats().seats).toBe(0);
    alice.client.sendJson({ event: "SendOffer", to: bob.init.id, sdp: "offer" });
    expect(await again.client.next("ReceiveOffer")).toMatchObject({ from: alice.init.id });
    expect(alice.client.received.filter((m) => m.event === "UserDisconnected")).toEqual([]);
  });

  it("a room's keys are deleted from Redis once its last peer leaves, whichever node it was on", async () => {
    const [n1, n2] = await cluster(2);
    if (!n1 || !n2) throw new Error("two nodes");
    const peers = [await join(n1.url, "r"), await join(n2.url, "r"), await join(n2.url, "s")];
    expect(await storedRooms(n1.prefix)).toBe(4);
    for (const { client } of peers) {
      const closed = client.closed();
      client.socket.close(1000);
      await closed;
    }
    await expect.poll(() => storedRooms(n1.prefix)).toBe(0);
  });

  it("a signal for a peer on no node comes back as PEER_NOT_FOUND", async () => {
    const [n1, n2] = await cluster(2);
    if (!n1 || !n2) throw new Error("two nodes");
    const alice = await join(n1.url, "r");
    alice.client.sendJson({ event: "SendOffer", to: "nobody-here", sdp: "offer" });
    expect(await alice.client.next("Error")).toMatchObject({ code: "PEER_NOT_FOUND", peer: "nobody-here" });
  });
});
