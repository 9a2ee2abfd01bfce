import { describe, expect, expectTypeOf, it } from "vitest";
import { channelId } from "../src/channel.js";
import { WebSocket } from "ws";
import { MAX_FRAME, type RealtimeError, type Channel, RTCClient, type StandardSchemaV1 } from "../src/index.js";
import { capturingPeerConnections, codeOf, connectedClients, startServer, tappedWebSocket, within } from "./harness.js";
import { implementation, RTCPeerConnection } from "./webrtc.js";
import { wiredPeers } from "./wired.js";

/** A Standard Schema by hand: { x: number }, output with x doubled. */
const point: StandardSchemaV1<unknown, { x: number }> = {
  "~standard": {
    version: 1,
    vendor: "test",
    validate: (value) =>
      typeof value === "object" && value !== null && typeof (value as { x?: unknown }).x === "number"
        ? { value: { x: (value as { x: number }).x * 2 } }
        : { issues: [{ message: "x must be a number" }] },
  },
};

describe("named channels", () => {
  it("an unreliable, unordered channel delivers under no loss, and its options reach the RTCDataChannel", async () => {
    const { url } = await startServer();
    const pcs = [capturingPeerConnections(), capturingPeerConnections()] as const;
    const state = new Map<RTCClient, Channel<{ n: number }>>();
    const lossy = new Map<RTCClient, Channel>();
    const { alice, bob, bobId } = await connectedClients(url, {
      alice: { url, RTCPeerConnection: pcs[0].RTCPeerConnection },
      bob: { url, RTCPeerConnection: pcs[1].RTCPeerConnection },
      setup: (client) => {
        state.set(client, client.channel<{ n: number }>("state", { ordered: false, maxRetransmits: 0 }));
        lossy.set(client, client.channel("lossy", { maxPacketLifeTime: 500 }));
      },
    });
    for (const { channels } of pcs) {
      const read = (label: string) => {
        const c = channels.find((channel) => channel.label === label)!;
        // @roamhq/wrtc reports an unset limit as 65535 where the spec says null.
        const limit = (value: number | null) => (value === 65_535 && implementation === "wrtc" ? null : value);
        return {
          label: c.label,
          id: c.id,
          negotiated: c.negotiated,
          ordered: c.ordered,
          maxRetransmits: limit(c.maxRetransmits),
          maxPacketLifeTime: limit(c.maxPacketLifeTime),
        };
      };
      expect(read("realtime")).toEqual({ label: "realtime", id: 0, negotiated: true, ordered: true, maxRetransmits: null, maxPacketLifeTime: null });
      expect(read("state")).toEqual({ label: "state", id: channelId("state"), negotiated: true, ordered: false, maxRetransmits: 0, maxPacketLifeTime: null });
      expect(read("lossy")).toEqual({ label: "lossy", id: channelId("lossy"), negotiated: true, ordered: true, maxRetransmits: null, maxPacketLifeTime: 500 });
    }

    const received = new Set<number>();
    const all = new Promise<void>((resolve) =>
      state.get(bob.client)!.on("message", ({ data }) => {
        received.add(data.n);
        if (received.size === 200) resolve();
      }),
    );
    const sender = state.get(alice.client)!;
    for (let n = 0; n < 200; n++) await sender.send(bobId, { n });
    await within("200 messages on the unreliable channel", all);
    expect([...received].sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, n) => n));
    // Nothing of it reached the default channel.
    expect(bob.all("message")).toEqual([]);
    // Chunks could be lost or reordered here: a message over one frame is refused, not split.
    expect(await codeOf(lossy.get(alice.client)!.send(bobId, new Uint8Array(MAX_FRAME)))).toBe("MESSAGE_TOO_LARGE");
  });

  it("a channel declared after peers connected opens on their connections at once, without renegotiation; close() closes it", async () => {
    const { url } = await startServer();
    const tapped = tappedWebSocket();
    const { alice, bob, aliceId, bobId } = await connectedClients(url, { alice: { url, WebSocket: tapped.WebSocket } });
    const offers = tapped.tap.sent.filter((event) => event === "SendOffer").length;

    const bobChat = bob.client.channel<string>("chat");
    const aliceChat = alice.client.channel<string>("chat");
    const heard = new Promise<{ peerId: string; data: string }>((resolve) => bobChat.on("message", resolve));
    await aliceChat.send(bobId, "on chat");
    expect(await within("the chat message", heard)).toEqual({ peerId: aliceId, data: "on chat" });
    expect(bob.all("message")).toEqual([]);
    expect(tapped.tap.sent.filter((event) => event === "SendOffer").length).toBe(offers);
    expect([alice.client.stats().dataChannels, bob.client.stats().dataChannels]).toEqual([2, 2]);
    expect(await aliceChat.broadcast("to all")).toBe(1);

    aliceChat.close();
    expect(alice.client.stats().dataChannels).toBe(1);
    expect(await codeOf(aliceChat.send(bobId, "gone"))).toBe("PEER_NOT_CONNECTED");
    // The default channel is untouched.
    await alice.client.send(bobId, "still here");
    expect((await bob.when("message")).data).toBe("still here");
  });

  it("names that collide, and a name declared twice, are refused with CHANNEL_CONFLICT", async () => {
    const { url } = await startServer();
    const { alice } = await connectedClients(url);
    const byId = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const name = `c${i}`;
      const other = byId.get(channelId(name));
      if (other) pair = [other, name];
      else byId.set(channelId(name), name);
    }
    alice.client.channel(pair[0]);
    const codeOfSync = (declare: () => unknown) => {
      try {
        declare();
      } catch (error) {
        return (error as RealtimeError).code;
      }
      return "no error";
    };
    expect(codeOfSync(() => alice.client.channel(pair[1]))).toBe("CHANNEL_CONFLICT");
    expect(codeOfSync(() => alice.client.channel(pair[0]))).toBe("CHANNEL_CONFLICT");
    expect(codeOfSync(() => alice.client.channel("realtime"))).toBe("CHANNEL_CONFLICT");
    expect(() => alice.client.channel("both", { maxRetransmits: 1, maxPacketLifeTime: 1 })).toThrow(TypeError);
    for (let i = 0; i < 100; i++) expect(channelId(`name ${i}`)).toSatisfy((id: number) => id >= 1 && id <= 1023);
  });

  it("a schema validates what peers send: failures are dropped with INVALID_PEER_MESSAGE, the rest typed", async () => {
    const { url } = await startServer();
    const points = new Map<RTCClient, Channel<{ x: number }>>();
    const raw = new Map<RTCClient, Channel>();
    const { alice, bob, bobId, aliceId } = await connectedClients(url, {
      setup: (client) => {
        const typed = client.channel("points", { schema: point });
        expectTypeOf(typed).toEqualTypeOf<Channel<{ x: number }>>();
        points.set(client, typed);
        raw.set(client, client.channel("points-raw"));
      },
    });
    const seen: { x: number }[] = [];
    points.get(bob.client)!.on("message", ({ data }) => seen.push(data));
    const sender = points.get(alice.client)! as unknown as Channel<unknown>;
    await sender.send(bobId, { x: 1 });
    await sender.send(bobId, { x: "no" });
    await sender.send(bobId, "nothing like it");
    await sender.send(bobId, { x: 3 });
    const error = await bob.when("error", (e) => e.code === "INVALID_PEER_MESSAGE");
    expect(error).toMatchObject({ peerId: aliceId });
    expect(error.message).toMatch(/x must be a number/);
    await within("the last valid point", new Promise<void>((resolve) => points.get(bob.client)!.on("message", ({ data }) => data.x === 6 && resolve())));
    expect(seen).toEqual([{ x: 2 }, { x: 6 }]);
    expect(bob.all("error").filter((e) => e.code === "INVALID_PEER_MESSAGE")).toHaveLength(2);
    expect(raw.size).toBe(2);
  });

  it("the client's schema validates the default channel as a named channel's does, and types it", async () => {
    const { url } = await startServer();
    const { alice, bob, aliceId, bobId } = await connectedClients(url, { bob: { url, schema: point } });
    await alice.client.send(bobId, { x: 1 });
    await alice.client.send(bobId, { x: "no" });
    await alice.client.send(bobId, { x: 3 });
    const error = await bob.when("error", (e) => e.code === "INVALID_PEER_MESSAGE");
    expect(error).toMatchObject({ peerId: aliceId });
    expect(error.message).toMatch(/x must be a number/);
    await bob.when("message", ({ data }) => (data as { x: number }).x === 6);
    expect(bob.all("message").map(({ data }) => data)).toEqual([{ x: 2 }, { x: 6 }]);
    // Typed from the schema, or given; untyped without either.
    const typed = new RTCClient({ url, schema: point, RTCPeerConnection, WebSocket });
    const given = new RTCClient<{ y: string }>({ url, RTCPeerConnection, WebSocket });
    const plain = new RTCClient({ url, RTCPeerConnection, WebSocket });
    typed.close();
    given.close();
    plain.close();
    expectTypeOf(typed).toEqualTypeOf<RTCClient<{ x: number }>>();
    expectTypeOf<Parameters<typeof typed.send>[1]>().toEqualTypeOf<{ x: number }>();
    expectTypeOf<Parameters<Parameters<typeof given.on<"message">>[1]>[0]["data"]>().toEqualTypeOf<{ y: string }>();
    expectTypeOf(plain).toEqualTypeOf<RTCClient<unknown>>();
  });
});

describe("named channels across fresh connections", () => {
  const chat = { name: "chat", id: channelId("chat"), ordered: true };

  it("an ICE restart keeps them; a transfer under way on a replaced connection fails on both ends", async () => {
    const { a, b, start } = wiredPeers({ aInitiator: false, bInitiator: true, named: chat });
    start();
    await Promise.all([a.when("opened"), b.when("opened")]);
    await a.named!.send(a.peer.id, "before");
    expect(await b.when("message", (m) => m === "before")).toBe("before");

    const size = 32 * 1024 * 1024;
    let restarted = false;
    a.named!.on("progress", ({ bytes }) => {
      if (bytes > size / 8 && !restarted) {
        restarted = true;
        a.peer.restartIce();
      }
    });
    const transfer = a.named!.send(a.peer.id, new Uint8Array(size));
    const fresh = implementation === "node-datachannel";
    // libdatachannel has no restartIce: the connection is replaced, and the
    // transfer on it fails; libwebrtc restarts ICE in place, and it carries on.
    expect(await codeOf(transfer)).toBe(fresh ? "TRANSFER_FAILED" : "no error");
    // Failed when its connection was replaced, not later when the old one closed (once the restart completed).
    if (fresh) expect(a.events.some((e) => e.name === "debug" && e.payload === "ICE restart complete")).toBe(false);
    await Promise.all([a.when("debug", (m) => m === "ICE restart complete"), fresh && b.when("debug", (m) => m === "ICE restart complete")]);
    expect([a.created.length, b.created.length]).toEqual(fresh ? [2, 2] : [1, 1]);
    if (fresh) {
      expect(await b.when("error", (e) => e.code === "TRANSFER_FAILED")).toBeDefined();
      expect(b.events.filter((e) => e.name === "error" && (e.payload as RealtimeError).code === "ABORTED")).toEqual([]);
    } else expect(await b.when("message", (m) => m instanceof ArrayBuffer)).toHaveProperty("byteLength", size);
    expect([a.named!.stats().transfers, b.named!.stats()]).toMatchObject([0, { transfers: 0, receiveBuffered: 0 }]);

    await a.named!.send(a.peer.id, "after");
    await b.named!.send(b.peer.id, "back");
    expect(await b.when("message", (m) => m === "after")).toBe("after");
    expect(await a.when("message", (m) => m === "back")).toBe("back");
    expect([a.resources.counts().dataChannels, b.resources.counts().dataChannels]).toEqual([2, 2]);
  });
});
