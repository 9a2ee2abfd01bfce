import { WebSocketServer } from "ws";
import { describe, expect, it, onTestFinished } from "vitest";
import { RealtimeError } from "../src/index.js";
import { createClient, startServer, tappedWebSocket } from "./harness.js";

async function connectedPair(url: string, room = "r") {
  const tapped = tappedWebSocket();
  const alice = createClient({ url, room });
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
    const { alice, bob, aliceId } = await connectedPair(url);
    alice.client.close();
    expect(alice.client.peers).toEqual([]);
    expect((await bob.when("peerLeft")).peerId).toBe(aliceId);
    await expect.poll(() => signaling.connectionCount).toBe(1);
  });
});

describe("errors are typed and the client carries on", () => {
  it("refuses to send what cannot be sent", async () => {
    const { url } = await startServer();
    const { alice, bobId } = await connectedPair(url);
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
  });

  it("closes on a server of another protocol version", async () => {
    const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    onTestFinished(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    wss.on("connection", (socket) =>
      socket.send(JSON.stringify({ event: "Initialize", protocol: 999, id: "x", room: "r", peers: [] })),
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
      socket.send(JSON.stringify({ event: "Initialize", protocol: 1, id: "me", room: "r", peers: [] }));
    });
    await new Promise((resolve) => wss.once("listening", resolve));
    const { port } = wss.address() as { port: number };
    const client = createClient({ url: `ws://127.0.0.1:${port}`, room: "r" });

    expect((await client.when("error")).code).toBe("INVALID_SERVER_MESSAGE");
    expect(await client.when("open")).toEqual({ id: "me", room: "r", peers: [] });
  });

  it("says what is missing when there is no WebRTC or WebSocket", async () => {
    const { RTCClient } = await import("../src/index.js");
    expect(() => new RTCClient({ url: "ws://127.0.0.1:1" })).toThrow(/RTCPeerConnection/);
  });
});
