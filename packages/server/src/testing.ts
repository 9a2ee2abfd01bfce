import type { PeerInfo } from "@raycaster/realtime-protocol";
import { describe, expect, it, onTestFinished } from "vitest";
import { isPromise, type AdapterHost, type MaybePromise, type RoomAdapter, type RoomMember } from "./adapter.js";

/**
 * Makes a cluster of `nodes` adapters that share rooms, as `nodes` server
 * nodes would, each with a store of its own for this test (a fresh key
 * prefix, say). The suite attaches a host to each and closes them when the
 * test ends.
 */
export type AdapterCluster = (nodes: number) => MaybePromise<RoomAdapter[]>;

/** How {@link describeRoomAdapter} runs. */
export interface RoomAdapterSuiteOptions {
  /**
   * How many adapters share rooms in each test; members are spread over
   * them in turn. An adapter that keeps rooms in one process takes 1.
   * @default 1
   */
  nodes?: number;
  /**
   * How many rooms the cluster's store holds now, to prove that an emptied
   * room is released. Without it that test checks `members` only.
   * @default none
   */
  storedRooms?: (adapters: RoomAdapter[]) => MaybePromise<number>;
  /**
   * How long to wait for a frame to arrive before failing.
   * @default 5000 ms
   */
  deadline?: number;
}

/** A host that records what the adapter reports. */
class RecordingHost implements AdapterHost {
  readonly undelivered: string[] = [];
  readonly errors: unknown[] = [];
  undeliverable(room: string, from: string, to: string): void {
    this.undelivered.push(`${room}:${from}->${to}`);
  }
  lost(): void {}
  moved(): void {}
  error(error: unknown): void {
    this.errors.push(error);
  }
}

/** A member that records the frames it gets; `accept: false` plays a seat that cannot take one. */
class Member implements RoomMember {
  readonly frames: string[] = [];
  accept = true;
  #waiters: Array<() => void> = [];
  constructor(
    readonly id: string,
    readonly metadata: Record<string, unknown> | undefined = undefined,
  ) {}
  send(frame: string): boolean {
    if (!this.accept) return false;
    this.frames.push(frame);
    for (const wake of this.#waiters.splice(0)) wake();
    return true;
  }
  /** Resolves once `frame` has arrived; fails after `ms` saying what did. */
  async received(frame: string, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.frames.includes(frame)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.id} never got ${frame}; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

const ids = (peers: PeerInfo[]) => peers.map((p) => p.id).sort();

/**
 * The conformance suite of the {@link RoomAdapter} contract, for vitest:
 * joins and the room limit, members, leaves that release the room, routed
 * delivery that crosses no room, broadcasts, per-target order, failed
 * deliveries reported, restored members. Run it for every adapter, with
 * several nodes for a distributed one.
 *
 * @example
 * ```ts
 * import { describeRoomAdapter } from "@raycaster/realtime-server/testing";
 * describeRoomAdapter("MemoryRoomAdapter", () => [new MemoryRoomAdapter()]);
 * ```
 */
export function describeRoomAdapter(name: string, cluster: AdapterCluster, options: RoomAdapterSuiteOptions = {}): void {
  const nodes = options.nodes ?? 1;
  const ms = options.deadline ?? 5000;

  /** The cluster's adapters with their hosts; `on(i)` is the adapter holding the i-th member. */
  async function start() {
    const adapters = await cluster(nodes);
    const hosts = adapters.map((adapter) => {
      const host = new RecordingHost();
      adapter.attach?.(host);
      return host;
    });
    onTestFinished(async () => {
      await Promise.all(adapters.map(async (adapter) => adapter.close()));
    });
    const on = (i: number) => adapters[i % adapters.length] as RoomAdapter;
    const hostOf = (i: number) => hosts[i % hosts.length] as RecordingHost;
    /** Seats members in `room`, the i-th on node i mod n, one after another. */
    const seat = async (room: string, members: Member[]) => {
      for (const [i, member] of members.entries()) {
        const result = await on(i).join(room, member, 1024);
        expect(result.full, `${member.id} joins ${room}`).toBe(false);
      }
    };
    return { adapters, hosts, on, hostOf, seat };
  }

  describe(`RoomAdapter conformance: ${name} (${nodes} node${nodes === 1 ? "" : "s"})`, () => {
    it("join answers the members already there, with their metadata, on any node", async () => {
      const { on, seat } = await start();
      const members = [new Member("a", { name: "ann" }), new Member("b"), new Member("c")];
      await seat("r", members.slice(0, 2));
      const result = await on(2).join("r", members[2] as Member, 1024);
      expect(result).toEqual({ full: false, peers: expect.arrayContaining([{ id: "a", metadata: { name: "ann" } }, { id: "b" }]) });
      expect(result.full === false && result.peers.length).toBe(2);
      for (let i = 0; i < 3; i++) expect(ids(await on(i).members("r"))).toEqual(["a", "b", "c"]);
      expect(await on(0).members("nowhere")).toEqual([]);
    });

    it("sendTo reaches the one member named, on whichever node, and nobody else", async () => {
      const { on, seat, hosts } = await start();
      const members = ["a", "b", "c", "d"].map((id) => new Member(id));
      await seat("r", members);
      const [a, b, c, d] = members as [Member, Member, Member, Member];
      for (const target of [b, c, d]) expect(await on(0).sendTo("r", target.id, `to ${target.id}`, "a")).toBe(true);
      // Frames to one target arrive in call order, so a marker after them
      // shows that nothing else was on its way to anyone.
      await on(0).broadcast("r", "marker", "a");
      for (const m of [b, c, d]) await m.received("marker", ms);
      for (const m of [b, c, d]) expect(m.frames).toEqual([`to ${m.id}`, "marker"]);
      expect(a.frames).toEqual([]);
      // A node that got a frame for a member it does not hold would report it undeliverable.
      expect(hosts.flatMap((host) => host.undelivered)).toEqual([]);
    });

    it("a frame crosses no room: sendTo a member of another room answers false, or is reported undeliverable", async () => {
      const { on, seat, hostOf } = await start();
      const [a, b] = [new Member("a"), new Member("b")];
      await seat("r1", [a]);
      await on(1).join("r2", b, 1024);
      const answer = await on(0).sendTo("r1", "b", "stray", "a");
      const nobody = await on(0).sendTo("r1", "nobody", "stray", "a");
      await on(1).broadcast("r2", "marker");
      await b.received("marker", ms);
      expect(b.frames).toEqual(["marker"]);
      for (const [delivered, to] of [
        [answer, "b"],
        [nobody, "nobody"],
      ] as const) {
        if (delivered) await expect.poll(() => hostOf(0).undelivered, { timeout: ms }).toContain(`r1:a->${to}`);
      }
    });

    it("keeps call order to each target: 200 frames interleaved with broadcasts arrive as sent", async () => {
      const { on, seat } = await start();
      const members = ["a", "b", "c"].map((id) => new Member(id));
      await seat("r", members);
      const sent: Record<string, string[]> = { b: [], c: [] };
      const answers: Array<MaybePromise<unknown>> = [];
      for (let i = 0; i < 200; i++) {
        if (i % 10 === 0) {
          answers.push(on(0).broadcast("r", `all ${i}`, "a"));
          sent.b?.push(`all ${i}`);
          sent.c?.push(`all ${i}`);
        }
        const to = i % 2 === 0 ? "b" : "c";
        // Handed over without awaiting the last answer, as the server relays.
        answers.push(on(0).sendTo("r", to, `${to} ${i}`, "a"));
        sent[to]?.push(`${to} ${i}`);
      }
      await Promise.all(answers.filter(isPromise));
      const [, b, c] = members as [Member, Member, Member];
      await b.received(sent.b?.at(-1) as string, ms);
      await c.received(sent.c?.at(-1) as string, ms);
      expect(b.frames).toEqual(sent.b);
      expect(c.frames).toEqual(sent.c);
    });

    it("broadcast reaches every member but the one excepted, once each, on every node", async () => {
      const { on, seat } = await start();
      const members = ["a", "b", "c", "d", "e"].map((id) => new Member(id));
      await seat("r", members);
      const outsider = new Member("x");
      await on(1).join("other", outsider, 1024);
      await on(2).broadcast("r", "hello", "c");
      await on(2).broadcast("r", "again");
      for (const m of members) await m.received("again", ms);
      for (const m of members) expect(m.frames).toEqual(m.id === "c" ? ["again"] : ["hello", "again"]);
      expect(outsider.frames).toEqual([]);
    });

    it("join refuses past the limit, and two joins racing for the last place cannot both get it", async () => {
      const { on, seat } = await start();
      await seat("r", [new Member("a"), new Member("b")]);
      const racers = [new Member("x"), new Member("y")];
      const results = await Promise.all(racers.map(async (m, i) => on(i).join("r", m, 3)));
      expect(results.filter((r) => !r.full)).toHaveLength(1);
      expect(await on(2).join("r", new Member("z"), 3)).toEqual({ full: true });
      expect(await on(0).members("r")).toHaveLength(3);
    });

    it("a member joining again with its id (a restored seat) replaces itself, on any node", async () => {
      const { on, seat } = await start();
      const [a, b] = [new Member("a"), new Member("b")];
      await seat("r", [a, b]);
      const again = new Member("b");
      const result = await on(nodes - 1).join("r", again, 2);
      expect(result).toEqual({ full: false, peers: [{ id: "a" }] });
      expect(ids(await on(0).members("r"))).toEqual(["a", "b"]);
      expect(await on(0).sendTo("r", "b", "for the new one", "a")).toBe(true);
      await again.received("for the new one", ms);
    });

    it("leave stops delivery; an emptied room is forgotten and its memory released", async () => {
      const { adapters, on, seat } = await start();
      const members = ["a", "b", "c"].map((id) => new Member(id));
      await seat("r", members);
      await on(1).leave("r", "b");
      await on(0).leave("r", "nobody");
      expect(ids(await on(2).members("r"))).toEqual(["a", "c"]);
      const answer = await on(0).sendTo("r", "b", "late", "a");
      expect(answer).toBe(false);
      await on(0).leave("r", "a");
      await on(2).leave("r", "c");
      expect(await on(0).members("r")).toEqual([]);
      if (options.storedRooms) expect(await options.storedRooms(adapters)).toBe(0);
      expect(members.flatMap((m) => m.frames)).toEqual([]);
    });

    it("a member that cannot take a frame makes its delivery fail: false, or reported undeliverable", async () => {
      const { on, seat, hostOf } = await start();
      const [a, b] = [new Member("a"), new Member("b")];
      await seat("r", [a, b]);
      b.accept = false;
      if (await on(0).sendTo("r", "b", "refused", "a")) {
        await expect.poll(() => hostOf(0).undelivered, { timeout: ms }).toContain("r:a->b");
      }
      expect(b.frames).toEqual([]);
    });

    it("close is idempotent", async () => {
      const { adapters } = await start();
      for (const adapter of adapters) {
        await adapter.close();
        await adapter.close();
      }
    });
  });
}
