import { SignalingEvents, type PeerInfo, type PeerMetadata } from "@raycaster/realtime-protocol";
import type { AdapterHost, JoinResult, RoomAdapter, RoomMember } from "@raycaster/realtime-server";
import type { Redis } from "ioredis";
import { Lease } from "./lease.js";
import { encodeMessage, parseMessage, type NodeMessage } from "./messages.js";
import { openRedis, resolveRedisOptions, type RedisRoomAdapterOptions, type ResolvedRedisOptions } from "./options.js";
import { FANOUT, JOIN, LEAVE, REJOIN, ROUTE } from "./scripts.js";
import { RedisCounters, type RedisAdapterStats } from "./stats.js";

/** The scripts as commands on a connection. */
interface Scripted {
  rtJoin(room: string, rooms: string, id: string, node: string, value: string, limit: number, name: string): Promise<unknown[]>;
  rtLeave(room: string, rooms: string, id: string, node: string, name: string, last: string): Promise<number>;
  rtRoute(room: string, to: string, message: string, channels: string): Promise<number>;
  rtFanout(room: string, message: string, channels: string, node: string): Promise<number>;
  rtRejoin(room: string, rooms: string, id: string, node: string, value: string, name: string): Promise<number>;
}

/**
 * Most leaves remembered while Redis is out of reach, to be carried out
 * (and announced to the other nodes) once it is back; past it the oldest
 * are dropped and logged, their members left to the lease sweep.
 */
export const OFFLINE_LEAVES = 10_000;

/**
 * A {@link RoomAdapter} that shares rooms between any number of signaling
 * nodes through Redis. Membership lives in one hash per room, each member
 * tagged with the node that holds it; a frame for a member on another node
 * is published on that node's channel alone (routed, not broadcast); each
 * node renews a lease, and the others sweep the members of a node whose
 * lease ran out, telling their peers they left. Members and frames on this
 * node never wait for Redis.
 *
 * @example
 * ```ts
 * const adapter = await RedisRoomAdapter.connect({ redis: process.env.REDIS_URL });
 * new SignalingServer({ server, adapter, secret: process.env.SIGNALING_SECRET });
 * ```
 */
export class RedisRoomAdapter implements RoomAdapter {
  readonly #options: ResolvedRedisOptions;
  #roomsKeyText: string | undefined;
  #channelPrefixText: string | undefined;
  readonly #redis: Redis & Scripted;
  readonly #sub: Redis;
  readonly #lease: Lease;
  readonly #local = new Map<string, Map<string, RoomMember>>();
  readonly #counters = new RedisCounters();
  #offlineLeaves: Array<{ room: string; id: string }> = [];
  /** Signals handed to Redis and not yet answered; bounded by `maxPending`. */
  #pending = 0;
  #host: AdapterHost | undefined;
  #closed: Promise<void> | undefined;

  /**
   * Connects both connections, registers this node and resolves once it can serve.
   * @throws RangeError or TypeError (as a rejection) on a bad option
   * (`lease`, `maxPending`, `prefix`, `nodeId`); the connection's error
   * when Redis cannot be reached (both connections are closed first).
   */
  static async connect(options: RedisRoomAdapterOptions = {}): Promise<RedisRoomAdapter> {
    const adapter = new RedisRoomAdapter(resolveRedisOptions(options));
    try {
      await adapter.#start();
    } catch (error) {
      await adapter.close();
      throw error;
    }
    return adapter;
  }

  private constructor(options: ResolvedRedisOptions) {
    this.#options = options;
    this.#redis = openRedis(options) as Redis & Scripted;
    this.#sub = openRedis(options);
    this.#redis.defineCommand("rtJoin", { numberOfKeys: 2, lua: JOIN });
    this.#redis.defineCommand("rtLeave", { numberOfKeys: 2, lua: LEAVE });
    this.#redis.defineCommand("rtRoute", { numberOfKeys: 1, lua: ROUTE });
    this.#redis.defineCommand("rtFanout", { numberOfKeys: 1, lua: FANOUT });
    this.#redis.defineCommand("rtRejoin", { numberOfKeys: 2, lua: REJOIN });
    this.#lease = new Lease(this.#redis, options, this.#counters, {
      lost: () => this.#reseat(),
      renewed: () => this.#flushLeaves(),
      error: (error) => this.#host?.error(error),
    });
  }

  /** This node's id in Redis. */
  get nodeId(): string {
    return this.#options.nodeId;
  }

  /** What this adapter has done since it started: messages in and out by kind, outages, sweeps. */
  stats(): RedisAdapterStats {
    return this.#counters.snapshot(this.#local);
  }

  attach(host: AdapterHost): void {
    this.#host = host;
  }

  async join(room: string, member: RoomMember, limit: number): Promise<JoinResult> {
    const { nodeId } = this.#options;
    // Local before Redis answers: a frame routed here the moment the
    // script has run finds the member (the server holds it until seated).
    const members = this.#members(room);
    const replaced = members.get(member.id);
    members.set(member.id, member);
    let reply: unknown[];
    try {
      reply = await this.#redis.rtJoin(this.#key(room), this.#roomsKey(), member.id, nodeId, value(nodeId, member.metadata), limit, room);
    } catch (error) {
      this.#unset(room, member.id, member, replaced);
      throw error;
    }
    if (reply[0] === 0) {
      this.#unset(room, member.id, member, replaced);
      return { full: true };
    }
    const previous = String(reply[1]);
    if (previous !== "" && previous !== nodeId) {
      // Restored here while another node still held it: that one lets go.
      this.#publish(previous, { t: "moved", r: room, id: member.id });
    }
    return { full: false, peers: peers(reply.slice(2) as string[]) };
  }

  async members(room: string): Promise<PeerInfo[]> {
    const all = await this.#redis.hgetall(this.#key(room));
    return peers(Object.entries(all).flat());
  }

  async leave(room: string, memberId: string): Promise<void> {
    const members = this.#local.get(room);
    if (members?.delete(memberId) && members.size === 0) this.#local.delete(room);
    const last = this.#local.has(room) ? "0" : "1";
    try {
      await this.#redis.rtLeave(this.#key(room), this.#roomsKey(), memberId, this.#options.nodeId, room, last);
    } catch (error) {
      this.#rememberLeave(room, memberId, error);
    }
  }

  sendTo(room: string, to: string, frame: string, from: string): boolean | Promise<boolean> {
    const member = this.#local.get(room)?.get(to);
    if (member) return member.send(frame);
    if (this.#pending >= this.#options.maxPending) {
      this.#counters.refused++;
      return Promise.reject(new Error(`${this.#pending} signals already wait for Redis`));
    }
    this.#counters.sent.to++;
    this.#pending++;
    const message = encodeMessage({ t: "to", r: room, to, from, o: this.#options.nodeId, f: frame });
    return this.#redis.rtRoute(this.#key(room), to, message, this.#channelPrefix()).then(
      (routed) => {
        this.#pending--;
        return routed === 1;
      },
      (error: unknown) => {
        this.#pending--;
        throw error;
      },
    );
  }

  async broadcast(room: string, frame: string, except?: string): Promise<void> {
    this.#deliverAll(room, frame, except);
    this.#counters.sent.all++;
    try {
      await this.#fanout(room, { t: "all", r: room, x: except, f: frame });
    } catch (error) {
      // The lease and the resync tell the story once Redis is back; the
      // outage itself is reported once, by the connection's events.
      this.#counters.failedBroadcasts++;
      this.#options.logger.debug({ err: error, room }, "broadcast to other nodes failed");
    }
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#lease.stop();
      const empty = this.#local.size === 0;
      this.#local.clear();
      // Presence is left to expire: clients of this node restore their
      // seats on others within the lease, and the rest are swept. A node
      // that holds nobody leaves nothing behind.
      if (empty && this.#redis.status === "ready") await this.#lease.release();
      await Promise.all([quit(this.#redis), quit(this.#sub)]);
    })();
    return this.#closed;
  }

  async #start(): Promise<void> {
    await Promise.all([ready(this.#redis), ready(this.#sub)]);
    this.#sub.on("message", (_channel: string, text: string) => this.#receive(text));
    await this.#sub.subscribe(this.#channelPrefix() + this.#options.nodeId);
    for (const connection of [this.#redis, this.#sub]) this.#watch(connection);
    await this.#lease.start();
  }

  /** Logs and counts an outage once, and its end; ioredis reconnects by itself. */
  #watch(connection: Redis): void {
    const { logger, nodeId } = this.#options;
    let down = false;
    const lost = (error?: Error) => {
      if (down || this.#closed) return;
      down = true;
      this.#counters.outages++;
      logger.warn({ err: error, node: nodeId }, "Redis out of reach; rooms on this node carry on");
      this.#host?.error(error ?? new Error("the connection to Redis closed"));
    };
    connection.on("error", lost);
    connection.on("close", () => lost());
    connection.on("ready", () => {
      if (!down) return;
      down = false;
      logger.warn({ node: nodeId }, "Redis reachable again");
      if (connection !== this.#redis) return;
      this.#lease.renew().then(
        (leaseLost) => (leaseLost ? this.#reseat() : undefined),
        (error: unknown) => this.#host?.error(error),
      );
    });
  }

  #receive(text: string): void {
    const message = parseMessage(text);
    if (!message) {
      this.#options.logger.warn({ text: text.slice(0, 200) }, "unreadable message on the node's channel");
      return;
    }
    this.#counters.received[message.t]++;
    switch (message.t) {
      case "to": {
        const member = this.#local.get(message.r)?.get(message.to);
        if (member?.send(message.f)) return;
        if (message.o === this.#options.nodeId) this.#host?.undeliverable(message.r, message.from, message.to);
        else this.#publish(message.o, { t: "nack", r: message.r, from: message.from, to: message.to });
        return;
      }
      case "all":
        this.#deliverAll(message.r, message.f, message.x);
        return;
      case "lost":
        this.#host?.lost(message.r, message.id);
        return;
      case "moved": {
        const members = this.#local.get(message.r);
        if (members?.delete(message.id) && members.size === 0) this.#local.delete(message.r);
        this.#host?.moved(message.r, message.id);
        return;
      }
      case "nack":
        this.#host?.undeliverable(message.r, message.from, message.to);
        return;
    }
  }

  /**
   * After Redis lost this node's lease (it restarted empty, or an outage
   * outlasted the lease and the others swept this node): seats every local
   * member again, announcing those Redis had lost with `UserConnected`
   * (peers that still know them ignore it). A member another node holds
   * now (its client restored its seat there meanwhile) ends here.
   */
  async #reseat(): Promise<void> {
    const { nodeId } = this.#options;
    this.#counters.resyncs++;
    let announced = 0;
    // Copies: members come and go (or move away) while this awaits.
    for (const [room, members] of Array.from(this.#local)) {
      for (const member of Array.from(members.values())) {
        const state = await this.#redis.rtRejoin(this.#key(room), this.#roomsKey(), member.id, nodeId, value(nodeId, member.metadata), room);
        if (state === 2) this.#receive(encodeMessage({ t: "moved", r: room, id: member.id }));
        if (state !== 1) continue;
        announced++;
        const frame = JSON.stringify({ event: SignalingEvents.UserConnected, id: member.id, metadata: member.metadata });
        await this.#fanout(room, { t: "all", r: room, x: member.id, f: frame });
      }
    }
    this.#options.logger.warn({ node: nodeId, announced }, "members seated again in Redis");
  }

  /**
   * Carries out the leaves that failed while Redis was out of reach and
   * tells the other nodes. Run at a renewal, not at once on reconnection:
   * by then the other nodes have seated their members again, so the room's
   * hash names the nodes to tell.
   */
  async #flushLeaves(): Promise<void> {
    const { nodeId } = this.#options;
    while (this.#offlineLeaves.length > 0) {
      const { room, id } = this.#offlineLeaves[0] as { room: string; id: string };
      await this.#redis.rtLeave(this.#key(room), this.#roomsKey(), id, nodeId, room, this.#local.has(room) ? "0" : "1");
      await this.#fanout(room, { t: "all", r: room, f: JSON.stringify({ event: SignalingEvents.UserDisconnected, id }) });
      // Only once both went through: a failure leaves it for the next renewal.
      this.#offlineLeaves.shift();
    }
  }

  #fanout(room: string, message: NodeMessage): Promise<number> {
    return this.#redis.rtFanout(this.#key(room), encodeMessage(message), this.#channelPrefix(), this.#options.nodeId);
  }

  #rememberLeave(room: string, id: string, error: unknown): void {
    this.#offlineLeaves.push({ room, id });
    if (this.#offlineLeaves.length > OFFLINE_LEAVES) {
      const dropped = this.#offlineLeaves.shift();
      this.#options.logger.warn({ dropped }, "too many leaves while Redis is out of reach; the oldest is left to the lease sweep");
    }
    this.#options.logger.debug({ err: error, room, id }, "leave deferred until Redis is back");
  }

  #deliverAll(room: string, frame: string, except: string | undefined): void {
    const members = this.#local.get(room);
    if (!members) return;
    for (const [id, member] of members) {
      if (id !== except) member.send(frame);
    }
  }

  #publish(node: string, message: NodeMessage): void {
    this.#counters.sent[message.t]++;
    this.#redis.publish(this.#channelPrefix() + node, encodeMessage(message)).catch((error: unknown) => {
      this.#options.logger.debug({ err: error, node, kind: message.t }, "message to another node not sent");
    });
  }

  #members(room: string): Map<string, RoomMember> {
    let members = this.#local.get(room);
    if (!members) {
      members = new Map();
      this.#local.set(room, members);
    }
    return members;
  }

  /** Undoes the local half of a join that did not happen. */
  #unset(room: string, id: string, member: RoomMember, replaced: RoomMember | undefined): void {
    const members = this.#local.get(room);
    if (members?.get(id) !== member) return;
    if (replaced) members.set(id, replaced);
    else members.delete(id);
    if (members.size === 0) this.#local.delete(room);
  }

  #key(room: string): string {
    return `${this.#options.prefix}room:${room}`;
  }

  /** This node's list of rooms; the same string every time, built once. */
  #roomsKey(): string {
    return (this.#roomsKeyText ??= `${this.#options.prefix}rooms:${this.#options.nodeId}`);
  }

  /** The prefix of every node's channel; built once, for it is on the path of every frame for another node. */
  #channelPrefix(): string {
    return (this.#channelPrefixText ??= `${this.#options.prefix}node:`);
  }
}

/** A member's hash value: its node, a space, its metadata as JSON (`null` for none). */
function value(node: string, metadata: PeerMetadata | undefined): string {
  return `${node} ${JSON.stringify(metadata ?? null)}`;
}

/** Members from a flat `[id, value, id, value…]` list. */
function peers(flat: string[]): PeerInfo[] {
  const out: PeerInfo[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const id = flat[i] as string;
    const raw = flat[i + 1] as string;
    const metadata = JSON.parse(raw.slice(raw.indexOf(" ") + 1)) as PeerMetadata | null;
    out.push(metadata === null ? { id } : { id, metadata });
  }
  return out;
}

function ready(connection: Redis): Promise<void> {
  if (connection.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onReady = () => {
      connection.off("error", onError);
      resolve();
    };
    const onError = (error: Error) => {
      connection.off("ready", onReady);
      reject(error);
    };
    connection.once("ready", onReady);
    connection.once("error", onError);
  });
}

async function quit(connection: Redis): Promise<void> {
  if (connection.status === "end") return;
  if (connection.status !== "ready") {
    connection.disconnect();
    return;
  }
  await connection.quit();
}
