import { createHash, randomFillSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { RealtimeError, SEND_BOUND, type TransferProgress } from "../src/index.js";
import { connectedClients, startServer } from "./harness.js";

const MiB = 1024 * 1024;
const sha256 = (bytes: ArrayBuffer | Uint8Array) => createHash("sha256").update(new Uint8Array(bytes)).digest("hex");

/** Bytes that are not a pattern a bug could reproduce by accident. */
function randomBytes(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65_536) randomFillSync(bytes, at, Math.min(65_536, size - at));
  return bytes;
}

describe("binary and large messages", () => {
  it("binary, Blob and JSON round trips; JSON over the SCTP max message size arrives whole", async () => {
    const { url } = await startServer();
    const { alice, bob, bobId } = await connectedClients(url);
    const bytes = randomBytes(1000);
    const big = { text: "é".repeat(300_000), list: Array.from({ length: 10_000 }, (_, i) => i) };
    await alice.client.send(bobId, bytes.buffer);
    await alice.client.send(bobId, new Uint16Array([1, 2, 65_535]));
    await alice.client.send(bobId, new Blob(["hello blob"], { type: "text/plain" }));
    await alice.client.send(bobId, { small: true });
    await alice.client.send(bobId, big);
    const large = randomBytes(3 * MiB + 7);
    await alice.client.send(bobId, new DataView(large.buffer, 5, 2 * MiB));
    // A Blob over one frame: read a slice at a time, arrives as a Blob with its type.
    await alice.client.send(bobId, new Blob([large], { type: "application/x-test" }));

    const got = (n: number) => bob.all("message")[n]?.data;
    await bob.when("message", () => bob.all("message").length === 7, { label: "seven messages" });
    expect(got(0)).toBeInstanceOf(ArrayBuffer);
    expect(sha256(got(0) as ArrayBuffer)).toBe(sha256(bytes));
    expect([...new Uint16Array(got(1) as ArrayBuffer)]).toEqual([1, 2, 65_535]);
    expect(got(2)).toBeInstanceOf(Blob);
    expect((got(2) as Blob).type).toBe("text/plain");
    expect(await (got(2) as Blob).text()).toBe("hello blob");
    expect(got(3)).toEqual({ small: true });
    // Over 256 KiB of JSON: chunked and reassembled.
    expect(JSON.stringify(big).length).toBeGreaterThan(256 * 1024);
    expect(got(4)).toEqual(big);
    expect(sha256(got(5) as ArrayBuffer)).toBe(sha256(large.subarray(5, 5 + 2 * MiB)));
    expect(got(6)).toBeInstanceOf(Blob);
    expect((got(6) as Blob).type).toBe("application/x-test");
    expect(sha256(await (got(6) as Blob).arrayBuffer())).toBe(sha256(large));
    expect([alice.client.stats().transfers, bob.client.stats().transfers]).toEqual([0, 0]);
  });

  it(`a 256 MiB transfer arrives byte-identical, the sender's buffer stays under its bound, progress reaches 100 % on both ends`, async () => {
    const size = 256 * MiB;
    const { url } = await startServer();
    const { alice, bob, bobId } = await connectedClients(url, { bob: { url, maxMessageSize: size } });
    const bytes = randomBytes(size);
    const expected = sha256(bytes);
    let maxBuffered = 0;
    const last = { send: undefined as TransferProgress | undefined, receive: undefined as TransferProgress | undefined };
    alice.client.on("progress", (p) => {
      last.send = p;
      maxBuffered = Math.max(maxBuffered, alice.client.stats().sendBuffered);
    });
    bob.client.on("progress", (p) => (last.receive = p));

    await alice.client.send(bobId, bytes);
    const { data } = await bob.when("message", undefined, { label: "the large message", within: 50_000 });
    expect(sha256(data as ArrayBuffer)).toBe(expected);
    expect(last.send).toMatchObject({ direction: "send", bytes: size, total: size });
    expect(last.receive).toMatchObject({ direction: "receive", bytes: size, total: size });
    expect(maxBuffered).toBeGreaterThan(0);
    expect(maxBuffered).toBeLessThanOrEqual(SEND_BOUND);
    expect([alice.client.stats().transfers, bob.client.stats()]).toMatchObject([0, { transfers: 0, receiveBuffered: 0 }]);
  }, 60_000);

  it("an AbortSignal cancels a transfer mid-way and frees both ends", async () => {
    const { url } = await startServer();
    const { alice, bob, bobId, aliceId } = await connectedClients(url);
    const size = 32 * MiB;
    const controller = new AbortController();
    let receiving = 0;
    bob.client.on("progress", (p) => (receiving = bob.client.stats().receiveBuffered > 0 ? p.bytes : receiving));
    alice.client.on("progress", (p) => {
      if (p.bytes >= size / 4 && receiving > 0) controller.abort(new Error("changed my mind"));
    });
    const sent = alice.client.send(bobId, randomBytes(size), { signal: controller.signal });
    const error = await sent.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RealtimeError);
    expect(error).toMatchObject({ code: "ABORTED", peerId: bobId });
    expect(alice.client.stats()).toMatchObject({ transfers: 0 });
    expect(await bob.when("error", (e) => e.code === "ABORTED")).toMatchObject({ peerId: aliceId });
    expect(bob.client.stats()).toMatchObject({ transfers: 0, receiveBuffered: 0 });
    expect(bob.all("message")).toEqual([]);
    // The channel carries on.
    await alice.client.send(bobId, "after");
    expect((await bob.when("message")).data).toBe("after");
  });
});
