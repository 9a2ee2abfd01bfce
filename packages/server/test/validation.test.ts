import { PROTOCOL_VERSION } from "@raycaster/realtime-protocol";
import { describe, expect, it } from "vitest";
import { Limits, parseServerMessage } from "@raycaster/realtime-protocol";
import { bareConnection, connect, join, settled, startServer } from "./harness.js";

const maxMessageSize = 4096;

describe("every frame is validated", () => {
  const bad: [string, (to: string) => string | Buffer, string][] = [
    ["malformed JSON", () => "{not json", "INVALID_JSON"],
    ["a binary frame", () => Buffer.from("{}"), "INVALID_JSON"],
    ["a JSON value that is not an object", () => "[1,2]", "INVALID_MESSAGE"],
    ["an unknown event", (to) => JSON.stringify({ event: "Hack", to }), "UNKNOWN_EVENT"],
    ["a server-to-client event", (to) => JSON.stringify({ event: "ReceiveOffer", from: to, sdp: "x" }), "UNKNOWN_EVENT"],
    ["no event at all", () => JSON.stringify({ to: "x" }), "UNKNOWN_EVENT"],
    ["a wrong field type", () => JSON.stringify({ event: "SendOffer", to: 42, sdp: "x" }), "INVALID_MESSAGE"],
    ["a missing field", (to) => JSON.stringify({ event: "SendAnswer", to }), "INVALID_MESSAGE"],
    ["an extra field", (to) => JSON.stringify({ event: "SendOffer", to, sdp: "x", admin: true }), "INVALID_MESSAGE"],
    ["a spoofed from", (to) => JSON.stringify({ event: "SendOffer", to, sdp: "x", from: to }), "SPOOFED_SENDER"],
    ["an oversized frame", (to) => JSON.stringify({ event: "SendOffer", to, sdp: "x".repeat(maxMessageSize) }), "MESSAGE_TOO_LARGE"],
    ["a second Join", () => JSON.stringify({ event: "Join", protocol: PROTOCOL_VERSION, room: "other" }), "ALREADY_JOINED"],
  ];

  it.each(bad)("answers %s with an Error, relays nothing and keeps everyone connected", async (_, frame, code) => {
    const { url } = await startServer({ maxMessageSize });
    const mallory = await join(url, "r");
    const alice = await join(url, "r");

    mallory.client.socket.send(frame(alice.init.id));
    const error = await mallory.client.next("Error");
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(10);

    // The sender's connection still relays, and the bystander saw nothing but it.
    mallory.client.sendJson({ event: "SendOffer", to: alice.init.id, sdp: "v=0" });
    expect(await alice.client.next("ReceiveOffer")).toMatchObject({ from: mallory.init.id });
    expect(alice.client.received.map((m) => m.event)).toEqual(["Initialize", "ReceiveOffer"]);
  });

  it("explains which field is wrong", async () => {
    const { url } = await startServer();
    const { client } = await join(url, "r");
    client.sendJson({ event: "SendOffer", to: 42, sdp: "x" });
    expect((await client.next("Error")).message).toMatch(/`to` must be string/);
  });

  it("refuses signaling before Join", async () => {
    const { url } = await startServer();
    const client = await connect(url);
    client.sendJson({ event: "SendOffer", to: "someone", sdp: "x" });
    expect(await client.next("Error")).toMatchObject({ code: "NOT_JOINED" });
  });

  it("refuses invalid room names", async () => {
    const { url } = await startServer();
    const client = await connect(url);
    client.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "" });
    client.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "a\u0000b" });
    client.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "x".repeat(129) });
    for (let i = 0; i < 3; i++) expect(await client.next("Error")).toMatchObject({ code: "INVALID_MESSAGE" });
  });

  it("seats nobody from frames that arrive while the connection is closing", async () => {
    const { url } = await startServer();
    const alice = await join(url, "r");
    const mallory = await connect(url);
    const closed = mallory.closed();
    // Both frames leave before the server's close frame can arrive.
    mallory.sendJson({ event: "Join", protocol: 999, room: "r" });
    mallory.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "r" });
    expect((await closed).code).toBe(4001);

    await join(url, "r");
    await alice.client.next("UserConnected");
    expect(alice.client.received.map((m) => m.event)).toEqual(["Initialize", "UserConnected"]);
  });

  it("names a flood of unexpected fields briefly", async () => {
    const { url } = await startServer();
    const client = await connect(url);
    const extra = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`field_${i}_${"x".repeat(20)}`, 1]));
    client.socket.send(JSON.stringify({ event: "Join", protocol: PROTOCOL_VERSION, room: "r", ...extra }));
    const error = await client.next("Error");
    expect(error.code).toBe("INVALID_MESSAGE");
    expect(error.message).toMatch(/and 295 more/);
    expect(parseServerMessage(JSON.stringify(error)).ok).toBe(true);
  });

  // Every message the server writes today is short by construction (the
  // parser bounds what it quotes), so the bound in Connection.sendError is
  // tested on it directly, over a real socket: through the server it could
  // not fail.
  it("cuts an Error message to what a client accepts", async () => {
    const { conn, client } = await bareConnection();

    conn.sendError("INTERNAL_ERROR", "é".repeat(Limits.errorMessage * 2));
    const error = await client.next("Error");
    expect(error.message).toHaveLength(Limits.errorMessage);
    expect(error.message.endsWith("…")).toBe(true);
    expect(parseServerMessage(JSON.stringify(error)).ok).toBe(true);
  });

  it("closes a client of another protocol version with PROTOCOL_MISMATCH", async () => {
    const { url } = await startServer();
    const client = await connect(url);
    const closed = client.closed();
    client.sendJson({ event: "Join", protocol: 999, room: "r" });
    expect(await client.next("Error")).toMatchObject({ code: "PROTOCOL_MISMATCH" });
    expect(await closed).toEqual({ code: 4001, reason: "protocol mismatch" });
  });

  it("handles a frame of exactly the limit, refuses one byte more with MESSAGE_TOO_LARGE, and reads one of four times the limit", async () => {
    const { url } = await startServer({ maxMessageSize });
    const { client } = await join(url, "r");
    /** A signal for nobody, padded to `size` bytes. */
    const signal = (size: number) => {
      const frame = JSON.stringify({ event: "SendOffer", to: "nobody", sdp: "" });
      return JSON.stringify({ event: "SendOffer", to: "nobody", sdp: "x".repeat(size - frame.length) });
    };
    client.socket.send(signal(maxMessageSize));
    expect(await client.next("Error")).toMatchObject({ code: "PEER_NOT_FOUND" });
    client.socket.send(signal(maxMessageSize + 1));
    expect(await client.next("Error")).toMatchObject({
      code: "MESSAGE_TOO_LARGE",
      message: `the frame is ${maxMessageSize + 1} bytes; the limit is ${maxMessageSize}`,
    });
    // ws reads frames up to four times the limit, so the sender hears why rather than being cut off.
    client.socket.send(signal(maxMessageSize * 4));
    expect(await client.next("Error")).toMatchObject({ code: "MESSAGE_TOO_LARGE" });
    await settled(client);
  });

  it("closes a connection whose frame exceeds four times the limit, and carries on", async () => {
    // Not a clean close from the client: the seat waits out a (short) grace.
    const { url, signaling } = await startServer({ maxMessageSize, seatGrace: 100 });
    const alice = await join(url, "r");
    const mallory = await join(url, "r");
    const closed = mallory.client.closed();
    mallory.client.socket.send("x".repeat(maxMessageSize * 4 + 1));
    expect((await closed).code).toBe(1009);

    expect(await alice.client.next("UserDisconnected")).toEqual({ event: "UserDisconnected", id: mallory.init.id });
    const bob = await join(url, "r");
    expect(bob.init.peers).toEqual([{ id: alice.init.id }]);
    expect(signaling.connectionCount).toBe(2);
  });
});
