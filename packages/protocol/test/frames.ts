import * as fc from "fast-check";
import { Limits } from "../src/index.js";

// Arbitrary server → client frames, for the differential test of the two
// parsers: valid frames of every event, the same mutated, and random JSON.

/** Any UTF-16 code unit, lone surrogates included. */
const unit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));

/**
 * A string around a bound: empty, at it, one past it (of one character,
 * an emoji, or lone surrogates, high or low), counted in code units or in
 * repeats of the character (code points, for an emoji), or short and made
 * of any code unit.
 */
const around = (max: number, char: fc.Arbitrary<string> = fc.constantFrom("x", "é", "\u{1F600}", "\ud83d", "\ude00", "\ude00\ud83d")) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: fc.oneof(fc.constantFrom("a", "z", "0", "-"), unit), maxLength: 6 }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(0, 1, max - 1, max, max + 1), char, fc.boolean())
        .map(([length, c, inUnits]) => (inUnits ? c.repeat(Math.ceil(length / c.length)).slice(0, length) : c.repeat(length))),
    },
  );

const integer = (max = Number.MAX_SAFE_INTEGER) =>
  fc.oneof(fc.integer({ min: -2, max: 70000 }), fc.constantFrom(-1, 0, -0, max, max + 1, 1.5, 2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER));

const peerId = around(Limits.peerId);
const metadata = fc.dictionary(
  fc.oneof(fc.string({ maxLength: 4 }), around(Limits.metadataKey), fc.constantFrom("__proto__", "constructor", "toString")),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 4 },
);
const iceServer = fc.record(
  {
    urls: fc.oneof(around(Limits.iceUrl), fc.array(around(Limits.iceUrl), { maxLength: Limits.iceUrls + 1 })),
    username: around(Limits.iceCredential),
    credential: around(Limits.iceCredential),
  },
  { requiredKeys: ["urls"] },
);
const iceServers = fc.array(iceServer, { maxLength: Limits.iceServers + 1 });
const candidate = fc.option(
  fc.record(
    {
      candidate: around(Limits.candidate),
      sdpMid: fc.option(around(Limits.candidateField)),
      sdpMLineIndex: fc.option(integer(0xffff)),
      usernameFragment: fc.option(around(Limits.candidateField)),
    },
    { requiredKeys: ["candidate"] },
  ),
);
const roomChar = fc.constantFrom("r", "\u0000", "\u202e", "\u2028", "\ud800", "\ue000", "é");

/** One frame of each server event, mostly valid (bounds are hit on purpose, so some are not). */
export const serverFrame = fc.oneof(
  fc.record(
    {
      event: fc.constant("Initialize"),
      protocol: integer(),
      id: peerId,
      room: fc.oneof(around(Limits.roomName), around(Limits.roomName, roomChar)),
      peers: fc.array(fc.record({ id: peerId, metadata }, { requiredKeys: ["id"] }), { maxLength: 3 }),
      metadata,
      iceServers,
      token: around(Limits.token),
      resumed: fc.boolean(),
      grace: integer(),
    },
    { requiredKeys: ["event", "protocol", "id", "room", "peers", "token", "resumed", "grace"] },
  ),
  fc.record({ event: fc.constant("UserConnected"), id: peerId, metadata }, { requiredKeys: ["event", "id"] }),
  fc.record({ event: fc.constant("UserDisconnected"), id: peerId }),
  fc.record({ event: fc.constantFrom("ReceiveOffer", "ReceiveAnswer"), from: peerId, sdp: around(Limits.sdp) }),
  fc.record({ event: fc.constant("ReceiveCandidate"), from: peerId, candidate }),
  fc.record(
    { event: fc.constant("Error"), code: around(64), message: around(Limits.errorMessage), peer: peerId },
    { requiredKeys: ["event", "code", "message"] },
  ),
  fc.record({ event: fc.constant("Token"), token: around(Limits.token) }),
  fc.record({ event: fc.constant("IceServers"), iceServers }),
  fc.record({ event: fc.constant("Pong") }),
);

/** What may replace a field: wrong types, bounds, deep nesting, any JSON. */
const replacement = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  around(Limits.peerId),
  integer(0xffff),
  fc.integer({ min: 1, max: 500 }).map((depth) => JSON.parse("[".repeat(depth) + "]".repeat(depth)) as unknown),
  fc.integer({ min: 1, max: 500 }).map((depth) => JSON.parse('{"a":'.repeat(depth) + "1" + "}".repeat(depth)) as unknown),
);
const key = fc.oneof(
  fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "event", "id", "metadata", "urls", "x"),
  fc.string({ maxLength: 4 }),
);

type Json = Record<string, unknown> | unknown[];
const containers = (value: unknown, found: Json[] = []): Json[] => {
  if (typeof value === "object" && value !== null) {
    found.push(value as Json);
    for (const child of Object.values(value)) containers(child, found);
  }
  return found;
};

/**
 * A valid-ish frame with one change somewhere in it: a field deleted,
 * replaced, or added (an own `__proto__` too, as JSON.parse makes one).
 */
export const mutatedFrame = fc
  .tuple(serverFrame, fc.nat(), fc.constantFrom("delete", "replace", "add"), key, replacement)
  .map(([generated, pick, operation, name, value]) => {
    const frame = JSON.parse(JSON.stringify(generated)) as unknown;
    const all = containers(frame);
    const target = all[pick % all.length]!;
    const keys = Object.keys(target);
    if (Array.isArray(target)) {
      if (operation === "delete") target.pop();
      else target[operation === "add" ? target.length : pick % Math.max(1, target.length)] = value;
    } else if (operation === "delete" && keys.length > 0) {
      delete target[keys[pick % keys.length]!];
    } else {
      const field = operation === "replace" && keys.length > 0 ? keys[pick % keys.length]! : name;
      Object.defineProperty(target, field, { value, enumerable: true, writable: true, configurable: true });
    }
    return JSON.stringify(frame);
  });

/** Random JSON text, sometimes with a server event, sometimes not JSON at all. */
export const randomFrame = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc
    .tuple(fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }), fc.constantFrom("Initialize", "Error", "Pong", "SendOffer", "nope"))
    .map(([object, event]) => JSON.stringify({ ...object, event })),
  fc.string({ unit, maxLength: 16 }),
);
