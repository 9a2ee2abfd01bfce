import { RTCPeerConnection } from "./webrtc.js";
import { WebSocket, WebSocketServer } from "ws";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { RealtimeError, RTCClient, type RTCClientOptions } from "../src/index.js";
import { countedPeerConnections, createClient, startServer, tappedWebSocket } from "./harness.js";

async function connectedPair(url: string, room = "r", AlicePeerConnection?: RTCClientOptions["RTCPeerConnection"]) {
  const tapped = tappedWebSocket();
  const alice = createClient({ url, room, ...(AlicePeerConnection && { RTCPeerConnection: AlicePeerConnection }) });
  const { id: aliceId } = await alice.when("open");
  const bob = createClient({ url, room, WebSocket: tapped.WebSocket });
  const { id: bobId } = await bob.when("open");
  await Promise.all([alice.connectedTo(bobId), bob.connectedTo(aliceId)]);
  return { alice, bob, aliceId, bobId, bobSocket: tapped.tap.socket! };
}

describe("when peers and servers go away", () => {
  it("keeps peers talking after the signaling server stops", async () => {
    const { url, signaling } = await startServer();
    const { alice, bob, aliceId, bobId } = await connectedPair(url);

    await signaling.close();
    expect(await alice.when("signalingClosed")).toMatchObject({ code: 1001 });
    expect(await bob.when("signalingClosed")).toMatchObject({ code: 1001 });

    alice.client.send(bobId, "still here");
    bob.client.send(aliceId, "me too");
    expect(await bob.when("message")).toEqual({ peerId: aliceId, data: "still here" });
    expect(await alice.when("message")).toEqual({ peerId: bobId, data: "me too" });
  });

  it("reports a peer that left the room, and closes the connection to it", async () => {
    const { url } = await startServer();
    const { alice, bob, aliceId, bobId, bobSocket } = await connectedPair(url);

    // Bob's signaling drops; his peer connection is untouched, so what Alice
    // learns comes from the server's UserDisconnected.
    bobSocket.terminate();
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
    const { url } = await startServer();
    const errors = vi.spyOn(console, "error");
    onTestFinished(() => errors.mockRestore());
    const client = createClient({ url });
    client.client.close();
    const probe = createClient({ url });
    // A full round trip later, anything the first socket had to say was said.
    await probe.when("open");
    expect(client.events).toEqual([]);
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
        const message = JSON.parse(String(data)) as { event: string; id?: string };
        if (message.event === "Initialize") resolve(message.id ?? "");
      }),
    );
    silent.on("open", () => silent.send(JSON.stringify({ event: "Join", protocol: 2, room: "r" })));
    const silentId = await joined;

    const alice = createClient({ url, room: "r", connectTimeout: 300 });
    const error = await alice.when("error");
    expect(error).toMatchObject({ code: "CONNECTION_FAILED", peerId: silentId });
    expect(await alice.when("peerLeft")).toEqual({ peerId: silentId, reason: "failed" });
    expect(alice.client.peers).toEqual([]);
  });

  it("refuses a connectTimeout timers cannot honour", () => {
    for (const connectTimeout of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new RTCClient({ url: "ws://127.0.0.1:1", RTCPeerConnection, WebSocket, connectTimeout })).toThrow(
        RangeError,
      );
    }
  });
});

describe("errors are typed and the client carries on", () => {
  it("refuses to send what cannot be sent", async () => {
    const { url } = await startServer();
    const { alice, bob, bobId } = await connectedPair(url);
    const codeOf = (fn: () => void) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(RealtimeError);
        return (error as RealtimeError).code;
      }
      return "no error";
    };
    expect(codeOf(() => alice.client.send("nobody", 1))).toBe("PEER_NOT_CONNECTED");
    expect(codeOf(() => alice.client.send(bobId, undefined))).toBe("NOT_SERIALIZABLE");
    expect(codeOf(() => alice.client.send(bobId, 1n))).toBe("NOT_SERIALIZABLE");
    expect(codeOf(() => alice.client.send(bobId, "x".repeat(1024 * 1024)))).toBe("MESSAGE_TOO_LARGE");

    alice.client.send(bobId, "fine");
    expect(await bob.when("message")).toEqual({ peerId: alice.client.id, data: "fine" });
  });

  it("closes on a server of another protocol version", async () => {
    const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    onTestFinished(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    wss.on("connection", (socket) =>
      socket.send(JSON.stringify({ event: "Initialize", protocol: 999, id: "x", room: "r", peers: [], token: "t", resumed: false, grace: 0 })),
    );
    await new Promise((resolve) => wss.once("listening", resolve));
    const { port } = wss.address() as { port: number };
    const client = createClient({ url: `ws://127.0.0.1:${port}` });

    expect((await client.when("error")).code).toBe("PROTOCOL_MISMATCH");
    await client.when("signalingClosed");
    expect(client.all("open")).toEqual([]);
  });

  it("reports a frame from the server it cannot read", async () => {
    const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    onTestFinished(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    wss.on("connection", (socket) => {
      socket.send("{oops");
      socket.send(JSON.stringify({ event: "Initialize", protocol: 2, id: "me", room: "r", peers: [], token: "t", resumed: false, grace: 0 }));
    });
    await new Promise((resolve) => wss.once("listening", resolve));
    const { port } = wss.address() as { port: number };
    const client = createClient({ url: `ws://127.0.0.1:${port}`, room: "r" });

    expect((await client.when("error")).code).toBe("INVALID_SERVER_MESSAGE");
    expect(await client.when("open")).toEqual({ id: "me", room: "r", peers: [] });
  });

  it("says what is missing when there is no WebRTC or WebSocket", () => {
    expect(() => new RTCClient({ url: "ws://127.0.0.1:1", WebSocket })).toThrow(/RTCPeerConnection/);
    expect(() => new RTCClient({ url: "ws://127.0.0.1:1", RTCPeerConnection })).toThrow(/WebSocket/);
  });

  it("refuses a bad ICE configuration in the constructor", () => {
    expect(
      () => new RTCClient({ url: "ws://127.0.0.1:1", RTCPeerConnection, WebSocket, iceServers: [{ urls: "nonsense" }] }),
    ).toThrow();
  });

  it("stops calling a handler once it is removed", async () => {
    const { url } = await startServer();
    const { alice, bob, bobId } = await connectedPair(url);
    const seen: unknown[] = [];
    const unsubscribe = bob.client.on("message", ({ data }) => seen.push(data));
    alice.client.send(bobId, 1);
    await bob.when("message", (m) => m.data === 1);
    unsubscribe();
    alice.client.send(bobId, 2);
    await bob.when("message", (m) => m.data === 2);
    expect(seen).toEqual([1]);
  });
});
