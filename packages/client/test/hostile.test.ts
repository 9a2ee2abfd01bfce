import { describe, expect, it } from "vitest";
import { capturingPeerConnections, connectedClients, startServer, within } from "./harness.js";

// A peer that writes frames by hand on its real, negotiated channel (id 0),
// past the client's own sender: what a hostile or broken implementation
// could send. Frames are built here from the wire format (encoder.ts's
// comment), not with the encoder, so a change of format fails this test.
const START = 2;
const CHUNK = 3;
const REFUSE = 5;

function start(id: number, total: number): Uint8Array<ArrayBuffer> {
  const frame = new Uint8Array(16);
  const view = new DataView(frame.buffer);
  view.setUint8(0, START);
  view.setUint8(1, 1); // binary
  view.setUint16(2, 0); // no type
  view.setUint32(4, id);
  view.setFloat64(8, total);
  return frame;
}

function chunk(id: number, offset: number, size: number): Uint8Array<ArrayBuffer> {
  const frame = new Uint8Array(16 + size).fill(7);
  const view = new DataView(frame.buffer);
  view.setUint8(0, CHUNK);
  view.setUint8(1, 0);
  view.setUint16(2, 0);
  view.setUint32(4, id);
  view.setFloat64(8, offset);
  return frame;
}

const KiB = 1024;
const LIMIT = 512 * KiB;
const CHUNK_SIZE = 60 * KiB;

async function hostilePair() {
  const { url } = await startServer();
  const hostilePcs = capturingPeerConnections();
  const {
    alice: victim,
    bob: hostile,
    bobId: hostileId,
  } = await connectedClients(url, {
    alice: { url, maxMessageSize: LIMIT },
    bob: { url, RTCPeerConnection: hostilePcs.RTCPeerConnection },
  });
  const wire = hostilePcs.channels.find((channel) => channel.label === "realtime" && channel.readyState === "open")!;
  const refusals = new Map<number, () => void>();
  const seenRefused = new Set<number>();
  wire.addEventListener("message", ({ data }: MessageEvent) => {
    if (!(data instanceof ArrayBuffer) || new DataView(data).getUint8(0) !== REFUSE) return;
    const id = new DataView(data).getUint32(4);
    seenRefused.add(id);
    refusals.get(id)?.();
  });
  /** Resolves once the victim's REFUSE frame for transfer `id` came back. */
  const refused = (id: number) =>
    within(`the REFUSE frame of transfer ${id}`, new Promise<void>((resolve) => (seenRefused.has(id) ? resolve() : refusals.set(id, resolve))));
  let maxHeld = 0;
  victim.client.on("progress", () => (maxHeld = Math.max(maxHeld, victim.client.stats().receiveBuffered)));
  /** Sends a text message after the frames and waits for it: every frame before it was handled (the channel is ordered). */
  const settled = async () => {
    wire.send(JSON.stringify("done"));
    await victim.when("message", (m) => m.data === "done" && m.peerId === hostileId);
  };
  return { victim, hostile, hostileId, wire, refused, settled, held: () => maxHeld };
}

describe("a hostile peer cannot exhaust a receiver's memory", () => {
  it("a declared total over maxMessageSize is refused at once; its chunks are dropped unbuffered", async () => {
    const { victim, hostileId, wire, refused, settled, held } = await hostilePair();
    wire.send(start(7, 2 ** 40));
    for (let i = 0; i < 64; i++) wire.send(chunk(7, i * CHUNK_SIZE, CHUNK_SIZE));
    await settled();

    expect(victim.all("error").map((e) => [e.code, e.peerId])).toEqual([["MESSAGE_TOO_LARGE", hostileId]]);
    expect(victim.client.stats()).toMatchObject({ transfers: 0, receiveBuffered: 0 });
    expect(held()).toBe(0);
    await refused(7);
  });

  it("an endless chunk stream past its declared total is cut off at the limit: memory never grows past it", async () => {
    const { victim, hostileId, wire, refused, settled, held } = await hostilePair();
    wire.send(start(8, LIMIT));
    // 64 chunks of 60 KiB: 3.75 MiB, over seven times what it declared.
    for (let i = 0; i < 64; i++) wire.send(chunk(8, i * CHUNK_SIZE, CHUNK_SIZE));
    // And chunks of a transfer that never started.
    for (let i = 0; i < 16; i++) wire.send(chunk(9, i * CHUNK_SIZE, CHUNK_SIZE));
    await settled();

    expect(victim.all("error").map((e) => [e.code, e.peerId])).toEqual([
      ["MESSAGE_TOO_LARGE", hostileId],
      ["INVALID_PEER_MESSAGE", hostileId],
    ]);
    expect(victim.all("error")[0]!.message).toMatch(/more than the 524288 bytes it declared/);
    expect(held()).toBeGreaterThan(0);
    expect(held()).toBeLessThanOrEqual(LIMIT);
    expect(victim.client.stats()).toMatchObject({ transfers: 0, receiveBuffered: 0 });
    expect(victim.all("message").map((m) => m.data)).toEqual(["done"]);
    await refused(8);
  });
});
