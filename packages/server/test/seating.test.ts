import { PROTOCOL_VERSION, type PeerInfo } from "@raycaster/realtime-protocol";
import { RawClient } from "@raycaster/realtime-test-harness";
import { describe, expect, it } from "vitest";
import { MemoryRoomAdapter, type AdapterHost, type JoinResult, type RoomMember, type SignalingServerOptions } from "../src/index.js";
import { TokenSigner } from "../src/token.js";
import { connect, dropIntoGrace, events, join, settled, startServer, type Client } from "./harness.js";

const secret = "a secret of at least thirty-two characters";

/** A promise and the function that settles it, for an adapter answer the test lets go of. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/**
 * The memory adapter, whose `join` and `members` can be held until the test
 * lets them go, or made to fail once; it keeps the host it is attached to,
 * so that the test can speak for it as a distributed adapter would.
 */
class HeldAdapter extends MemoryRoomAdapter {
  host!: AdapterHost;
  joins: Promise<void> | undefined;
  memberLists: Promise<void> | undefined;
  failJoin: Error | undefined;
  failMembers: Error | undefined;
  attach(host: AdapterHost): void {
    this.host = host;
  }
  // @ts-expect-error: the seam allows a promise where the memory adapter answers at once.
  join(room: string, member: RoomMember, limit: number): JoinResult | Promise<JoinResult> {
    const failure = this.failJoin;
    this.failJoin = undefined;
    if (failure) return Promise.reject(failure);
    return this.joins ? this.joins.then(() => super.join(room, member, limit)) : super.join(room, member, limit);
  }
  // @ts-expect-error: as above
  members(room: string): PeerInfo[] | Promise<PeerInfo[]> {
    const failure = this.failMembers;
    this.failMembers = undefined;
    if (failure) return Promise.reject(failure);
    return this.memberLists ? this.memberLists.then(() => super.members(room)) : super.members(room);
  }
}

/** Sends `Join` with `token` and waits until the server has handled it (its answer may still be pending). */
async function sendJoin(client: Client, room: string, token?: string) {
  client.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room, token });
  await settled(client);
}

/** A token for seat `id` of `room`, signed with `secret` by another server instance (another boot). */
const foreignToken = (id: string, room: string) => new TokenSigner(Buffer.from(secret)).sign(id, room, Date.now() + 60_000);

/**
 * Alice and Bob seated in room "r", and a third socket resuming Bob's seat
 * with his token while the adapter holds its list of the room; `release`
 * lets the adapter answer.
 */
async function resumeWhileHeld() {
  const adapter = new HeldAdapter();
  const { url, signaling } = await startServer({ adapter });
  const alice = await join(url, "r");
  const bob = await join(url, "r");
  const held = gate();
  adapter.memberLists = held.opened;
  const client = await connect(url);
  await sendJoin(client, "r", bob.init.token);
  const release = () => {
    adapter.memberLists = undefined;
    held.open();
  };
  return { url, signaling, alice, bob, client, release };
}

/**
 * Two sockets restoring one seat with the same token (signed before a
 * restart), one after the other, while the adapter holds the first one's
 * seating; `release` lets the adapter answer.
 */
async function restoreTwiceWhileHeld(hooks?: SignalingServerOptions["hooks"]) {
  const adapter = new HeldAdapter();
  const { url, signaling } = await startServer({ secret, adapter, hooks });
  const held = gate();
  adapter.joins = held.opened;
  const token = foreignToken("restored-id", "r");
  const [first, second] = await Promise.all([connect(url), connect(url)]);
  await sendJoin(first, "r", token);
  await sendJoin(second, "r", token);
  const release = () => {
    adapter.joins = undefined;
    held.open();
  };
  return { signaling, adapter, first, second, token, release };
}

describe("a second socket with the same token", () => {
  it("waits while the first restores the seat with the adapter, then takes it over: one seat, the first socket closed with 4003", async () => {
    const { signaling, adapter, first, second, token, release } = await restoreTwiceWhileHeld();
    // Both waiting, not seated: a second Join is refused as one already under way, a signal as before Join.
    first.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "r", token });
    expect(await first.next("Error")).toMatchObject({ code: "ALREADY_JOINED", message: "a Join is already being handled" });
    second.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "r", token });
    expect(await second.next("Error")).toMatchObject({ code: "ALREADY_JOINED", message: "a Join is already being handled" });
    second.sendJson({ event: "SendOffer", to: "restored-id", sdp: "v=0" });
    expect(await second.next("Error")).toMatchObject({ code: "NOT_JOINED" });

    release();
    expect(await first.next("Initialize")).toMatchObject({ id: "restored-id", resumed: true });
    expect(await second.next("Initialize")).toMatchObject({ id: "restored-id", resumed: true, peers: [] });
    expect(await first.closed()).toMatchObject({ code: 4003 });
    await expect.poll(() => signaling.stats().connections).toBe(1);
    expect(signaling.stats()).toMatchObject({ seats: 1, seatsRestored: 1, seatsResumed: 1 });
    expect(adapter.members("r")).toEqual([{ id: "restored-id" }]);
  });

  it("waits while the first resumes the seat, then takes it over from the first", async () => {
    const adapter = new HeldAdapter();
    const { url, signaling } = await startServer({ adapter });
    const alice = await join(url, "r");
    const bob = await join(url, "r");
    await dropIntoGrace(signaling, bob.client);

    const held = gate();
    adapter.memberLists = held.opened;
    const [first, second] = await Promise.all([connect(url), connect(url)]);
    await sendJoin(first, "r", bob.init.token);
    await sendJoin(second, "r", bob.init.token);
    adapter.memberLists = undefined;
    held.open();
    expect(await first.next("Initialize")).toMatchObject({ id: bob.init.id, resumed: true, peers: [{ id: alice.init.id }] });
    expect(await second.next("Initialize")).toMatchObject({ id: bob.init.id, resumed: true, peers: [{ id: alice.init.id }] });
    expect(await first.closed()).toMatchObject({ code: 4003, reason: "seat taken over by a newer connection" });
    await expect.poll(() => signaling.stats().connections).toBe(2);
    expect(signaling.stats()).toMatchObject({ seats: 2, seatsInGrace: 0, seatsResumed: 2, seatsRestored: 0 });
    await settled(alice.client);
    expect(events(alice.client)).toEqual(["Initialize", "UserConnected", "Pong"]);
  });

  it("waiting after another socket's join hook, is told a Join is already being handled", async () => {
    const decide = gate();
    const { first, second, token, release } = await restoreTwiceWhileHeld({ join: () => decide.opened.then(() => true) });
    // Both hooks answer: the first restores with the adapter, the second waits for it.
    decide.open();
    await Promise.all([settled(first), settled(second)]);
    second.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "r", token });
    expect(await second.next("Error")).toMatchObject({ code: "ALREADY_JOINED", message: "a Join is already being handled" });
    release();
    expect(await second.next("Initialize")).toMatchObject({ id: "restored-id", resumed: true });
    expect(await first.closed()).toMatchObject({ code: 4003 });
  });

  it("that waited for a resume which found the seat gone is told SEAT_GONE, and may join afresh", async () => {
    const { url, bob, alice, client, release } = await resumeWhileHeld();
    const second = await connect(url);
    await sendJoin(second, "r", bob.init.token);
    bob.client.socket.close(1000);
    await alice.client.next("UserDisconnected");
    release();
    expect(await client.next("Error")).toMatchObject({ code: "SEAT_GONE" });
    expect(await second.next("Error")).toMatchObject({ code: "SEAT_GONE" });
    expect(await second.join({ protocol: PROTOCOL_VERSION, room: "r" })).toMatchObject({ resumed: false, peers: [{ id: alice.init.id }] });
  });

  it("that went while it waited is not seated", async () => {
    const { signaling, first, second, release } = await restoreTwiceWhileHeld();
    second.socket.terminate();
    await expect.poll(() => signaling.stats().connections).toBe(1);

    release();
    expect(await first.next("Initialize")).toMatchObject({ id: "restored-id", resumed: true });
    await settled(first);
    expect(events(first)).toEqual(["Pong", "Initialize", "Pong"]);
    expect(signaling.stats()).toMatchObject({ connections: 1, seats: 1, seatsRestored: 1, seatsResumed: 0 });
  });
});

describe("a token whose seat is elsewhere", () => {
  it("refuses a genuine token for a live seat presented for another room: INVALID_TOKEN, the seat untouched", async () => {
    const { url, signaling } = await startServer({ secret });
    const bob = await join(url, "r");
    const client = await connect(url);
    client.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "other", token: foreignToken(bob.init.id, "other") });
    expect(await client.next("Error")).toMatchObject({ code: "INVALID_TOKEN", message: "the token's seat is in another room" });
    expect(signaling.stats()).toMatchObject({ connections: 2, seats: 1, rooms: 1, seatsRestored: 0, seatsResumed: 0 });
    await settled(bob.client);
    expect(events(bob.client)).toEqual(["Initialize", "Pong"]);
  });

  it("refuses a restore for another room once the join hook answers, if the seat was restored in its room meanwhile", async () => {
    const decide = gate();
    const { url, signaling } = await startServer({ secret, hooks: { join: (_, room) => (room === "other" ? decide.opened.then(() => true) : true) } });
    const late = await connect(url);
    await sendJoin(late, "other", foreignToken("restored-id", "other"));
    const first = await join(url, "r", foreignToken("restored-id", "r"));
    expect(first.init).toMatchObject({ id: "restored-id", resumed: true });

    decide.open();
    expect(await late.next("Error")).toMatchObject({ code: "INVALID_TOKEN", message: "the token's seat is in another room" });
    expect(signaling.stats()).toMatchObject({ seats: 1, rooms: 1, seatsRestored: 1 });
    // Still open, and no Join under way: a Join without a token seats it.
    expect(await late.join({ protocol: PROTOCOL_VERSION, room: "r" })).toMatchObject({ resumed: false, peers: [{ id: "restored-id" }] });
  });
});

describe("an adapter that fails or answers late", () => {
  it("tells a Join INTERNAL_ERROR when the adapter fails to seat it, leaves nobody in the room, and a retry seats", async () => {
    const adapter = new HeldAdapter();
    const errors: unknown[] = [];
    const { url, signaling } = await startServer({ secret, adapter, onError: (error) => errors.push(error) });
    const failure = new Error("the store is out of reach");
    adapter.failJoin = failure;
    const token = foreignToken("restored-id", "r");
    const client = await connect(url);
    client.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "r", token });
    expect(await client.next("Error")).toMatchObject({ code: "INTERNAL_ERROR", message: "the server failed to seat you; try again" });
    expect(errors).toEqual([failure]);
    expect(adapter.members("r")).toEqual([]);
    expect(signaling.stats()).toMatchObject({ seats: 0, rooms: 0 });

    // Nothing left pending: the same socket and token seat now.
    client.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "r", token });
    expect(await client.next("Initialize")).toMatchObject({ id: "restored-id", resumed: true });
    expect(signaling.stats()).toMatchObject({ seats: 1, seatsRestored: 1 });
  });

  it("tells a resume INTERNAL_ERROR when the adapter fails to list the room, and a retry resumes", async () => {
    const adapter = new HeldAdapter();
    const errors: unknown[] = [];
    const { url, signaling } = await startServer({ adapter, onError: (error) => errors.push(error) });
    const bob = await join(url, "r");
    await dropIntoGrace(signaling, bob.client);

    const failure = new Error("the store is out of reach");
    adapter.failMembers = failure;
    const client = await connect(url);
    client.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "r", token: bob.init.token });
    expect(await client.next("Error")).toMatchObject({ code: "INTERNAL_ERROR", message: "the server failed to resume your seat; try again" });
    expect(errors).toEqual([failure]);
    expect(signaling.stats()).toMatchObject({ seats: 1, seatsInGrace: 1, seatsResumed: 0 });

    client.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "r", token: bob.init.token });
    expect(await client.next("Initialize")).toMatchObject({ id: bob.init.id, resumed: true });
    expect(signaling.stats()).toMatchObject({ seats: 1, seatsInGrace: 0, seatsResumed: 1 });
  });

  it("answers SEAT_GONE when the seat ends while the adapter lists its room", async () => {
    const { signaling, alice, bob, client, release } = await resumeWhileHeld();
    // Bob leaves for good while the resume waits.
    bob.client.socket.close(1000);
    expect(await alice.client.next("UserDisconnected")).toEqual({ event: "UserDisconnected", id: bob.init.id });

    release();
    expect(await client.next("Error")).toMatchObject({ code: "SEAT_GONE", message: "the seat ended while it was being resumed; join without a token" });
    expect(signaling.stats()).toMatchObject({ seats: 1, seatsResumed: 0 });
    // Still open, and no Join under way: a Join without a token seats it.
    expect(await client.join({ protocol: PROTOCOL_VERSION, room: "r" })).toMatchObject({ resumed: false, peers: [{ id: alice.init.id }] });
  });

  it("leaves the seat with its socket when the resuming socket goes while the adapter lists the room", async () => {
    const { signaling, alice, bob, client, release } = await resumeWhileHeld();
    client.socket.terminate();
    await expect.poll(() => signaling.stats().connections).toBe(2);

    release();
    // Bob keeps his seat and his socket.
    alice.client.sendJson({ event: "SendOffer", to: bob.init.id, sdp: "v=0" });
    expect(await bob.client.next("ReceiveOffer")).toMatchObject({ from: alice.init.id });
    expect(bob.client.socket.readyState).toBe(bob.client.socket.OPEN);
    expect(signaling.stats()).toMatchObject({ connections: 2, seats: 2, seatsResumed: 0 });
  });

  it("ends a seat the adapter took after its socket went", async () => {
    const adapter = new HeldAdapter();
    const { url, signaling } = await startServer({ adapter });
    const alice = await join(url, "r");
    const held = gate();
    adapter.joins = held.opened;
    const client = await connect(url);
    await sendJoin(client, "r");
    client.socket.terminate();
    await expect.poll(() => signaling.stats().connections).toBe(1);

    adapter.joins = undefined;
    held.open();
    // Seated by the adapter, then ended: the room is told it left.
    await alice.client.next("UserDisconnected");
    expect(adapter.members("r")).toEqual([{ id: alice.init.id }]);
    expect(signaling.stats()).toMatchObject({ seats: 1, seatsInGrace: 0 });
  });
});

describe("what the adapter tells the server", () => {
  it("lost: tells the room's other members here, and nobody elsewhere", async () => {
    const adapter = new HeldAdapter();
    const { url } = await startServer({ adapter });
    const alice = await join(url, "r");
    const bob = await join(url, "r");
    await alice.client.next("UserConnected");
    const carol = await join(url, "s");

    adapter.host.lost("r", "remote-id");
    expect(await alice.client.next("UserDisconnected")).toEqual({ event: "UserDisconnected", id: "remote-id" });
    expect(await bob.client.next("UserDisconnected")).toEqual({ event: "UserDisconnected", id: "remote-id" });
    // A member is not told of its own loss.
    adapter.host.lost("r", alice.init.id);
    expect(await bob.client.next("UserDisconnected")).toEqual({ event: "UserDisconnected", id: alice.init.id });
    await Promise.all([settled(alice.client), settled(carol.client)]);
    expect(events(alice.client)).toEqual(["Initialize", "UserConnected", "UserDisconnected", "Pong"]);
    expect(events(carol.client)).toEqual(["Initialize", "Pong"]);
  });

  it("moved: ends the seat here unannounced and closes its socket with 4003; a seat of another room is left alone", async () => {
    const adapter = new HeldAdapter();
    const { url, signaling } = await startServer({ adapter });
    const alice = await join(url, "r");
    const bob = await join(url, "r");
    await alice.client.next("UserConnected");

    adapter.host.moved("s", bob.init.id);
    expect(() => adapter.host.moved("r", "nobody")).not.toThrow();
    await settled(bob.client);
    expect(signaling.stats()).toMatchObject({ seats: 2 });

    adapter.host.moved("r", bob.init.id);
    expect(await bob.client.closed()).toEqual({ code: 4003, reason: "seat taken over on another node" });
    expect(signaling.stats()).toMatchObject({ seats: 1 });
    await settled(alice.client);
    expect(events(alice.client)).toEqual(["Initialize", "UserConnected", "Pong"]);
  });

  it("moved: a seat in grace ends and gives its place back", async () => {
    const adapter = new HeldAdapter();
    const { url, signaling } = await startServer({ adapter, maxConnectionsPerIp: 2 });
    const alice = await join(url, "r");
    const bob = await join(url, "r");
    await dropIntoGrace(signaling, bob.client);

    adapter.host.moved("r", bob.init.id);
    expect(signaling.stats()).toMatchObject({ seats: 1, seatsInGrace: 0 });
    // Bob's place is free again: a second socket from this address gets in
    // (the adapter, which says he moved, lists him still).
    const carol = await join(url, "r");
    expect(carol.init.peers).toEqual([{ id: alice.init.id }, { id: bob.init.id }]);
  });

  it("undeliverable: tells the sender PEER_NOT_FOUND only if it is seated in that room", async () => {
    const adapter = new HeldAdapter();
    const { url } = await startServer({ adapter });
    const alice = await join(url, "r");
    adapter.host.undeliverable("s", alice.init.id, "ghost");
    adapter.host.undeliverable("r", "nobody", "ghost");
    adapter.host.undeliverable("r", alice.init.id, "ghost");
    expect(await alice.client.next("Error")).toMatchObject({ code: "PEER_NOT_FOUND", peer: "ghost", message: 'no peer "ghost" in room "r"' });
    await settled(alice.client);
    expect(events(alice.client)).toEqual(["Initialize", "Error", "Pong"]);
  });

  it("error: passed to onError", async () => {
    const adapter = new HeldAdapter();
    const errors: unknown[] = [];
    await startServer({ adapter, onError: (error) => errors.push(error) });
    const failure = new Error("lost the store");
    adapter.host.error(failure);
    expect(errors).toEqual([failure]);
  });

  it("a leave that throws goes to onError, and the seat still ends", async () => {
    const failure = new Error("the store is out of reach");
    class ThrowingLeave extends MemoryRoomAdapter {
      override leave(room: string, id: string): void {
        super.leave(room, id);
        throw failure;
      }
    }
    const errors: unknown[] = [];
    const { url, signaling } = await startServer({ adapter: new ThrowingLeave(), onError: (error) => errors.push(error) });
    await join(url, "r");
    const bob = await join(url, "r");
    bob.client.socket.close(1000);
    await expect.poll(() => signaling.stats().seats).toBe(1);
    expect(errors).toEqual([failure]);
  });
});

describe("the place a seat holds", () => {
  it("a resumed seat gives back the place it held in grace: the new socket holds its own", async () => {
    const { url, signaling } = await startServer({ maxConnectionsPerIp: 3 });
    const alice = await join(url, "r");
    const bob = await join(url, "r");
    await dropIntoGrace(signaling, bob.client);
    // Alice, Bob's seat in grace and the resuming socket: three places.
    await join(url, "r", bob.init.token);
    // Two now: a third socket gets in, a fourth does not.
    const carol = await join(url, "r");
    expect(carol.init.peers).toHaveLength(2);
    expect(alice.client.socket.readyState).toBe(alice.client.socket.OPEN);
    expect(await RawClient.refused(url)).toMatchObject({ status: 429 });
  });

  it("with seatGrace 0, a dropped socket's seat ends at once", async () => {
    const { url, signaling } = await startServer({ seatGrace: 0 });
    const alice = await join(url, "r");
    const bob = await join(url, "r");
    expect(bob.init.grace).toBe(0);
    bob.client.socket.terminate();
    expect(await alice.client.next("UserConnected")).toMatchObject({ id: bob.init.id });
    expect(await alice.client.next("UserDisconnected")).toEqual({ event: "UserDisconnected", id: bob.init.id });
    // Ended, not expired: no grace was started.
    expect(signaling.stats()).toMatchObject({ seats: 1, seatsInGrace: 0, seatsExpired: 0 });
  });
});

describe("the join hook's answer", () => {
  it("admits on no answer at all (undefined), as without a hook", async () => {
    const { url } = await startServer({ hooks: { join: () => undefined } });
    const alice = await join(url, "r");
    expect(alice.init).toMatchObject({ room: "r", resumed: false });
  });

  it.each([
    ["rejects", () => Promise.reject(new Error("the directory is down"))],
    [
      "throws",
      () => {
        throw new Error("the directory is down");
      },
    ],
  ])("a hook that %s refuses with JOIN_REFUSED, closes with 4004 and goes to onError", async (_, hook) => {
    const errors: unknown[] = [];
    const { url, signaling } = await startServer({ hooks: { join: hook as () => PromiseLike<boolean> }, onError: (error) => errors.push(error) });
    const client = await connect(url);
    client.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "r" });
    expect(await client.next("Error")).toMatchObject({ code: "JOIN_REFUSED", message: 'not allowed in room "r"' });
    expect(await client.closed()).toEqual({ code: 4004, reason: "join refused" });
    expect(errors).toEqual([new Error("the directory is down")]);
    expect(signaling.stats()).toMatchObject({ seats: 0 });
  });

  it("a socket that closed while the hook thought is never seated: the room hears nothing", async () => {
    const decide = gate();
    // The second Join waits for the test; the others are let in at once.
    let calls = 0;
    const { url, signaling } = await startServer({ hooks: { join: () => calls++ !== 1 || decide.opened.then(() => true) } });
    const alice = await join(url, "r");
    const client = await connect(url);
    await sendJoin(client, "r");
    client.socket.terminate();
    await expect.poll(() => signaling.stats().connections).toBe(1);
    decide.open();
    const bob = await join(url, "r");
    expect(await alice.client.next("UserConnected")).toMatchObject({ id: bob.init.id });
    expect(events(alice.client)).toEqual(["Initialize", "UserConnected"]);
    expect(signaling.stats()).toMatchObject({ seats: 2, rooms: 1 });
  });
});

describe("a Join answered at once", () => {
  it.each([
    ["without a join hook", {}],
    ["with a join hook that answers at once", { hooks: { join: () => true } }],
  ])("%s seats before the next frame is handled", async (_, options) => {
    const { url } = await startServer(options);
    const client = await connect(url);
    // One write: both frames reach the server together.
    const raw = (client.socket as unknown as { _socket: import("node:net").Socket })._socket;
    raw.cork();
    client.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "r" });
    client.sendJson({ event: "SendOffer", to: "ghost", sdp: "v=0" });
    raw.uncork();
    await client.next("Initialize");
    // Seated already: the offer is for nobody in the room, not from a peer that has not joined.
    expect(await client.next("Error")).toMatchObject({ code: "PEER_NOT_FOUND", peer: "ghost" });
  });
});

describe("seats that end", () => {
  it("refuses a token of a seat that left with SEAT_GONE, saying why", async () => {
    const { url } = await startServer();
    const bob = await join(url, "r");
    bob.client.socket.close(1000);
    await bob.client.closed();
    const client = await connect(url);
    client.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "r", token: bob.init.token });
    expect(await client.next("Error")).toEqual({
      event: "Error",
      code: "SEAT_GONE",
      message: "the seat has ended (it left, or its grace period ran out); join without a token",
    });
  });

  it("ends a seat at once when the client closes without a code (1005)", async () => {
    const { url, signaling } = await startServer();
    const alice = await join(url, "r");
    const bob = await join(url, "r");
    await alice.client.next("UserConnected");
    bob.client.socket.close();
    expect(await alice.client.next("UserDisconnected")).toEqual({ event: "UserDisconnected", id: bob.init.id });
    expect(signaling.stats()).toMatchObject({ seats: 1, seatsInGrace: 0, seatsExpired: 0 });
  });

  it("counts a seat whose grace ran out as expired", async () => {
    const { url, signaling } = await startServer({ seatGrace: 100 });
    const alice = await join(url, "r");
    const bob = await join(url, "r");
    await alice.client.next("UserConnected");
    bob.client.socket.terminate();
    await alice.client.next("UserDisconnected");
    expect(signaling.stats()).toMatchObject({ seats: 1, seatsInGrace: 0, seatsExpired: 1 });
  });

  it("refuses a Join to a full room with ROOM_FULL, saying how full, and closes with 4002", async () => {
    const { url } = await startServer({ maxPeersPerRoom: 1 });
    await join(url, "r");
    const client = await connect(url);
    client.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "r" });
    expect(await client.next("Error")).toMatchObject({ code: "ROOM_FULL", message: 'room "r" already holds 1 peers' });
    expect(await client.closed()).toEqual({ code: 4002, reason: "room full" });
  });
});

/** The expiry a token claims (ms since the epoch). */
const expiryOf = (token: string) => (JSON.parse(Buffer.from(token.slice(0, token.indexOf(".")), "base64url").toString()) as { exp: number }).exp;

describe("the shared refresh timers", () => {
  it("skip a seat in grace and renew the others' tokens, never before half their life", async () => {
    const { url, signaling } = await startServer({ tokenTtl: 1000 });
    // Bob first: the timer meets his seat, in grace, before Alice's.
    const bob = await join(url, "r");
    const alice = await join(url, "r");
    await dropIntoGrace(signaling, bob.client);
    const { token } = await alice.client.next("Token");
    expect(expiryOf(token) - expiryOf(alice.init.token)).toBeGreaterThanOrEqual(500);
    const resumed = await join(url, "r", bob.init.token);
    expect(resumed.init).toMatchObject({ id: bob.init.id, resumed: true });
  });

  it("skip a seat in grace and renew the others' TURN credentials", async () => {
    const { url, signaling } = await startServer({ turn: { urls: ["turn:127.0.0.1:3478"], secret: "coturn's static-auth-secret", ttl: 2 } });
    const bob = await join(url, "r");
    const alice = await join(url, "r");
    await dropIntoGrace(signaling, bob.client);
    const renewed = await alice.client.next("IceServers");
    const [expiry, id] = (renewed.iceServers[0]?.username ?? "").split(":");
    expect(id).toBe(alice.init.id);
    // Renewed at half their life (1 s) or later: the expiry (Unix seconds) moved on.
    expect(Number(expiry)).toBeGreaterThan(Number(alice.init.iceServers?.[0]?.username?.split(":")[0]));
  });

  it("undeliverable for a seat in grace tells nobody and does not throw", async () => {
    const adapter = new HeldAdapter();
    const { url, signaling } = await startServer({ adapter });
    const bob = await join(url, "r");
    await dropIntoGrace(signaling, bob.client);
    expect(() => adapter.host.undeliverable("r", bob.init.id, "ghost")).not.toThrow();
  });
});
