import { PROTOCOL_VERSION, type PeerInfo } from "@raycaster/realtime-protocol";
import { describe, expect, it } from "vitest";
import { MemoryRoomAdapter, type AdapterHost, type JoinResult, type RoomMember } from "../src/index.js";
import { connect, events, join, startServer } from "./harness.js";

/** A turn of the event loop later, in call order (setImmediate runs FIFO). */
const later = <T>(answer: () => T) => new Promise<T>((resolve) => setImmediate(() => resolve(answer())));

/**
 * The memory adapter answering every call on a later turn, as a distributed
 * adapter does. A frame for nobody is answered "handed over" and reported
 * undeliverable afterwards, as a remote node finding its target gone.
 */
class LaterAdapter extends MemoryRoomAdapter {
  host: AdapterHost | undefined;
  failing = false;
  attach(host: AdapterHost): void {
    this.host = host;
  }
  // @ts-expect-error: the seam allows a promise where the memory adapter answers at once.
  join(room: string, member: RoomMember, limit: number): Promise<JoinResult> {
    return later(() => super.join(room, member, limit));
  }
  // @ts-expect-error: as above
  members(room: string): Promise<PeerInfo[]> {
    return later(() => super.members(room));
  }
  // @ts-expect-error: as above
  sendTo(room: string, to: string, frame: string, from: string): Promise<boolean> {
    if (this.failing) return Promise.reject(new Error("the store is out of reach"));
    return later(() => {
      if (!super.sendTo(room, to, frame)) this.host?.undeliverable(room, from, to);
      return true;
    });
  }
}

describe("an adapter that answers asynchronously", () => {
  it("seats, resumes and relays in each sender's order: Initialize first, then the offer before its candidates", async () => {
    const adapter = new LaterAdapter();
    const { url } = await startServer({ adapter });
    const alice = await join(url, "r");
    const bob = await join(url, "r");
    expect(bob.init.peers).toEqual([{ id: alice.init.id }]);
    alice.client.sendJson({ event: "SendOffer", to: bob.init.id, sdp: "offer" });
    for (let i = 0; i < 5; i++) {
      alice.client.sendJson({ event: "SendCandidate", to: bob.init.id, candidate: { candidate: `c${i}` } });
    }
    // Bob drops mid-way and resumes: the rest is held for him and comes after his Initialize.
    bob.client.socket.terminate();
    const again = await join(url, "r", bob.init.token);
    expect(again.init).toMatchObject({ id: bob.init.id, resumed: true, peers: [{ id: alice.init.id }] });
    const got = () => [...bob.client.received, ...again.client.received].filter((m) => m.event.startsWith("Receive"));
    await expect.poll(() => got().length).toBe(6);
    expect(got().map((m) => (m.event === "ReceiveOffer" ? m.sdp : m.event === "ReceiveCandidate" ? m.candidate?.candidate : m.event))).toEqual([
      "offer",
      "c0",
      "c1",
      "c2",
      "c3",
      "c4",
    ]);
    expect(events(again.client)[0]).toBe("Initialize");
  });

  it("tells the sender PEER_NOT_FOUND when the adapter finds the target gone after answering", async () => {
    const { url } = await startServer({ adapter: new LaterAdapter() });
    const alice = await join(url, "r");
    alice.client.sendJson({ event: "SendOffer", to: "ghost", sdp: "offer" });
    expect(await alice.client.next("Error")).toMatchObject({ code: "PEER_NOT_FOUND", peer: "ghost" });
  });

  it("tells the sender DELIVERY_FAILED when the adapter cannot hand the frame over", async () => {
    const adapter = new LaterAdapter();
    const { url } = await startServer({ adapter });
    const alice = await join(url, "r");
    const bob = await join(url, "r");
    adapter.failing = true;
    alice.client.sendJson({ event: "SendOffer", to: bob.init.id, sdp: "offer" });
    expect(await alice.client.next("Error")).toMatchObject({ code: "DELIVERY_FAILED", peer: bob.init.id });
  });

  it("refuses the room when the adapter's join answers full", async () => {
    const { url } = await startServer({ adapter: new LaterAdapter(), maxPeersPerRoom: 1 });
    await join(url, "r");
    const late = await connect(url);
    late.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "r" });
    expect(await late.next("Error")).toMatchObject({ code: "ROOM_FULL" });
  });

  it("two sockets restoring one seat at once, through an async hook and adapter: one seat, the first socket taken over (4003)", async () => {
    const secret = "a secret both servers of this test share, 32+";
    const before = await startServer({ secret });
    const { init } = await join(before.url, "r");
    const adapter = new LaterAdapter();
    const { url, signaling } = await startServer({ secret, adapter, hooks: { join: () => later(() => true) } });
    const [first, second] = await Promise.all([connect(url), connect(url)]);
    for (const client of [first, second]) client.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "r", token: init.token });
    expect(await first.next("Initialize")).toMatchObject({ id: init.id, resumed: true });
    expect(await second.next("Initialize")).toMatchObject({ id: init.id, resumed: true });
    expect(await first.closed()).toMatchObject({ code: 4003 });
    expect(signaling.stats()).toMatchObject({ seats: 1, seatsRestored: 1, seatsResumed: 1 });
    await expect(adapter.members("r")).resolves.toEqual([{ id: init.id }]);
  });
});
