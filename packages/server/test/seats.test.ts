import { describe, expect, it } from "vitest";
import { PROTOCOL_VERSION } from "@raycaster/realtime-protocol";
import { HOLD_LIMITS } from "../src/seat.js";
import { connect, events, join, refusedJoin, settled, startServer } from "./harness.js";

const candidate = (n: number) => ({ candidate: `candidate:${n} 1 UDP 1 127.0.0.1 ${5000 + n} typ host`, sdpMid: "0", sdpMLineIndex: 0 });

/** Alice and Bob seated in room "r"; Bob's socket then vanishes (no close frame), and his seat waits in grace. */
async function pairWithBobInGrace() {
  const { url, signaling } = await startServer();
  const alice = await join(url, "r");
  const bob = await join(url, "r");
  await alice.client.next("UserConnected");
  bob.client.socket.terminate();
  // The server has no event for "in grace": its stats say so.
  await expect.poll(() => signaling.stats().seatsInGrace).toBe(1);
  return { url, signaling, alice, bob };
}

describe("seats outlive their socket", () => {
  it("keeps a dropped seat through its grace: the resume has the same id and gets the held frames in order", async () => {
    const { url, signaling, alice, bob } = await pairWithBobInGrace();
    expect(signaling.stats()).toMatchObject({ connections: 1, seats: 2, seatsInGrace: 1, rooms: 1 });

    const to = bob.init.id;
    alice.client.sendJson({ event: "SendOffer", to, sdp: "v=0 restart" });
    alice.client.sendJson({ event: "SendCandidate", to, candidate: candidate(1) });
    alice.client.sendJson({ event: "SendCandidate", to, candidate: null });
    await settled(alice.client);
    // Held, not refused: no PEER_NOT_FOUND.
    expect(events(alice.client)).toEqual(["Initialize", "UserConnected", "Pong"]);

    const resumed = await join(url, "r", bob.init.token);
    expect(resumed.init).toMatchObject({ id: to, room: "r", peers: [{ id: alice.init.id }], resumed: true, grace: 20_000 });
    expect(resumed.init.token).not.toBe(bob.init.token);
    await resumed.client.next("ReceiveCandidate");
    await resumed.client.next("ReceiveCandidate");
    expect(resumed.client.received.slice(1)).toEqual([
      { event: "ReceiveOffer", from: alice.init.id, sdp: "v=0 restart" },
      { event: "ReceiveCandidate", from: alice.init.id, candidate: candidate(1) },
      { event: "ReceiveCandidate", from: alice.init.id, candidate: null },
    ]);
    expect(signaling.stats()).toMatchObject({ connections: 2, seats: 2, seatsInGrace: 0, rooms: 1 });

    // The resumed seat relays as before, and alice never saw it leave or come again.
    resumed.client.sendJson({ event: "SendAnswer", to: alice.init.id, sdp: "v=0 answer" });
    expect(await alice.client.next("ReceiveAnswer")).toMatchObject({ from: to });
    expect(events(alice.client)).toEqual(["Initialize", "UserConnected", "Pong", "ReceiveAnswer"]);
  });

  it("announces a seat whose grace ran out exactly once, and refuses its token with SEAT_GONE", async () => {
    const { url, signaling } = await startServer({ seatGrace: 200 });
    const alice = await join(url, "r");
    const bob = await join(url, "r");
    await alice.client.next("UserConnected");

    bob.client.socket.terminate();
    expect(await alice.client.next("UserDisconnected")).toEqual({ event: "UserDisconnected", id: bob.init.id });
    expect(signaling.stats()).toMatchObject({ connections: 1, seats: 1, seatsInGrace: 0, rooms: 1 });

    const late = await connect(url);
    expect(await refusedJoin(late, "r", bob.init.token)).toMatchObject({ code: "SEAT_GONE" });
    // Still open: a plain Join seats it as a new peer.
    const fresh = await late.join({ protocol: PROTOCOL_VERSION, room: "r" });
    expect(fresh).toMatchObject({ resumed: false, peers: [{ id: alice.init.id }] });
    expect(fresh.id).not.toBe(bob.init.id);
    await alice.client.next("UserConnected");
    expect(events(alice.client)).toEqual(["Initialize", "UserConnected", "UserDisconnected", "UserConnected"]);
  });

  it.each([1000, 1001])("ends a seat at once when the client closes with %i", async (code) => {
    const { url, signaling } = await startServer();
    const alice = await join(url, "r");
    const bob = await join(url, "r");
    await alice.client.next("UserConnected");

    bob.client.socket.close(code);
    // With the default 20 s grace, this would time out were the seat kept.
    expect(await alice.client.next("UserDisconnected")).toEqual({ event: "UserDisconnected", id: bob.init.id });
    expect(signaling.stats()).toMatchObject({ seats: 1, seatsInGrace: 0 });
    const late = await connect(url);
    expect(await refusedJoin(late, "r", bob.init.token)).toMatchObject({ code: "SEAT_GONE" });
  });

  it("keeps the seat when the client closes with any other code", async () => {
    const { url, signaling } = await startServer();
    const alice = await join(url, "r");
    const bob = await join(url, "r");
    bob.client.socket.close(4000, "reconnecting");
    await bob.client.closed();
    await expect.poll(() => signaling.stats().seatsInGrace).toBe(1);
    const resumed = await join(url, "r", bob.init.token);
    expect(resumed.init).toMatchObject({ id: bob.init.id, resumed: true });
    await settled(alice.client);
    expect(events(alice.client)).toEqual(["Initialize", "UserConnected", "Pong"]);
  });

  it("takes a seat over from a socket that still looks alive: the old one is closed with 4003, nobody sees a leave", async () => {
    const { url, signaling } = await startServer();
    const alice = await join(url, "r");
    const bob = await join(url, "r");
    await alice.client.next("UserConnected");
    // Bob's old socket is never closed: to the server it looks alive (half-open).
    const oldClosed = bob.client.closed();

    const takeover = await join(url, "r", bob.init.token);
    expect(takeover.init).toMatchObject({ id: bob.init.id, peers: [{ id: alice.init.id }], resumed: true });
    expect(await oldClosed).toMatchObject({ code: 4003 });

    alice.client.sendJson({ event: "SendOffer", to: bob.init.id, sdp: "v=0 after" });
    expect(await takeover.client.next("ReceiveOffer")).toMatchObject({ from: alice.init.id, sdp: "v=0 after" });
    expect(events(bob.client)).toEqual(["Initialize"]);
    takeover.client.sendJson({ event: "SendAnswer", to: alice.init.id, sdp: "v=0" });
    await alice.client.next("ReceiveAnswer");
    expect(events(alice.client)).toEqual(["Initialize", "UserConnected", "ReceiveAnswer"]);
    expect(signaling.stats()).toMatchObject({ connections: 2, seats: 2, seatsInGrace: 0, rooms: 1 });
  });
});

describe("the hold of a seat in grace", () => {
  const overflows: [string, number, (n: number) => unknown][] = [
    [`${HOLD_LIMITS.frames} frames`, HOLD_LIMITS.frames, (n) => ({ event: "SendCandidate", candidate: candidate(n) })],
    // 60 000-character SDPs: the fifth would pass 256 KiB.
    [`${HOLD_LIMITS.bytes} bytes`, 4, () => ({ event: "SendOffer", sdp: "x".repeat(60_000) })],
  ];

  it.each(overflows)("ends the seat at once past %s: the sender gets PEER_NOT_FOUND, the room UserDisconnected", async (_, fits, signal) => {
    const { url, signaling, alice, bob } = await pairWithBobInGrace();

    for (let n = 0; n < fits; n++) alice.client.sendJson({ to: bob.init.id, ...(signal(n) as object) });
    await settled(alice.client);
    expect(events(alice.client)).toEqual(["Initialize", "UserConnected", "Pong"]);

    alice.client.sendJson({ to: bob.init.id, ...(signal(fits) as object) });
    expect(await alice.client.next("Error")).toMatchObject({ code: "PEER_NOT_FOUND", peer: bob.init.id });
    expect(await alice.client.next("UserDisconnected")).toEqual({ event: "UserDisconnected", id: bob.init.id });
    expect(signaling.stats()).toMatchObject({ connections: 1, seats: 1, seatsInGrace: 0, rooms: 1 });

    const late = await connect(url);
    expect(await refusedJoin(late, "r", bob.init.token)).toMatchObject({ code: "SEAT_GONE" });
  });
});

describe("keep-alive and token refresh", () => {
  it("answers Ping with Pong, before and after Join", async () => {
    const { url } = await startServer();
    const client = await connect(url);
    client.sendJson({ event: "Ping" });
    expect(await client.next("Pong")).toEqual({ event: "Pong" });
    await client.join({ protocol: PROTOCOL_VERSION, room: "r" });
    client.sendJson({ event: "Ping" });
    expect(await client.next("Pong")).toEqual({ event: "Pong" });
  });

  it("counts a Ping as liveness: a client that answers heartbeats with Ping frames is kept", async () => {
    const { url, signaling } = await startServer({ heartbeatInterval: 200 });
    // ws answers pings itself unless told not to; this one answers with a Ping frame instead.
    const pinger = await connect(url, { autoPong: false });
    await pinger.join({ protocol: PROTOCOL_VERSION, room: "r" });
    let heartbeats = 0;
    const survived = new Promise<void>((resolve) => {
      pinger.socket.on("ping", () => {
        pinger.sendJson({ event: "Ping" });
        if (++heartbeats === 5) resolve();
      });
    });
    const silent = await connect(url, { autoPong: false });
    await Promise.all([survived, silent.closed()]);
    // The silent one was dropped after its second heartbeat; the pinger saw five.
    expect(pinger.socket.readyState).toBe(pinger.socket.OPEN);
    expect(signaling.stats()).toMatchObject({ connections: 1, seats: 1 });
  });

  it("pings nobody with heartbeatInterval 0: a client that never answers a ping is kept", async () => {
    const { url, signaling } = await startServer({ heartbeatInterval: 0 });
    const silent = await connect(url, { autoPong: false });
    await silent.join({ protocol: PROTOCOL_VERSION, room: "r" });
    let pings = 0;
    silent.socket.on("ping", () => pings++);
    // Round trips, each long enough for a timer of the shortest interval to fire.
    for (let i = 0; i < 20; i++) await settled(silent);
    expect(pings).toBe(0);
    expect(signaling.stats()).toMatchObject({ connections: 1, seats: 1 });
  });

  it("sends a fresh Token once a seat's token has passed half its life, and the fresh one resumes", async () => {
    const { url } = await startServer({ tokenTtl: 1000 });
    const bob = await join(url, "r");
    const { token } = await bob.client.next("Token");
    expect(token).not.toBe(bob.init.token);

    bob.client.socket.terminate();
    const resumed = await join(url, "r", token);
    expect(resumed.init).toMatchObject({ id: bob.init.id, resumed: true });
  });
});
