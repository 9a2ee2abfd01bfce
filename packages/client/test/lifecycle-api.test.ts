import { getEventListeners, once } from "node:events";
import { describe, expect, it } from "vitest";
import { RealtimeError, RTCClient } from "../src/index.js";
import { createClient, startServer, within } from "./harness.js";

const zero = { peers: 0, peerConnections: 0, dataChannels: 0, timers: 0, transfers: 0, sendBuffered: 0, receiveBuffered: 0 };

async function pair() {
  const server = await startServer();
  const alice = createClient({ url: server.url, room: "r" });
  const { id: aliceId } = await within("alice joined", alice.client.joined);
  const bob = createClient({ url: server.url, room: "r" });
  const { id: bobId } = await within("bob joined", bob.client.joined);
  await Promise.all([alice.connectedTo(bobId), bob.connectedTo(aliceId)]);
  return { server, alice, bob, aliceId, bobId };
}

describe("client lifecycle API", () => {
  it("joined resolves with the first open payload, also when awaited after it", async () => {
    const server = await startServer();
    const alice = createClient({ url: server.url, room: "r" });
    const joined = await within("joined", alice.client.joined);
    expect(joined).toEqual(await alice.when("open"));
    expect(joined).toMatchObject({ id: alice.client.id, room: "r", peers: [], resumed: false });
    expect(await alice.client.joined).toBe(joined);
  });

  it("joined rejects with SIGNALING_FAILED when signaling ends for good first", async () => {
    const server = await startServer({ maxPeersPerRoom: 1 });
    await createClient({ url: server.url, room: "r" }).client.joined;
    const bob = createClient({ url: server.url, room: "r", reconnect: false });
    const error = await within(
      "joined rejected",
      bob.client.joined.then(
        () => expect.unreachable(),
        (e: unknown) => e,
      ),
    );
    expect(error).toBeInstanceOf(RealtimeError);
    expect(error).toMatchObject({ code: "SIGNALING_FAILED", closeCode: 4002 });
  });

  it("joined rejects with CLIENT_CLOSED on close() before it, and unawaited it raises no unhandled rejection", async () => {
    const server = await startServer();
    const carol = createClient({ url: server.url, room: "r" });
    carol.client.close();
    await expect(carol.client.joined).rejects.toMatchObject({ code: "CLIENT_CLOSED" });
    // Never looked at: vitest fails the run on an unhandled rejection.
    const dave = createClient({ url: server.url, room: "r" });
    dave.client.close();
    // (The next test leaves a SIGNALING_FAILED rejection of `joined` unobserved.)
  });

  it("close() rejects pending once() promises with CLIENT_CLOSED, and later ones at once", async () => {
    const server = await startServer();
    const alice = createClient({ url: server.url, room: "r" });
    await within("joined", alice.client.joined);
    const pending = alice.client.once("peerJoined");
    alice.client.close();
    const error = await within(
      "once rejected",
      pending.then(
        () => expect.unreachable(),
        (e: unknown) => e,
      ),
    );
    expect(error).toBeInstanceOf(RealtimeError);
    expect(error).toMatchObject({ code: "CLIENT_CLOSED" });
    await expect(within("a later once", alice.client.once("open"))).rejects.toMatchObject({ code: "CLIENT_CLOSED" });
  });

  it("close() leaves no handler behind, on named channels either", async () => {
    const { alice, bob } = await pair();
    const chat = alice.client.channel("chat");
    bob.client.channel("chat");
    const controller = new AbortController();
    chat.on("message", () => undefined, { signal: controller.signal });
    alice.client.on("message", () => undefined, { signal: controller.signal });
    const next = chat.once("message");
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(2);
    alice.client.close();
    // Each handler's signal listener goes with it.
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    await expect(within("channel once rejected", next)).rejects.toMatchObject({ code: "CLIENT_CLOSED" });
    chat.on("message", () => undefined, { signal: controller.signal });
    // A channel declared on the closed client is closed too.
    const late = alice.client.channel("late");
    late.on("message", () => undefined, { signal: controller.signal });
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    await expect(within("late channel once", late.once("message"))).rejects.toMatchObject({ code: "CLIENT_CLOSED" });
  });

  it("works with node:events once(): [payload] on the event, a rejection on an error event", async () => {
    const server = await startServer({ maxPeersPerRoom: 1 });
    const alice = createClient({ url: server.url, room: "r" });
    // A cast: node's types want a full EventEmitter (see Emitter's TSDoc).
    const [open] = await within("events.once open", once(alice.client as never, "open"));
    expect(open).toEqual(await alice.when("open"));
    // Room full: the `error` event (ROOM_FULL) comes before any `open`, and
    // node's once() rejects with it, removing its listener through removeListener.
    // Nobody awaits bob's `joined`: its SIGNALING_FAILED rejection must not be reported as unhandled.
    const bob = createClient({ url: server.url, room: "r", reconnect: false });
    const error = await within(
      "events.once rejected",
      once(bob.client as never, "open").then(
        () => expect.unreachable(),
        (e: unknown) => e,
      ),
    );
    expect(error).toMatchObject({ code: "ROOM_FULL" });
    await bob.when("signalingClosed");
  });

  it("Symbol.dispose closes at once, Symbol.asyncDispose resolves closed", async () => {
    const { alice, bob } = await pair();
    expect(alice.client.stats()).not.toEqual(zero);
    alice.client[Symbol.dispose]();
    expect(alice.client.stats()).toEqual(zero);
    expect(alice.client.signalingState).toBe("closed");
    await bob.client[Symbol.asyncDispose]();
    expect(bob.client.stats()).toEqual(zero);
    expect(bob.client.signalingState).toBe("closed");
  });

  it("closes a client declared with using at the end of its block", async () => {
    const server = await startServer();
    let client: RTCClient;
    {
      using scoped = createClient({ url: server.url, room: "r" }).client;
      client = scoped;
      await within("joined", scoped.joined);
      expect(client.stats().timers).toBeGreaterThan(0);
    }
    expect(client.signalingState).toBe("closed");
    expect(client.stats()).toEqual({ ...zero });
  });
});
