import { describe, expect, it } from "vitest";
import {
  ErrorCodes,
  Limits,
  PROTOCOL_VERSION,
  parseClientMessage,
  parseServerMessage,
  SignalingEvents,
} from "../src/index.js";

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

  it.each([
    ["not JSON", "{", ErrorCodes.INVALID_JSON],
    ["a string", json("Join"), ErrorCodes.INVALID_MESSAGE],
    ["null", "null", ErrorCodes.INVALID_MESSAGE],
    ["no event", json({ room: "x" }), ErrorCodes.UNKNOWN_EVENT],
    ["an unknown event", json({ event: "Nope" }), ErrorCodes.UNKNOWN_EVENT],
    ["a server event", json({ event: "Initialize" }), ErrorCodes.UNKNOWN_EVENT],
    ["a spoofed from", json({ event: "SendOffer", to: "p", sdp: "v=0", from: "p2" }), ErrorCodes.SPOOFED_SENDER],
    ["a wrong type", json({ event: "SendOffer", to: "p", sdp: 1 }), ErrorCodes.INVALID_MESSAGE],
    ["an extra field", json({ event: "Join", protocol: 1, room: "r", x: 1 }), ErrorCodes.INVALID_MESSAGE],
    ["a fractional protocol", json({ event: "Join", protocol: 1.5, room: "r" }), ErrorCodes.INVALID_MESSAGE],
    ["an overlong sdp", json({ event: "SendOffer", to: "p", sdp: "x".repeat(Limits.sdp + 1) }), ErrorCodes.INVALID_MESSAGE],
    ["an overlong peer id", json({ event: "SendAnswer", to: "p".repeat(Limits.peerId + 1), sdp: "v" }), ErrorCodes.INVALID_MESSAGE],
    ["an empty token", json({ event: "Join", protocol: 2, room: "r", token: "" }), ErrorCodes.INVALID_MESSAGE],
    ["an overlong token", json({ event: "Join", protocol: 2, room: "r", token: "t".repeat(Limits.token + 1) }), ErrorCodes.INVALID_MESSAGE],
    ["a Ping with a payload", json({ event: "Ping", data: 1 }), ErrorCodes.INVALID_MESSAGE],
    ["a negative line index", json({ event: "SendCandidate", to: "p", candidate: { candidate: "c", sdpMLineIndex: -1 } }), ErrorCodes.INVALID_MESSAGE],
  ])("refuses %s with a code and a reason, without throwing", (_, frame, code) => {
    const result = parseClientMessage(frame);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.code).toBe(code);
      expect(result.reason).toMatch(/\w{3}/);
    }
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
  it.each([["spaces", "a b"], ["emoji", "😀 party"], ["accents", "café"], ["CJK", "会议室"], ["128 code units", "x".repeat(128)]])(
    "accepts %s",
    (_, room) => {
      expect(join(room)).toMatchObject({ ok: true });
    },
  );
});

describe("parseServerMessage", () => {
  it("accepts every server message and tolerates fields it does not know", () => {
    const frames = [
      { event: "Initialize", protocol: 2, id: "me", room: "r", peers: [{ id: "a" }, { id: "b", metadata: { name: "Bob" } }], token: "t", resumed: false, grace: 20000 },
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
