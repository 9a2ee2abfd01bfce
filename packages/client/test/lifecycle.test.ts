import { implementation, RTCPeerConnection } from "./webrtc.js";
import { startWebSocketServer, textOf } from "@raycaster/realtime-test-harness";
import { WebSocket } from "ws";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { PROTOCOL_VERSION, RTCClient, type RTCClientOptions } from "../src/index.js";
import { codeOf, countedPeerConnections, createClient, startServer, tappedWebSocket, within } from "./harness.js";

async function connectedPair(url: string, room = "r", AlicePeerConnection?: RTCClientOptions["RTCPeerConnection"], options: Partial<RTCClientOptions> = {}) {
  const tapped = tappedWebSocket();
  const alice = createClient({ url, room, ...options, ...(AlicePeerConnection && { RTCPeerConnection: AlicePeerConnection }) });
  const { id: aliceId } = await alice.when("open");
  const bob = createClient({ url, room, ...options, WebSocket: tapped.WebSocket });
  const { id: bobId } = await bob.when("open");
  await Promise.all([alice.connectedTo(bobId), bob.connectedTo(aliceId)]);
  return { alice, bob, aliceId, bobId, bobSocket: tapped.tap.socket! };
}

describe("when peers and servers go away", () => {
  it("keeps peers talking after the signaling server stops (reconnect off)", async () => {
    const { url, signaling } = await startServer();
    const { alice, bob, aliceId, bobId } = await connectedPair(url, "r", undefined, { reconnect: false });

    await within("the signaling server closing", signaling.close());
    for (const client of [alice, bob]) {
      expect(await client.when("signalingClosed")).toMatchObject({ code: 1001 });
      expect(client.all("error").map((e) => [e.code, e.closeCode])).toEqual([["SIGNALING_FAILED", 1001]]);
      expect(client.client.signalingState).toBe("closed");
    }

    await alice.client.send(bobId, "still here");
    await bob.client.send(aliceId, "me too");
    expect(await bob.when("message")).toEqual({ peerId: aliceId, data: "still here" });
    expect(await alice.when("message")).toEqual({ peerId: bobId, data: "me too" });
  });

  it("reports a peer that left the room, and closes the connection to it", async () => {
    // No grace and no reconnect: Bob's seat ends with his socket.
    const { url } = await startServer({ seatGrace: 0 });
    const { alice, bob, aliceId, bobId, bobSocket } = await connectedPair(url, "r", undefined, { reconnect: false });

    // Bob's signaling socket closes cleanly (1000: his seat ends at once; an
    // unclean drop would keep it for the server's grace period); his peer
    // connection is untouched, so what Alice learns comes from the server's
    // UserDisconnected.
    bobSocket.close(1000);
    expect(await alice.when("peerLeft")).toEqual({ peerId: bobId, reason: "left" });
    expect(alice.client.peers).toEqual([]);
    // Alice closed her side, so Bob's channel closes too.
    expect(await bob.when("peerLeft")).toEqual({ peerId: aliceId, reason: "closed" });
  });

  it("stops everything on close()", async () => {
    const { url, signaling } = await startServer();
    const pcs = countedPeerConnections();
    const { alice, bob, aliceId } = await connectedPair(url, "r", pcs.RTCPeerConnection);
    expect(pcs.open()).toBe(1);
    alice.client.close();
    expect(alice.client.peers).toEqual([]);
    expect(pcs.open()).toBe(0);
    expect((await bob.when("peerLeft")).peerId).toBe(aliceId);
    await expect.poll(() => signaling.connectionCount).toBe(1);
  });

  it("creates nothing once closed from an event handler", async () => {
    const { url } = await startServer();
    const { aliceId } = await connectedPair(url);
    const pcs = countedPeerConnections();
    const carol = createClient({ url, room: "r", RTCPeerConnection: pcs.RTCPeerConnection });
    carol.client.on("open", () => carol.client.close());
    const { peers } = await carol.when("open");
    expect(peers).toContain(aliceId);
    expect(carol.client.peers).toEqual([]);
    expect(pcs.open()).toBe(0);
  });

  it("says nothing after close(), even when closed while connecting", async () => {
    const { url, signaling } = await startServer();
    const errors = vi.spyOn(console, "error");
    onTestFinished(() => errors.mockRestore());
    // The recorder wraps emit (see harness.ts): close() cannot remove it.
    const client = createClient({ url });
    client.client.close();
    expect(client.events).toEqual([
      { name: "signalingState", payload: { state: "closed", previous: "connecting" } },
      { name: "signalingClosed", payload: { code: 1000, reason: "client closed" } },
    ]);
    // And closed with a peer connected and signaling open.
    const connected = createClient({ url, room: "r" });
    await connected.when("open");
    const { aliceId } = await connectedPair(url);
    await connected.connectedTo(aliceId);
    connected.client.close();
    const closing = connected.events.length;
    expect(connected.events.slice(closing - 2).map((e) => e.name)).toEqual(["signalingState", "signalingClosed"]);

    // A full round trip later, anything the sockets had to say was said;
    // and the server saw each leave with 1000: the seats are gone at once.
    const probe = createClient({ url });
    await probe.when("open");
    await expect.poll(() => signaling.stats().seats).toBe(3);
    expect(client.events).toHaveLength(2);
    expect(connected.events).toHaveLength(closing);
    expect(errors).not.toHaveBeenCalled();
  });
});

describe("a peer that never connects", () => {
  it("is dropped as failed after connectTimeout", async () => {
    const { url } = await startServer();
    // A member of the room that takes part in no negotiation at all.
    const silent = new WebSocket(url);
    onTestFinished(() => silent.terminate());
    const joined = new Promise<string>((resolve) =>
      silent.on("message", (data) => {
        const message = JSON.parse(textOf(data)) as { event: string; id?: string };
        if (message.event === "Initialize") resolve(message.id ?? "");
      }),
    );
    silent.on("open", () => silent.send(JSON.stringify({ event: "Join", protocol: PROTOCOL_VERSION, room: "r" })));
    const silentId = await within("the silent member seated", joined);

    const alice = createClient({ url, room: "r", connectTimeout: 300 });
    const error = await alice.when("error");
    expect(error).toMatchObject({ code: "CONNECTION_FAILED", peerId: silentId });
    expect(await alice.when("peerLeft")).toEqual({ peerId: silentId, reason: "failed" });
    expect(alice.client.peers).toEqual([]);
  });

  it("refuses a connectTimeout timers cannot honour", () => {
    for (const connectTimeout of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new RTCClient({ url: "ws://127.0.0.1:1", RTCPeerConnection, WebSocket, connectTimeout })).toThrow(RangeError);
    }
  });
});

describe("errors are typed and the client carries on", () => {
  it("refuses to send what cannot be sent", async () => {
    const { url } = await startServer();
    const { alice, bob, bobId } = await connectedPair(url);
    expect(await codeOf(alice.client.send("nobody", 1))).toBe("PEER_NOT_CONNECTED");
    expect(await codeOf(alice.client.send(bobId, undefined))).toBe("NOT_SERIALIZABLE");
    expect(await codeOf(alice.client.send(bobId, 1n))).toBe("NOT_SERIALIZABLE");

    await alice.client.send(bobId, "fine");
    expect(await bob.when("message")).toEqual({ peerId: alice.client.id, data: "fine" });
  });

  it("closes on a server of another protocol version", async () => {
    const { wss, url } = await startWebSocketServer();
    wss.on("connection", (socket) =>
      socket.send(JSON.stringify({ event: "Initialize", protocol: 999, id: "x", room: "r", peers: [], token: "t", resumed: false, grace: 0 })),
    );
    const client = createClient({ url });

    expect((await client.when("error")).code).toBe("PROTOCOL_MISMATCH");
    // Final: no second attempt would be answered differently.
    expect(await client.when("signalingClosed")).toMatchObject({ code: 4001 });
    expect(client.all("error").map((e) => e.code)).toEqual(["PROTOCOL_MISMATCH", "SIGNALING_FAILED"]);
    expect(client.all("open")).toEqual([]);
  });

  it("reports a frame from the server it cannot read", async () => {
    const { wss, url } = await startWebSocketServer();
    wss.on("connection", (socket) => {
      socket.send("{oops");
      socket.send(JSON.stringify({ event: "Initialize", protocol: PROTOCOL_VERSION, id: "me", room: "r", peers: [], token: "t", resumed: false, grace: 0 }));
    });
    const client = createClient({ url, room: "r" });

    expect((await client.when("error")).code).toBe("INVALID_SERVER_MESSAGE");
    expect(await client.when("open")).toEqual({ id: "me", room: "r", peers: [], resumed: false });
  });

  it("says what is missing when there is no WebRTC or WebSocket", () => {
    expect(() => new RTCClient({ url: "ws://127.0.0.1:1", WebSocket })).toThrow(/RTCPeerConnection/);
    expect(() => new RTCClient({ url: "ws://127.0.0.1:1", RTCPeerConnection })).toThrow(/WebSocket/);
  });

  it("refuses a bad ICE configuration in the constructor", () => {
    expect(() => new RTCClient({ url: "ws://127.0.0.1:1", RTCPeerConnection, WebSocket, iceServers: [{ urls: "nonsense" }] })).toThrow();
    expect(() => new RTCClient({ url: "ws://127.0.0.1:1", RTCPeerConnection, WebSocket, rtcConfiguration: { iceServers: [{ urls: "nonsense" }] } })).toThrow();
  });

  it("checks a configuration with a probe connection only when there is one to check", () => {
    const pcs = countedPeerConnections();
    const url = "ws://127.0.0.1:1";
    createClient({ url, RTCPeerConnection: pcs.RTCPeerConnection, WebSocket, reconnect: false });
    expect(pcs.created.length).toBe(0);
    createClient({ url, RTCPeerConnection: pcs.RTCPeerConnection, WebSocket, reconnect: false, iceServers: [{ urls: "stun:127.0.0.1:3478" }] });
    createClient({ url, RTCPeerConnection: pcs.RTCPeerConnection, WebSocket, reconnect: false, rtcConfiguration: { iceTransportPolicy: "all" } });
    expect(pcs.created.map((pc) => pc.connectionState)).toEqual(["closed", "closed"]);
  });

  it("stops calling a handler once it is removed", async () => {
    const { url } = await startServer();
    const { alice, bob, bobId } = await connectedPair(url);
    const seen: unknown[] = [];
    const unsubscribe = bob.client.on("message", ({ data }) => seen.push(data));
    await alice.client.send(bobId, 1);
    await bob.when("message", (m) => m.data === 1);
    unsubscribe();
    await alice.client.send(bobId, 2);
    await bob.when("message", (m) => m.data === 2);
    expect(seen).toEqual([1]);
  });
});

describe("nothing ends silently, nothing is left behind", () => {
  const none = { peers: 0, peerConnections: 0, dataChannels: 0, timers: 0, transfers: 0, sendBuffered: 0, receiveBuffered: 0 };
  // A client still seated holds one timer of its own: the signaling keep-alive.
  const seated = { ...none, timers: 1 };

  it("reports a data channel that closed before it opened: CONNECTION_FAILED, one peerLeft", async () => {
    const { url } = await startServer();
    // A real connection whose channel is closed as soon as it exists, as a
    // failing SCTP association would close it.
    class ClosingChannelPeerConnection extends RTCPeerConnection {
      override createDataChannel(...args: Parameters<RTCPeerConnection["createDataChannel"]>) {
        const channel = super.createDataChannel(...args);
        channel.close();
        return channel;
      }
    }
    const alice = createClient({ url, room: "r" });
    const { id: aliceId } = await alice.when("open");
    const bob = createClient({ url, room: "r", RTCPeerConnection: ClosingChannelPeerConnection });
    await bob.when("open");

    expect(await bob.when("error")).toMatchObject({ code: "CONNECTION_FAILED", peerId: aliceId });
    expect(await bob.when("peerLeft")).toEqual({ peerId: aliceId, reason: "failed" });
    expect(bob.all("peerLeft")).toHaveLength(1);
    expect(bob.all("peerConnected")).toEqual([]);
    expect(bob.client.stats()).toEqual(seated);
  });

  it("stats() counts the live resources, and none are left after close()", async () => {
    const { url } = await startServer();
    const { alice, bob, aliceId } = await connectedPair(url);
    const live = { peers: 1, peerConnections: 1, dataChannels: 1, timers: 1, transfers: 0, sendBuffered: 0, receiveBuffered: 0 };
    expect([alice.client.stats(), bob.client.stats()]).toEqual([live, live]);

    alice.client.close();
    expect(alice.client.stats()).toEqual(none);
    expect((await bob.when("peerLeft")).peerId).toBe(aliceId);
    expect(bob.client.stats()).toEqual(seated);
  });

  it("200 meetings and leaves leave no connection, channel or timer behind, and the heap bounded", async () => {
    const { url } = await startServer();
    const alice = createClient({ url, room: "cycles", connectTimeout: 5_000 });
    await alice.when("open");
    const gc = (globalThis as { gc?: () => void }).gc;
    const heap = async () => {
      // Collections with turns between: native objects' finalizers release
      // what they hold on the event loop, collectable only by the next one.
      for (let i = 0; i < 3; i++) {
        gc?.();
        await new Promise((resolve) => setImmediate(resolve));
      }
      return process.memoryUsage().heapUsed;
    };
    const cycle = async (i: number) => {
      const bob = new RTCClient({ url, room: "cycles", RTCPeerConnection, WebSocket, connectTimeout: 5_000 });
      const bobId = await within(`meeting ${i}: bob seated`, new Promise<string>((resolve) => bob.on("open", ({ id }) => resolve(id))));
      // connectTimeout (5 s) is shorter than this wait: a meeting that never connects ends as peerLeft.
      const connected = await within(
        `meeting ${i}: bob connected or left`,
        new Promise<boolean>((resolve) => {
          bob.on("peerConnected", () => resolve(true));
          bob.on("peerLeft", () => resolve(false));
        }),
      );
      expect(connected, `meeting ${i} connected`).toBe(true);
      await alice.connectedTo(bobId);
      bob.close();
      expect(bob.stats(), `meeting ${i}: the leaver holds nothing`).toEqual(none);
      await alice.when("peerLeft", (e) => e.peerId === bobId);
      expect(alice.client.stats(), `meeting ${i}: the stayer holds nothing but its keep-alive`).toEqual(seated);
      // Alice's recorder keeps every event: forget them, they are not the client's memory.
      alice.events.length = 0;
    };

    // Warm up: JIT, pools and caches grow for the first hundred meetings or
    // so (with libwebrtc about 3 KiB per meeting, then flat), which is not a leak.
    for (let i = 0; i < 100; i++) await cycle(i);
    // The noise: the same measurement repeated with nothing happening in between.
    const quiet = [await heap(), await heap(), await heap()];
    const noise = Math.max(...quiet) - Math.min(...quiet);
    // The control: what the WebRTC stack itself keeps per meeting of two
    // connections, without the client (node-datachannel's polyfill keeps a
    // few KiB per connected pair; libwebrtc nothing).
    const controlStart = await heap();
    for (let i = 0; i < 60; i++) await within(`control pair ${i}`, barePair());
    // node-datachannel's polyfill keeps about 5 KiB per connected pair for
    // good (measured without the client: 1 to 10 KiB per pair from run to
    // run, so one control batch can read low); never assume less than that.
    const stackFloor = implementation === "node-datachannel" ? 8 * 1024 : 0;
    const stackPerMeeting = Math.max(stackFloor, ((await heap()) - controlStart) / 60);
    const before = await heap();
    for (let i = 100; i < 200; i++) await cycle(i);
    const after = await heap();
    // The client may add 4 KiB per meeting to the stack's own: a leaked
    // peer, with its connection, queues and closures, is 18 to 30 KiB (seen
    // by leaking one on purpose). Under load libwebrtc runs still grow up to
    // about 3.7 KiB per meeting here, unexplained yet (an open point): a
    // bound at that level catches whole leaked peers, not small leaks.
    const allowed = noise + 100 * (stackPerMeeting + 4096);
    expect(
      after - before,
      `heap grew ${after - before} bytes over 100 meetings; noise ${noise}, the stack alone ${Math.round(stackPerMeeting)} per meeting`,
    ).toBeLessThan(allowed);
  }, 120_000);
});

/**
 * Two bare RTCPeerConnections of the run's stack, connected in-process with
 * a data channel and closed: the control for the heap measurement. The
 * offerer's candidates wait for the answer, as the client's do.
 */
async function barePair(): Promise<void> {
  const a = new RTCPeerConnection();
  const b = new RTCPeerConnection();
  const held: RTCIceCandidate[] = [];
  let answered = false;
  a.onicecandidate = ({ candidate }) => {
    if (!candidate) return;
    if (answered) void b.addIceCandidate(candidate).catch(() => {});
    else held.push(candidate);
  };
  b.onicecandidate = ({ candidate }) => {
    if (candidate) void a.addIceCandidate(candidate).catch(() => {});
  };
  const channel = a.createDataChannel("control", { negotiated: true, id: 0 });
  const opened = new Promise<boolean>((resolve) => {
    channel.onopen = () => resolve(true);
    channel.onclose = () => resolve(false);
  });
  const offer = await a.createOffer();
  await a.setLocalDescription(offer);
  await b.setRemoteDescription(offer);
  const other = b.createDataChannel("control", { negotiated: true, id: 0 });
  const answer = await b.createAnswer();
  await b.setLocalDescription(answer);
  await a.setRemoteDescription(answer);
  answered = true;
  for (const candidate of held.splice(0)) await b.addIceCandidate(candidate).catch(() => {});
  expect(await opened, "a control pair connected").toBe(true);
  channel.close();
  other.close();
  a.close();
  b.close();
}
