import { describe, expect, it } from "vitest";
import { PROTOCOL_VERSION } from "@raycaster/realtime-protocol";
import { MemoryRoomAdapter } from "../src/index.js";
import { connect, join, startServer } from "./harness.js";

describe("rooms", () => {
  it("tells a newcomer who is there and the others that it came", async () => {
    const { url } = await startServer();
    const alice = await join(url, "lobby");
    expect(alice.init).toMatchObject({
      event: "Initialize",
      protocol: PROTOCOL_VERSION,
      room: "lobby",
      peers: [],
      resumed: false,
      grace: 20_000,
      token: expect.any(String),
    });

    const bob = await join(url, "lobby");
    expect(bob.init.peers).toEqual([{ id: alice.init.id }]);
    expect(await alice.client.next("UserConnected")).toEqual({ event: "UserConnected", id: bob.init.id });
    expect(bob.init.id).not.toBe(alice.init.id);
  });

  it("relays offers, answers and candidates to the named peer with `from` set by the server", async () => {
    const { url } = await startServer();
    const alice = await join(url, "r");
    const bob = await join(url, "r");

    alice.client.sendJson({ event: "SendOffer", to: bob.init.id, sdp: "v=0 offer" });
    expect(await bob.client.next("ReceiveOffer")).toEqual({
      event: "ReceiveOffer",
      from: alice.init.id,
      sdp: "v=0 offer",
    });

    bob.client.sendJson({ event: "SendAnswer", to: alice.init.id, sdp: "v=0 answer" });
    expect(await alice.client.next("ReceiveAnswer")).toEqual({
      event: "ReceiveAnswer",
      from: bob.init.id,
      sdp: "v=0 answer",
    });

    const candidate = { candidate: "candidate:1 1 UDP 1 127.0.0.1 5000 typ host", sdpMid: "0", sdpMLineIndex: 0 };
    alice.client.sendJson({ event: "SendCandidate", to: bob.init.id, candidate });
    alice.client.sendJson({ event: "SendCandidate", to: bob.init.id, candidate: null });
    expect(await bob.client.next("ReceiveCandidate")).toEqual({ event: "ReceiveCandidate", from: alice.init.id, candidate });
    expect(await bob.client.next("ReceiveCandidate")).toEqual({
      event: "ReceiveCandidate",
      from: alice.init.id,
      candidate: null,
    });
  });

  it("never lets a peer see or reach a peer of another room", async () => {
    const { url } = await startServer();
    const a1 = await join(url, "A");
    const b1 = await join(url, "B");
    expect(b1.init.peers).toEqual([]);

    b1.client.sendJson({ event: "SendOffer", to: a1.init.id, sdp: "v=0" });
    expect(await b1.client.next("Error")).toMatchObject({ code: "PEER_NOT_FOUND", peer: a1.init.id });

    // A later joiner of room A is announced to a1; had anything of room B
    // reached a1, it would sit before that announcement.
    const a2 = await join(url, "A");
    await a1.client.next("UserConnected");
    expect(a1.client.received.map((m) => m.event)).toEqual(["Initialize", "UserConnected"]);
    expect(a2.init.peers).toEqual([{ id: a1.init.id }]);
  });

  it("refuses to relay to yourself", async () => {
    const { url } = await startServer();
    const alice = await join(url, "r");
    alice.client.sendJson({ event: "SendOffer", to: alice.init.id, sdp: "v=0" });
    expect(await alice.client.next("Error")).toMatchObject({ code: "PEER_NOT_FOUND" });
  });

  it("announces a leave and forgets empty rooms", async () => {
    const adapter = new MemoryRoomAdapter();
    const { url } = await startServer({ adapter });
    const alice = await join(url, "r");
    const bob = await join(url, "r");
    expect(adapter.roomCount).toBe(1);

    bob.client.socket.close(1000);
    expect(await alice.client.next("UserDisconnected")).toEqual({ event: "UserDisconnected", id: bob.init.id });

    alice.client.socket.close(1000);
    await alice.client.closed();
    await expect.poll(() => adapter.roomCount).toBe(0);
  });
});

describe("room limits", () => {
  it("refuses a Join beyond maxPeersPerRoom with ROOM_FULL and closes; a freed seat can be taken", async () => {
    const { url } = await startServer({ maxPeersPerRoom: 2 });
    const first = await join(url, "small");
    const second = await join(url, "small");
    const third = await connect(url);
    const closed = third.closed();
    third.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "small" });
    expect(await third.next("Error")).toMatchObject({ code: "ROOM_FULL" });
    expect((await closed).code).toBe(4002);

    // Another room is not affected, and a freed seat can be taken.
    expect((await join(url, "other")).init.peers).toEqual([]);
    second.client.socket.close(1000);
    await first.client.next("UserDisconnected");
    expect((await join(url, "small")).init.peers).toEqual([{ id: first.init.id }]);
  });
});
