import { describe, expect, it } from "vitest";
import { ErrorCodes, Limits, PROTOCOL_VERSION, parseClientMessage, parseServerMessage, SignalingEvents } from "../src/index.js";

const json = (value: unknown) => JSON.stringify(value);

describe("SignalingEvents", () => {
  it("keeps the original nine events, by value", () => {
    for (const name of [
      "Initialize",
      "UserConnected",
      "UserDisconnected",
      "SendCandidate",
      "ReceiveCandidate",
      "SendOffer",
      "ReceiveOffer",
      "SendAnswer",
      "ReceiveAnswer",
    ]) {
      expect(SignalingEvents[name as keyof typeof SignalingEvents]).toBe(name);
    }
  });
});

describe("parseClientMessage", () => {
  it("accepts every client message", () => {
    const frames = [
      { event: "Join", protocol: PROTOCOL_VERSION, room: "lobby" },
      { event: "SendOffer", to: "p1", sdp: "v=0" },
      { event: "SendAnswer", to: "p1", sdp: "v=0" },
      { event: "SendCandidate", to: "p1", candidate: { candidate: "candidate:1", sdpMid: "0", sdpMLineIndex: 0 } },
      { event: "SendCandidate", to: "p1", candidate: null },
      { event: "Join", protocol: PROTOCOL_VERSION, room: "lobby", token: "t.sig" },
      { event: "Ping" },
    ];
    for (const frame of frames) expect(parseClientMessage(json(frame))).toEqual({ ok: true, message: frame });
  });

  const clientEvents = "Join, SendOffer, SendAnswer, SendCandidate, Ping";
  const join = { event: "Join", protocol: PROTOCOL_VERSION, room: "r" };
  const candidate = (fields: object) => json({ event: "SendCandidate", to: "p", candidate: { candidate: "c", ...fields } });
  it.each([
    ["not JSON", "{", ErrorCodes.INVALID_JSON, "the frame is not valid JSON"],
    ["a string", json("Join"), ErrorCodes.INVALID_MESSAGE, "a frame must be a JSON object with an `event`"],
    ["null", "null", ErrorCodes.INVALID_MESSAGE, "a frame must be a JSON object with an `event`"],
    ["an array", "[]", ErrorCodes.INVALID_MESSAGE, "a frame must be a JSON object with an `event`"],
    ["no event", json({ room: "x" }), ErrorCodes.UNKNOWN_EVENT, `event missing is not one of ${clientEvents}`],
    ["a numeric event", json({ event: 5 }), ErrorCodes.UNKNOWN_EVENT, `event missing is not one of ${clientEvents}`],
    ["an unknown event", json({ event: "Nope" }), ErrorCodes.UNKNOWN_EVENT, `event "Nope" is not one of ${clientEvents}`],
    [
      "a long unknown event, named in 64 characters",
      json({ event: "E".repeat(1000) }),
      ErrorCodes.UNKNOWN_EVENT,
      `event "${"E".repeat(64)}" is not one of ${clientEvents}`,
    ],
    ["a server event", json({ event: "Initialize" }), ErrorCodes.UNKNOWN_EVENT, `event "Initialize" is not one of ${clientEvents}`],
    [
      "a spoofed from",
      json({ event: "SendOffer", to: "p", sdp: "v=0", from: "p2" }),
      ErrorCodes.SPOOFED_SENDER,
      "`from` is set by the server; remove it from the frame",
    ],
    ["a wrong type", json({ event: "SendOffer", to: "p", sdp: 1 }), ErrorCodes.INVALID_MESSAGE, "SendOffer: `sdp` must be string"],
    ["a missing room", json({ event: "Join", protocol: 1 }), ErrorCodes.INVALID_MESSAGE, "Join: `room` must be string"],
    ["an extra field", json({ ...join, x: 1 }), ErrorCodes.INVALID_MESSAGE, "Join: unexpected field `x`"],
    ["two extra fields", json({ ...join, x: 1, y: 2 }), ErrorCodes.INVALID_MESSAGE, "Join: unexpected fields `x`, `y`"],
    [
      "five extra fields, all named",
      json({ ...join, a: 1, b: 1, c: 1, d: 1, e: 1 }),
      ErrorCodes.INVALID_MESSAGE,
      "Join: unexpected fields `a`, `b`, `c`, `d`, `e`",
    ],
    [
      "seven extra fields, five named",
      json({ ...join, a: 1, b: 1, c: 1, d: 1, e: 1, f: 1, g: 1 }),
      ErrorCodes.INVALID_MESSAGE,
      "Join: unexpected fields `a`, `b`, `c`, `d`, `e`, and 2 more",
    ],
    [
      "an extra field with a long name, cut to 32 characters",
      json({ ...join, ["k".repeat(40)]: 1 }),
      ErrorCodes.INVALID_MESSAGE,
      `Join: unexpected field \`${"k".repeat(32)}\``,
    ],
    [
      "more than three problems, three described",
      json({ event: "Join", protocol: "2", room: 1, token: 1, x: 1 }),
      ErrorCodes.INVALID_MESSAGE,
      "Join: `protocol` must be number; `room` must be string; `token` must be string",
    ],
    ["a fractional protocol", json({ ...join, protocol: 1.5 }), ErrorCodes.INVALID_MESSAGE, "Join: `protocol` must be int"],
    ["a room with a control character", json({ ...join, room: "a\u0000" }), ErrorCodes.INVALID_MESSAGE, "Join: `room` has characters that are not allowed"],
    [
      "an overlong sdp",
      json({ event: "SendOffer", to: "p", sdp: "x".repeat(Limits.sdp + 1) }),
      ErrorCodes.INVALID_MESSAGE,
      "SendOffer: `sdp` must be at most 65536 characters",
    ],
    [
      "an overlong peer id",
      json({ event: "SendAnswer", to: "p".repeat(Limits.peerId + 1), sdp: "v" }),
      ErrorCodes.INVALID_MESSAGE,
      "SendAnswer: `to` must be at most 64 characters",
    ],
    ["an empty token", json({ ...join, token: "" }), ErrorCodes.INVALID_MESSAGE, "Join: `token` must be at least 1 characters"],
    ["an overlong token", json({ ...join, token: "t".repeat(Limits.token + 1) }), ErrorCodes.INVALID_MESSAGE, "Join: `token` must be at most 512 characters"],
    ["a Ping with a payload", json({ event: "Ping", data: 1 }), ErrorCodes.INVALID_MESSAGE, "Ping: unexpected field `data`"],
    ["a negative line index", candidate({ sdpMLineIndex: -1 }), ErrorCodes.INVALID_MESSAGE, "SendCandidate: `candidate.sdpMLineIndex` must be at least 0"],
    [
      "a line index past 65535",
      candidate({ sdpMLineIndex: 65536 }),
      ErrorCodes.INVALID_MESSAGE,
      "SendCandidate: `candidate.sdpMLineIndex` must be at most 65535",
    ],
  ])("refuses %s with a code and a reason, without throwing", (_, frame, code, reason) => {
    expect(parseClientMessage(frame)).toEqual({ ok: false, code, reason });
  });

  it("names the offending field", () => {
    const result = parseClientMessage(json({ event: "SendOffer", to: "p", sdp: 1, extra: true }));
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/`sdp` must be string.*`extra`/) });
  });
});

describe("room names", () => {
  const join = (room: string) => parseClientMessage(json({ event: "Join", protocol: PROTOCOL_VERSION, room }));
  it.each([
    ["a C0 control", "a\u0000b"],
    ["DEL", "a\u007fb"],
    ["a C1 control (NEL)", "a\u0085b"],
    ["a bidi override (Cf)", "a\u202eb"],
    ["a zero-width joiner (Cf)", "a\u200db"],
    ["a lone surrogate (Cs)", "a\ud800b"],
    ["private use (Co)", "a\ue000b"],
    ["a line separator (Zl)", "a\u2028b"],
    ["a paragraph separator (Zp)", "a\u2029b"],
    ["nothing", ""],
    ["129 code units", "x".repeat(129)],
  ])("refuses %s", (_, room) => {
    expect(join(room)).toMatchObject({ ok: false, code: ErrorCodes.INVALID_MESSAGE });
  });
  it.each([
    ["spaces", "a b"],
    ["emoji", "😀 party"],
    ["accents", "café"],
    ["CJK", "会议室"],
    ["128 code units", "x".repeat(128)],
  ])("accepts %s", (_, room) => {
    expect(join(room)).toMatchObject({ ok: true });
  });
});

describe("parseServerMessage", () => {
  it("accepts every server message and tolerates fields it does not know", () => {
    const frames = [
      {
        event: "Initialize",
        protocol: 2,
        id: "me",
        room: "r",
        peers: [{ id: "a" }, { id: "b", metadata: { name: "Bob" } }],
        token: "t",
        resumed: false,
        grace: 20000,
      },
      { event: "Token", token: "t2" },
      { event: "Pong" },
      { event: "UserConnected", id: "a" },
      { event: "UserConnected", id: "a", metadata: { name: "Ann", tags: ["x"] } },
      { event: "IceServers", iceServers: [{ urls: ["turn:127.0.0.1:3478"], username: "1:a", credential: "c2VjcmV0" }] },
      { event: "UserDisconnected", id: "a" },
      { event: "ReceiveOffer", from: "a", sdp: "v=0" },
      { event: "ReceiveAnswer", from: "a", sdp: "v=0" },
      { event: "ReceiveCandidate", from: "a", candidate: null },
      { event: "Error", code: "PEER_NOT_FOUND", message: "gone", peer: "a" },
    ];
    for (const frame of frames) expect(parseServerMessage(json(frame))).toEqual({ ok: true, message: frame });
    expect(parseServerMessage(json({ event: "UserConnected", id: "a", since: 1 }))).toEqual({
      ok: true,
      message: { event: "UserConnected", id: "a" },
    });
  });

  it("refuses an Initialize without its resume fields", () => {
    expect(parseServerMessage(json({ event: "Initialize", protocol: 2, id: "me", room: "r", peers: [] }))).toMatchObject({
      ok: false,
      code: ErrorCodes.INVALID_MESSAGE,
    });
  });

  it("refuses client events", () => {
    expect(parseServerMessage(json({ event: "SendOffer", to: "a", sdp: "v" }))).toMatchObject({
      ok: false,
      code: ErrorCodes.UNKNOWN_EVENT,
    });
  });
});
