import { describe, expect, it } from "vitest";
import { parseServerMessage as parseWithZod } from "../src/index.js";
import { parseServerMessage as parseLight } from "../src/client.js";

// Each server message schema, field by field: what both parsers accept, and
// the reason each gives for what they refuse (the two are worded apart where
// zod's issues say less than the light parser's checks). light.test.ts
// compares them on generated frames; this pins the verdicts and the words.

const json = (value: unknown) => JSON.stringify(value);
const init = { event: "Initialize", protocol: 2, id: "me", room: "r", peers: [], token: "t", resumed: false, grace: 0 };
const candidate = (fields: object) => ({ event: "ReceiveCandidate", from: "a", candidate: { candidate: "c", ...fields } });
const emoji = "\u{1F600}";
const loneLow = "\udc00";

describe("both server message parsers", () => {
  it.each([
    [
      "an Initialize with everything",
      {
        ...init,
        peers: [{ id: "a", metadata: { n: 1 } }],
        metadata: { name: "me" },
        iceServers: [{ urls: "stun:x" }, { urls: ["turn:x"], username: "u", credential: "c" }],
        resumed: true,
        grace: 5,
      },
    ],
    ["a room of 128 emoji (code points, not code units)", { ...init, room: emoji.repeat(128) }],
    ["a peer id of 64 emoji", { event: "UserDisconnected", id: emoji.repeat(64) }],
    ["a peer id of 64 lone low surrogates", { event: "UserDisconnected", id: loneLow.repeat(64) }],
    ["1024 peers", { ...init, peers: Array.from({ length: 1024 }, (_, i) => ({ id: `p${i}` })) }],
    ["8 ICE servers of 8 URLs", { ...init, iceServers: Array(8).fill({ urls: Array(8).fill("turn:x") }) }],
    ["a metadata key of 64 emoji", { event: "UserConnected", id: "a", metadata: { [emoji.repeat(64)]: 1 } }],
    ["empty candidate fields", candidate({ candidate: "", sdpMid: "", usernameFragment: "", sdpMLineIndex: 65535 })],
    ["null candidate fields", candidate({ sdpMid: null, usernameFragment: null, sdpMLineIndex: null })],
    ["an empty Error", { event: "Error", code: "", message: "" }],
    ["a Pong with a field it does not know", { event: "Pong", since: 1 }],
  ])("accept %s, identically", (_, frame) => {
    const zod = parseWithZod(json(frame));
    expect(zod.ok).toBe(true);
    expect(parseLight(json(frame))).toEqual(zod);
  });

  it.each([
    ["a non-boolean resumed", { ...init, resumed: "yes" }, "Initialize: `resumed` must be boolean", undefined],
    ["a negative grace", { ...init, grace: -1 }, "Initialize: `grace` must be at least 0", "Initialize: `grace` must be an integer from 0 to 9007199254740991"],
    ["a fractional grace", { ...init, grace: 1.5 }, "Initialize: `grace` must be int", "Initialize: `grace` must be an integer from 0 to 9007199254740991"],
    [
      "a string protocol",
      { ...init, protocol: "2" },
      "Initialize: `protocol` must be number",
      "Initialize: `protocol` must be an integer from -9007199254740991 to 9007199254740991",
    ],
    ["an Initialize without its token", { ...init, token: undefined }, "Initialize: `token` must be string", undefined],
    ["a room with a control character", { ...init, room: "a\u0000" }, "Initialize: `room` has characters that are not allowed", undefined],
    ["a room of 129 emoji", { ...init, room: emoji.repeat(129) }, "Initialize: `room` must be at most 128 characters", undefined],
    ["peers that are not an array", { ...init, peers: {} }, "Initialize: `peers` must be array", undefined],
    [
      "1025 peers",
      { ...init, peers: Array.from({ length: 1025 }, (_, i) => ({ id: `p${i}` })) },
      "Initialize: `peers` must be at most 1024",
      "Initialize: `peers` must have 0 to 1024 items",
    ],
    ["a peer without an id", { ...init, peers: [{}] }, "Initialize: `peers.0.id` must be string", undefined],
    ["null metadata", { ...init, metadata: null }, "Initialize: `metadata` must be record", "Initialize: `metadata` must be object"],
    ["a null peer", { ...init, peers: [null] }, "Initialize: `peers.0` must be object", undefined],
    ["metadata that is an array", { ...init, metadata: [] }, "Initialize: `metadata` must be record", "Initialize: `metadata` must be object"],
    [
      "a metadata key of 65 characters",
      { ...init, metadata: { ["k".repeat(65)]: 1 } },
      `Initialize: \`metadata.${"k".repeat(65)}\` is invalid`,
      `Initialize: \`metadata.${"k".repeat(65)}\` is a key over 64 characters`,
    ],
    [
      "a huge metadata key, named in 96 characters",
      { ...init, metadata: { ["k".repeat(300)]: 1 } },
      `Initialize: \`metadata.${"k".repeat(87)}\` is invalid`,
      `Initialize: \`metadata.${"k".repeat(87)}\` is a key over 64 characters`,
    ],
    ["ICE servers that are not an array", { ...init, iceServers: {} }, "Initialize: `iceServers` must be array", undefined],
    [
      "9 ICE servers",
      { ...init, iceServers: Array(9).fill({ urls: "turn:x" }) },
      "Initialize: `iceServers` must be at most 8",
      "Initialize: `iceServers` must have 0 to 8 items",
    ],
    [
      "an ICE server without URLs",
      { ...init, iceServers: [{ urls: [] }] },
      "Initialize: `iceServers.0.urls` must be at least 1",
      "Initialize: `iceServers.0.urls` must have 1 to 8 items",
    ],
    [
      "an ICE server of 9 URLs",
      { ...init, iceServers: [{ urls: Array(9).fill("turn:x") }] },
      "Initialize: `iceServers.0.urls` is invalid",
      "Initialize: `iceServers.0.urls` must have 1 to 8 items",
    ],
    [
      "a numeric ICE URL",
      { event: "IceServers", iceServers: [{ urls: 5 }] },
      "IceServers: `iceServers.0.urls` is invalid",
      "IceServers: `iceServers.0.urls` must be string",
    ],
    [
      "a numeric TURN username",
      { event: "IceServers", iceServers: [{ urls: "turn:x", username: 1 }] },
      "IceServers: `iceServers.0.username` must be string",
      undefined,
    ],
    ["IceServers without its list", { event: "IceServers" }, "IceServers: `iceServers` must be array", undefined],
    ["an empty peer id", { event: "UserConnected", id: "" }, "UserConnected: `id` must be at least 1 characters", undefined],
    ["a peer id of 65 emoji", { event: "UserDisconnected", id: emoji.repeat(65) }, "UserDisconnected: `id` must be at most 64 characters", undefined],
    [
      "a peer id of 65 lone low surrogates",
      { event: "UserDisconnected", id: loneLow.repeat(65) },
      "UserDisconnected: `id` must be at most 64 characters",
      undefined,
    ],
    ["an offer without a sender", { event: "ReceiveOffer", sdp: "v=0" }, "ReceiveOffer: `from` must be string", undefined],
    [
      "an overlong answer",
      { event: "ReceiveAnswer", from: "a", sdp: "v".repeat(64 * 1024 + 1) },
      "ReceiveAnswer: `sdp` must be at most 65536 characters",
      undefined,
    ],
    ["a candidate that is a number", { event: "ReceiveCandidate", from: "a", candidate: 1 }, "ReceiveCandidate: `candidate` must be object", undefined],
    ["a candidate without its line", candidate({ candidate: undefined }), "ReceiveCandidate: `candidate.candidate` must be string", undefined],
    ["an overlong sdpMid", candidate({ sdpMid: "m".repeat(257) }), "ReceiveCandidate: `candidate.sdpMid` must be at most 256 characters", undefined],
    ["a numeric usernameFragment", candidate({ usernameFragment: 5 }), "ReceiveCandidate: `candidate.usernameFragment` must be string", undefined],
    [
      "a line index past 65535",
      candidate({ sdpMLineIndex: 65536 }),
      "ReceiveCandidate: `candidate.sdpMLineIndex` must be at most 65535",
      "ReceiveCandidate: `candidate.sdpMLineIndex` must be an integer from 0 to 65535",
    ],
    [
      "a fractional line index",
      candidate({ sdpMLineIndex: 0.5 }),
      "ReceiveCandidate: `candidate.sdpMLineIndex` must be int",
      "ReceiveCandidate: `candidate.sdpMLineIndex` must be an integer from 0 to 65535",
    ],
    ["an error code of 65 characters", { event: "Error", code: "C".repeat(65), message: "m" }, "Error: `code` must be at most 64 characters", undefined],
    ["an error without a message", { event: "Error", code: "C" }, "Error: `message` must be string", undefined],
    ["an error naming an empty peer", { event: "Error", code: "C", message: "m", peer: "" }, "Error: `peer` must be at least 1 characters", undefined],
    ["an empty token", { event: "Token", token: "" }, "Token: `token` must be at least 1 characters", undefined],
  ])("refuse %s", (_, frame, zodReason, lightReason) => {
    expect(parseWithZod(json(frame))).toEqual({ ok: false, code: "INVALID_MESSAGE", reason: zodReason });
    expect(parseLight(json(frame))).toEqual({ ok: false, code: "INVALID_MESSAGE", reason: lightReason ?? zodReason });
  });
});
