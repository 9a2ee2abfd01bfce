// Three signaling nodes in processes of their own, sharing rooms through
// Redis, behind Debian's haproxy; real WebRTC peers (node-datachannel)
// spread across them by the balancer.
import { PROTOCOL_VERSION, type ServerMessage } from "@raycaster/realtime-protocol";
import { RawClient, startHaproxy, startRedis } from "@raycaster/realtime-test-harness";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { startNode, type NodeProcess } from "./cluster/processes.js";
import { exchange, leaves, meshed, startPeer, type Peer } from "./cluster/peers.js";
import { freshPrefix, gate, REDIS_URL } from "./redis.js";

const SECRET = "the secret every node of the cluster shares, 32+ chars";
/** Short, so that a dead node is swept within the test: members leave within LEASE + LEASE / 3. */
const LEASE = 3000;

async function startNodes(count: number, redis: string, prefix: string): Promise<NodeProcess[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => startNode({ redis, prefix, nodeId: `n${i + 1}`, lease: LEASE, secret: SECRET })));
}

/** Which node holds each member of `room`, from Redis. */
async function owners(redisUrl: string, prefix: string, room: string): Promise<Record<string, string>> {
  const redis = new Redis(redisUrl);
  try {
    const all = await redis.hgetall(`${prefix}room:${room}`);
    return Object.fromEntries(Object.entries(all).map(([id, value]) => [id, value.split(" ")[0] as string]));
  } finally {
    redis.disconnect();
  }
}

const rawJoin = (url: string, room: string) => RawClient.join<ServerMessage>(url, { protocol: PROTOCOL_VERSION, room });

/** Peers joined one after another through the balancer, which deals them to the nodes in turn. */
async function startPeers(count: number, url: string, room: string): Promise<Peer[]> {
  const peers: Peer[] = [];
  for (let i = 0; i < count; i++) peers.push(await startPeer(`${room}-${i}`, url, room));
  return peers;
}

describe.runIf(await gate(true))("three nodes behind haproxy, sharing rooms through Redis", () => {
  it("a full mesh of peers spread over the nodes connects; rooms stay apart; a signal reaches only the node of its target", { timeout: 60_000 }, async () => {
    const prefix = freshPrefix();
    const nodes = await startNodes(3, REDIS_URL, prefix);
    const lb = await startHaproxy(nodes.map((n) => n.port));
    const mesh = await startPeers(6, lb.url, "mesh");
    const pair = await startPeers(2, lb.url, "other");
    // The balancer spread them: every node holds members of the mesh, and the other room spans two nodes.
    expect(new Set(Object.values(await owners(REDIS_URL, prefix, "mesh")))).toEqual(new Set(["n1", "n2", "n3"]));
    expect(new Set(Object.values(await owners(REDIS_URL, prefix, "other"))).size).toBe(2);
    await meshed(mesh);
    await meshed(pair);
    await exchange(mesh, "hello");
    // Rooms stay apart across nodes: each peer met the peers of its own room and no one else.
    for (const [room, members] of [
      [mesh, pair],
      [pair, mesh],
    ] as const) {
      for (const peer of room) {
        const met = peer.events.events.filter((e) => e.name === "peerJoined").map((e) => (e.payload as { peerId: string }).peerId);
        expect(met.sort()).toEqual(
          room
            .filter((p) => p !== peer)
            .map((p) => p.id)
            .sort(),
        );
        expect(met.some((id) => members.some((p) => p.id === id))).toBe(false);
      }
    }

    // Routed, not broadcast: 30 signals from a peer on n1 to one on n2 reach n2 alone.
    const [n1, n2, n3] = nodes as [NodeProcess, NodeProcess, NodeProcess];
    const from = await rawJoin(n1.url, "route");
    const to = await rawJoin(n2.url, "route");
    const before = await Promise.all(nodes.map((n) => n.stats()));
    for (let i = 0; i < 30; i++) from.client.sendJson({ event: "SendCandidate", to: to.init.id, candidate: { candidate: `c${i}` } });
    for (let i = 0; i < 30; i++) expect(await to.client.next("ReceiveCandidate")).toMatchObject({ from: from.init.id, candidate: { candidate: `c${i}` } });
    const after = await Promise.all([n1, n2, n3].map((n) => n.stats()));
    expect(after.map((s, i) => (s.adapter.received.to ?? 0) - (before[i]?.adapter.received.to ?? 0))).toEqual([0, 30, 0]);
    expect(leaves([...pair, ...mesh])).toEqual([]);
  });

  it(
    "kill -9 of a node: its peers resume on the others through the balancer with their ids, nobody sees them leave; its silent members are swept",
    { timeout: 60_000 },
    async () => {
      const prefix = freshPrefix();
      const nodes = await startNodes(3, REDIS_URL, prefix);
      const lb = await startHaproxy(nodes.map((n) => n.port));
      const mesh = await startPeers(6, lb.url, "mesh");
      await meshed(mesh);
      const [n1, n2] = nodes as [NodeProcess, NodeProcess];
      // A member of n2 that will not come back, and a peer on n1 that hears of it.
      const watcher = await rawJoin(n1.url, "ghosts");
      const ghost = await rawJoin(n2.url, "ghosts");
      await watcher.client.next("UserConnected");

      const held = await owners(REDIS_URL, prefix, "mesh");
      const victims = mesh.filter((p) => held[p.id] === "n2");
      expect(victims.length).toBeGreaterThan(0);
      const marks = new Map(victims.map((p) => [p, p.events.events.length]));
      await n2.kill();
      ghost.client.socket.terminate();
      for (const victim of victims) {
        const open = await victim.events.when("open", () => true, { since: marks.get(victim) ?? 0, label: `${victim.name} seated again after the kill` });
        expect(open).toMatchObject({ id: victim.id, resumed: true });
      }
      const now = await owners(REDIS_URL, prefix, "mesh");
      for (const victim of victims) expect(["n1", "n3"]).toContain(now[victim.id]);

      // The sweep of n2 (within LEASE + LEASE / 3 of its last renewal) tells the ghost's room...
      expect(await watcher.client.next("UserDisconnected", 10_000)).toEqual({ event: "UserDisconnected", id: ghost.init.id });
      // ...and, in the same script, would have removed the victims had they not been restored.
      expect(Object.keys(await owners(REDIS_URL, prefix, "mesh")).sort()).toEqual(mesh.map((p) => p.id).sort());
      await exchange(mesh, "after the kill");
      expect(leaves(mesh)).toEqual([]);
    },
  );

  it(
    "a Redis restart during a session is survived: DELIVERY_FAILED and local signaling meanwhile, a leave told once it is back, peers stay, a newcomer meets everyone",
    { timeout: 60_000 },
    async () => {
      const redis = await startRedis();
      const prefix = freshPrefix();
      const [n1, n2] = (await startNodes(2, redis.url, prefix)) as [NodeProcess, NodeProcess];
      const a = await startPeer("A", n1.url, "r");
      const b = await startPeer("B", n2.url, "r");
      await meshed([a, b]);
      const x = await rawJoin(n1.url, "raw");
      const y = await rawJoin(n1.url, "raw");
      const z = await rawJoin(n2.url, "raw");

      await redis.kill();
      // Meanwhile: a signal for a peer on the other node is refused in so many words...
      x.client.sendJson({ event: "SendOffer", to: z.init.id, sdp: "offer" });
      expect(await x.client.next("Error")).toMatchObject({ code: "DELIVERY_FAILED", peer: z.init.id });
      // ...and peers on one node carry on.
      x.client.sendJson({ event: "SendOffer", to: y.init.id, sdp: "offer" });
      expect(await y.client.next("ReceiveOffer")).toMatchObject({ from: x.init.id, sdp: "offer" });
      // ...and a peer leaves: its node cannot tell the others yet.
      const closed = z.client.closed();
      z.client.socket.close(1000);
      await closed;

      const restarted = await startRedis(redis.port);
      // Each node finds its lease gone and seats its members again: the newcomer below depends on it.
      await expect
        .poll(async () => Object.keys(await owners(restarted.url, prefix, "r")).sort(), { timeout: 10_000, interval: 100 })
        .toEqual([a.id, b.id].sort());

      // The leave that waited for Redis reaches the other node's peers.
      for (const raw of [x, y]) expect(await raw.client.next("UserDisconnected", 10_000)).toEqual({ event: "UserDisconnected", id: z.init.id });

      const c = await startPeer("C", n2.url, "r");
      expect((await c.events.when("open")).peers.slice().sort()).toEqual([a.id, b.id].sort());
      await meshed([a, b, c]);
      await exchange([a, b, c], "after the restart");
      expect(leaves([a, b, c])).toEqual([]);
      // The outage was counted on each node.
      for (const node of [n1, n2]) expect((await node.stats()).adapter.outages).toBeGreaterThan(0);
    },
  );
});
