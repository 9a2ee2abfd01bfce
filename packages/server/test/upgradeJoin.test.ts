import { once } from "node:events";
import * as fc from "fast-check";
import {
  CloseCodes,
  ErrorCodes,
  JoinQuery,
  Limits,
  PROTOCOL_VERSION,
  parseClientMessage,
  type ClientMessage,
  type ServerMessage,
} from "@raycaster/realtime-protocol";
import { RawClient, textOf, within } from "@raycaster/realtime-test-harness";
import { describe, expect, it, onTestFinished } from "vitest";
import { WebSocket } from "ws";
import { readJoinQuery, upgradeJoinOf } from "../src/upgradeJoin.js";
import { connect, join, refusedJoin, startServer } from "./harness.js";

/** The WebSocket URL of a join on the upgrade request. */
function joinUrl(url: string, room: string, protocol: string | number = PROTOCOL_VERSION): string {
  return `${url}/?${JoinQuery.protocol}=${encodeURIComponent(protocol)}&${JoinQuery.room}=${encodeURIComponent(room)}`;
}

/**
 * A socket whose frames and close are recorded from before it opens: a
 * refusal can come in the same packet as the upgrade's response, and end
 * the socket before a client made after `open` would listen.
 */
async function refusedOnUpgrade(url: string): Promise<{ frames: ServerMessage[]; code: number }> {
  const socket = new WebSocket(url);
  onTestFinished(() => socket.terminate());
  const frames: ServerMessage[] = [];
  socket.on("message", (data) => frames.push(JSON.parse(textOf(data)) as ServerMessage));
  const [code] = (await within(`${url} closing after its refusal`, once(socket, "close"), undefined, () => frames.map((f) => f.event))) as [number];
  return { frames, code };
}

describe("joining on the upgrade request", () => {
  it("seats the client with no Join frame: Initialize comes unasked, and the room is told", async () => {
    const frames: ClientMessage[] = [];
    const { url, signaling } = await startServer({ hooks: { message: (_, message) => frames.push(message) } });
    const bob = await join(url, "r");
    const alice = await RawClient.connect<ServerMessage>(joinUrl(url, "r"));

    const init = await alice.next("Initialize");
    expect(init).toMatchObject({ protocol: PROTOCOL_VERSION, room: "r", peers: [{ id: bob.init.id }], resumed: false });
    expect(await bob.client.next("UserConnected")).toMatchObject({ id: init.id });
    // Bob's Join was a frame; Alice sent none.
    expect(frames.map((m) => m.event)).toEqual(["Join"]);
    expect(signaling.stats()).toMatchObject({ seats: 2, rooms: 1, framesIn: { Join: 2 } });
  });

  it("asks the join hook as for a Join frame: a refusal is JOIN_REFUSED, then close 4004", async () => {
    const asked: (string | undefined)[] = [];
    const { url, signaling } = await startServer({
      hooks: {
        upgrade: () => ({ user: "mallory" }),
        join: (peer, room) => {
          asked.push(`${String(peer.user)} ${room}`);
          return room !== "vault";
        },
      },
    });
    const { frames, code } = await refusedOnUpgrade(joinUrl(url, "vault"));
    expect(frames).toMatchObject([{ event: "Error", code: ErrorCodes.JOIN_REFUSED }]);
    expect(code).toBe(CloseCodes.JoinRefused);
    expect(asked).toEqual(["mallory vault"]);
    expect(signaling.stats()).toMatchObject({ seats: 0 });
  });

  it("leaves the upgrade hook first: its refusal is an HTTP status and nobody is asked to join", async () => {
    let joins = 0;
    const { url } = await startServer({
      hooks: {
        upgrade: () => ({ status: 401, message: "who are you?" }),
        join: () => {
          joins++;
          return true;
        },
      },
    });
    expect(await RawClient.refused(joinUrl(url, "r"))).toEqual({ status: 401, body: "who are you?\n" });
    expect(joins).toBe(0);
  });

  it("refuses another protocol version in the query with PROTOCOL_MISMATCH, then close 4001", async () => {
    const { url } = await startServer();
    const { frames, code } = await refusedOnUpgrade(joinUrl(url, "r", PROTOCOL_VERSION - 1));
    expect(frames).toMatchObject([{ event: "Error", code: ErrorCodes.PROTOCOL_MISMATCH }]);
    expect(code).toBe(CloseCodes.ProtocolMismatch);
  });

  it("answers an invalid room or protocol in the query with INVALID_MESSAGE and keeps the socket for a Join frame", async () => {
    const { url } = await startServer();
    for (const query of [joinUrl(url, "bell\u0007"), joinUrl(url, "r", "four"), `${url}/?${JoinQuery.room}=r`]) {
      const client = await RawClient.connect<ServerMessage>(query);
      expect(await client.next("Error")).toMatchObject({ code: ErrorCodes.INVALID_MESSAGE });
      expect(await client.join({ protocol: PROTOCOL_VERSION, room: "r" })).toMatchObject({ event: "Initialize", room: "r" });
    }
  });

  it("says what was wrong with the query, as for the Join frame it stands for, and counts it as invalid", async () => {
    const { url, signaling } = await startServer();
    const client = await RawClient.connect<ServerMessage>(joinUrl(url, "r", "four"));
    // A protocol that is no number: the frame's protocol is null.
    const frame = parseClientMessage(JSON.stringify({ event: "Join", protocol: null, room: "r" }));
    expect(frame.ok).toBe(false);
    expect(await client.next("Error")).toEqual({
      event: "Error",
      code: ErrorCodes.INVALID_MESSAGE,
      message: `the upgrade's join query: ${frame.ok ? "" : frame.reason}`,
    });
    expect(signaling.stats().framesIn).toEqual({ invalid: 1 });
  });

  it("seats a room the quick read leaves to the schemas: 100 emoji, 200 UTF-16 units", async () => {
    const room = "🎥".repeat(100);
    expect(readJoinQuery({ protocol: String(PROTOCOL_VERSION), room })).toBeUndefined();
    const { url } = await startServer();
    const client = await RawClient.connect<ServerMessage>(joinUrl(url, room));
    expect(await client.next("Initialize")).toMatchObject({ room });
  });

  it("refuses a Join frame on a socket seated on its upgrade with ALREADY_JOINED", async () => {
    const { url } = await startServer();
    const alice = await RawClient.connect<ServerMessage>(joinUrl(url, "r"));
    await alice.next("Initialize");
    alice.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "other" });
    expect(await alice.next("Error")).toMatchObject({ code: ErrorCodes.ALREADY_JOINED });
  });

  it("issues a resume token that takes the seat back through a Join frame", async () => {
    const { url } = await startServer();
    const alice = await RawClient.connect<ServerMessage>(joinUrl(url, "r"));
    const init = await alice.next("Initialize");
    alice.socket.terminate();
    const resumed = await join(url, "r", init.token);
    expect(resumed.init).toMatchObject({ id: init.id, resumed: true });
  });

  it("takes a query without a room for no join: the client sends Join as before", async () => {
    const { url } = await startServer({ joinTimeout: 1000 });
    const client = await connect(`${url}/?${JoinQuery.protocol}=${PROTOCOL_VERSION}&other=x`);
    client.sendJson({ event: "Ping" });
    expect(await client.next("Pong")).toEqual({ event: "Pong" });
    expect(await refusedJoin(client, "r", "not-a-token")).toMatchObject({ code: ErrorCodes.INVALID_TOKEN });
    expect(await client.join({ protocol: PROTOCOL_VERSION, room: "r" })).toMatchObject({ event: "Initialize" });
  });
});

describe("the join a request's URL asks for", () => {
  it.each([
    [undefined, undefined],
    ["/", undefined],
    ["room=r", undefined],
    ["/?other=x", undefined],
    ["/?room=r", { protocol: null, room: "r" }],
    [`/signaling?protocol=${PROTOCOL_VERSION}&room=a%20b`, { protocol: String(PROTOCOL_VERSION), room: "a b" }],
  ])("%j: %j", (url, join) => {
    expect(upgradeJoinOf(url)).toEqual(join);
  });
});

describe("reading a join query without the schemas", () => {
  /** Protocols as a query may spell them: numbers, near-numbers, noise. */
  const protocol = fc.oneof(
    fc.constant(null),
    fc.integer({ min: -5, max: 10 }).map(String),
    fc.constantFrom("", " 4", "4 ", "4.0", "4.5", "1e0", "0x4", "-0", "+4", "Infinity", "NaN", "9007199254740991", "9007199254740993", "4abc"),
    fc.string({ maxLength: 6 }),
  );
  /** Rooms: plain names, any characters (controls, format, private use, lone surrogates), around the length bound. */
  const room = fc.oneof(
    fc.stringMatching(/^[a-z0-9-]{1,20}$/),
    fc.string({ unit: "binary", maxLength: 24 }),
    fc.string({ unit: fc.constantFrom("a", "é", "🎥", "\u202e", "\u0007", "\ue000", "\u2028", "\ud800", " "), maxLength: 12 }),
    fc.integer({ min: Limits.roomName - 2, max: Limits.roomName + 2 }).map((n) => "r".repeat(n)),
    fc.integer({ min: Limits.roomName / 2 - 2, max: Limits.roomName / 2 + 2 }).map((n) => "🎥".repeat(n)),
  );

  it("accepts only what the schemas accept, as the same message, and takes plain queries", () => {
    let taken = 0;
    fc.assert(
      fc.property(protocol, room, (protocol, room) => {
        const fast = readJoinQuery({ protocol, room });
        const number = protocol === null ? undefined : Number(protocol);
        const zod = parseClientMessage(JSON.stringify({ event: "Join", protocol: number, room }));
        if (fast === undefined) return;
        taken++;
        if (!zod.ok) expect.fail(`the fast read accepted what the schemas refuse (${zod.code}: ${zod.reason}): ${JSON.stringify({ protocol, room })}`);
        // Through JSON, as the client would see any number in an answer (-0 is 0 there).
        expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.message));
      }),
      { numRuns: 5_000 },
    );
    expect(taken).toBeGreaterThan(500);
    expect(readJoinQuery({ protocol: String(PROTOCOL_VERSION), room: "lobby" })).toEqual({ event: "Join", protocol: PROTOCOL_VERSION, room: "lobby" });
  });
});
