import type { ServerMessage } from "@raycaster/realtime-protocol";
import { describe, expect, it } from "vitest";
import { join, settled, startServer, type Client } from "./harness.js";

const CHURNERS = 2_000;
const WAVE = 200;
const ROOMS = ["r0", "r1", "r2", "r3", "r4", "r5"];
/** Rooms with a stable pair in them; the others only churn. */
const PAIR_ROOMS = ["r0", "r1", "r2", "r3"];
/** Signals a pair member sends between two round trips to the server, so nothing piles up unbounded. */
const BURST = 20;

type Relayed = Extract<ServerMessage, { event: "ReceiveOffer" | "ReceiveAnswer" | "ReceiveCandidate" }>;
const isRelayed = (m: ServerMessage): m is Relayed => m.event === "ReceiveOffer" || m.event === "ReceiveAnswer" || m.event === "ReceiveCandidate";

interface Member {
  client: Client;
  id: string;
  room: string;
}

/** One seated peer of a stable pair: sends numbered signals to its partner until told to stop. */
class Talker {
  sent = 0;
  #stop = false;
  #done: Promise<void> | undefined;

  constructor(
    readonly me: Member,
    readonly partner: () => Member,
  ) {}

  start(): void {
    this.#done = this.#talk();
  }

  async stop(): Promise<number> {
    this.#stop = true;
    await this.#done;
    return this.sent;
  }

  async #talk(): Promise<void> {
    const to = this.partner().id;
    while (!this.#stop) {
      for (let i = 0; i < BURST; i++) {
        // Offers and answers alternate; the sequence number rides in the SDP.
        const event = this.sent % 2 === 0 ? "SendOffer" : "SendAnswer";
        this.me.client.sendJson({ event, to, sdp: `seq ${String(this.sent)}` });
        this.sent++;
      }
      await settled(this.me.client);
    }
  }
}

describe("churn", () => {
  it(
    `${String(CHURNERS)} clients join and leave in waves while seated pairs signal: nothing lost or misdelivered, nothing left over`,
    { timeout: 60_000 },
    async () => {
      const { url, signaling } = await startServer({
        // Every client comes from 127.0.0.1, about 400 at once; the limits have their own tests.
        maxConnectionsPerIp: 2_000,
        rateLimit: false,
      });
      const pairs: [Member, Member][] = [];
      for (const room of PAIR_ROOMS) {
        const a = await join(url, room);
        const b = await join(url, room);
        pairs.push([
          { client: a.client, id: a.init.id, room },
          { client: b.client, id: b.init.id, room },
        ]);
      }
      /** Every id ever seated in each room: the only legitimate senders there. */
      const seatedIn = new Map<string, Set<string>>(ROOMS.map((r) => [r, new Set()]));
      for (const [a, b] of pairs) {
        seatedIn.get(a.room)?.add(a.id).add(b.id);
      }
      const talkers = pairs.flatMap(([a, b]) => [new Talker(a, () => b), new Talker(b, () => a)]);
      for (const t of talkers) t.start();

      let joined = 0;
      let previous: Member[] = [];
      const leave = async (wave: Member[]) => {
        for (const m of wave) {
          const strangers = m.client.received.filter(isRelayed).filter((f) => !seatedIn.get(m.room)?.has(f.from));
          expect(strangers, `${m.room}: frames from peers of other rooms`).toEqual([]);
        }
        await Promise.all(
          wave.map(async (m) => {
            const closed = m.client.closed();
            m.client.socket.close(1000);
            await closed;
          }),
        );
      };
      while (joined < CHURNERS) {
        // A wave joins across every room (and says something to a peer it was told of) while the wave before leaves.
        const wave = Array.from({ length: WAVE }, (_, i) => ROOMS[(joined + i) % ROOMS.length] as string);
        joined += wave.length;
        const [members] = await Promise.all([
          Promise.all(
            wave.map(async (room): Promise<Member> => {
              const { client, init } = await join(url, room);
              seatedIn.get(room)?.add(init.id);
              const peer = init.peers[init.peers.length - 1];
              if (peer) client.sendJson({ event: "SendCandidate", to: peer.id, candidate: null });
              return { client, id: init.id, room };
            }),
          ),
          leave(previous),
        ]);
        previous = members;
      }
      await leave(previous);

      const sent = new Map(await Promise.all(talkers.map(async (t) => [t.me.id, await t.stop()] as const)));
      // Each pair member's Pong comes after everything the server relayed to it before.
      await Promise.all(pairs.flat().map((m) => settled(m.client)));
      for (const [a, b] of pairs) {
        for (const [me, partner] of [
          [a, b],
          [b, a],
        ] as const) {
          const relayed = me.client.received.filter(isRelayed);
          const fromPartner = relayed.filter((m) => m.from === partner.id);
          const count = sent.get(partner.id) ?? 0;
          expect(count, "signals sent by each pair member").toBeGreaterThan(BURST);
          // Exactly once each, in order, from the right sender, with the right event.
          expect(fromPartner.map((m) => (m.event === "ReceiveCandidate" ? "candidate" : m.sdp))).toEqual(
            Array.from({ length: count }, (_, i) => `seq ${String(i)}`),
          );
          expect(fromPartner.map((m) => m.event)).toEqual(Array.from({ length: count }, (_, i) => (i % 2 === 0 ? "ReceiveOffer" : "ReceiveAnswer")));
          // Anything else came from a peer seated in the same room, never from another room's.
          const strangers = relayed.filter((m) => m.from !== partner.id && !seatedIn.get(me.room)?.has(m.from));
          expect(strangers, `${me.room}: frames from peers of other rooms`).toEqual([]);
          expect(
            me.client.received.filter((m) => m.event === "Error"),
            "errors to a pair member",
          ).toEqual([]);
        }
      }
      await expect.poll(() => signaling.stats()).toMatchObject({ connections: 8, seats: 8, seatsInGrace: 0, rooms: PAIR_ROOMS.length });

      await leave(pairs.flat());
      await expect.poll(() => signaling.stats()).toMatchObject({ connections: 0, seats: 0, seatsInGrace: 0, rooms: 0 });
    },
  );
});
