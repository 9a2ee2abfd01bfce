import { readFrame, refuse, serverEvents, type ParseResult } from "./frame.js";
import { Limits } from "./limits.js";
import { RoomNamePattern } from "./room.js";
import type { ServerMessage } from "./schemas.js";

// A zod-free twin of `ServerMessageSchema`, for the client's bundle: the
// schemas stay the definition of the wire (the server parses with them), and
// test/light.test.ts proves on generated frames that this parser accepts,
// refuses and outputs exactly what they do. Change both together.

/** Checks one value at `path`; returns what the message keeps, or throws `Invalid`. */
type Check = (value: unknown, path: string) => unknown;

class Invalid {
  constructor(readonly reason: string) {}
}

const fail = (path: string, problem: string): never => {
  throw new Invalid(`\`${path.slice(0, 96)}\` ${problem}`);
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * A string's length in code points, as zod measures it: a surrogate pair is
 * one, a lone surrogate one too. Counted without allocating, and only past
 * `max` code units, the one place it can change a verdict: a string of at
 * most `max` code units has at most `max` code points, and every lower
 * bound here is 0 or 1, which code units and code points meet alike.
 */
const length = (value: string, max: number) => {
  let count = value.length;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: a guard for speed; counting where it skips gives the same verdict
  if (count > max) {
    // Reads past the end give NaN, which is no surrogate: so is stopping at
    // the last unit or past it.
    // Stryker disable next-line EqualityOperator,ArithmeticOperator: equivalent bounds, see above
    for (let i = 0; i < value.length - 1; i++) {
      if ((value.charCodeAt(i) & 0xfc00) === 0xd800 && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        count--;
        i++;
      }
    }
  }
  return count;
};

const text =
  (min: number, max: number, pattern?: RegExp): Check =>
  (value, path) => {
    if (typeof value !== "string") return fail(path, "must be string");
    const size = length(value, max);
    if (size < min) fail(path, `must be at least ${min} characters`);
    if (size > max) fail(path, `must be at most ${max} characters`);
    if (pattern && !pattern.test(value)) fail(path, "has characters that are not allowed");
    return value;
  };

/** A safe integer, as `z.int()`, within `min`..`max`. */
const int =
  (min = -Number.MAX_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): Check =>
  (value, path) =>
    Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max ? value : fail(path, `must be an integer from ${min} to ${max}`);

const boolean: Check = (value, path) => (typeof value === "boolean" ? value : fail(path, "must be boolean"));

const nullable =
  (check: Check): Check =>
  (value, path) =>
    value === null ? null : check(value, path);

const array =
  (item: Check, min: number, max: number): Check =>
  (value, path) => {
    if (!Array.isArray(value)) return fail(path, "must be array");
    if (value.length < min || value.length > max) fail(path, `must have ${min} to ${max} items`);
    return value.map((entry, index) => item(entry, `${path}.${index}`));
  };

/**
 * A non-strict object, as `z.object()`: unknown fields are dropped. A key
 * ending in `?` is optional (absent is fine; JSON has no `undefined`).
 */
const object =
  (shape: Record<string, Check>): Check =>
  (value, path) => {
    if (!isObject(value)) return fail(path, "must be object");
    const out: Record<string, unknown> = {};
    for (const key in shape) {
      const name = key.replace("?", "");
      if (value[name] === undefined && name !== key) continue;
      out[name] = shape[key]!(value[name], path ? `${path}.${name}` : name);
    }
    return out;
  };

/** `PeerMetadataSchema`: any JSON object, keys bounded, values kept as they are, `__proto__` dropped. */
const metadata: Check = (value, path) => {
  if (!isObject(value)) return fail(path, "must be object");
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key === "__proto__") continue;
    if (length(key, Limits.metadataKey) > Limits.metadataKey) fail(`${path}.${key}`, `is a key over ${Limits.metadataKey} characters`);
    out[key] = value[key];
  }
  return out;
};

const peerId = text(1, Limits.peerId);
const token = text(1, Limits.token);
const sdp = text(1, Limits.sdp);
const candidateField = nullable(text(0, Limits.candidateField));
const iceUrl = text(1, Limits.iceUrl);
const iceUrls = array(iceUrl, 1, Limits.iceUrls);
const iceCredential = text(0, Limits.iceCredential);
const iceServers = array(
  object({
    urls: (value, path) => (Array.isArray(value) ? iceUrls : iceUrl)(value, path),
    "username?": iceCredential,
    "credential?": iceCredential,
  }),
  0,
  Limits.iceServers,
);
const candidate = nullable(
  object({
    candidate: text(0, Limits.candidate),
    "sdpMid?": candidateField,
    "sdpMLineIndex?": nullable(int(0, 0xffff)),
    "usernameFragment?": candidateField,
  }),
);
const signal = { from: peerId, sdp };

const messages: Record<string, Check> = {
  Initialize: object({
    protocol: int(),
    id: peerId,
    room: text(1, Limits.roomName, RoomNamePattern),
    peers: array(object({ id: peerId, "metadata?": metadata }), 0, Limits.peersPerRoom),
    "metadata?": metadata,
    "iceServers?": iceServers,
    token,
    resumed: boolean,
    grace: int(0),
  }),
  UserConnected: object({ id: peerId, "metadata?": metadata }),
  UserDisconnected: object({ id: peerId }),
  ReceiveOffer: object(signal),
  ReceiveAnswer: object(signal),
  ReceiveCandidate: object({ from: peerId, candidate }),
  Error: object({
    code: text(0, 64),
    message: text(0, Limits.errorMessage),
    "peer?": peerId,
  }),
  Token: object({ token }),
  IceServers: object({ iceServers }),
  Pong: object({}),
};

/**
 * Parses a frame the server sent, without zod: what the client bundles.
 * Gives the same verdicts, codes and messages as the zod-based
 * `parseServerMessage` of the main entry (unknown fields dropped, every
 * bound of `Limits` enforced); its reasons name the offending field too,
 * worded a little differently. Never throws.
 */
export function parseServerMessage(frame: string): ParseResult<ServerMessage> {
  const read = readFrame(frame, serverEvents);
  if (!read.ok) return read;
  try {
    const fields = messages[read.event]!(read.object, "") as Record<string, unknown>;
    return { ok: true, message: { event: read.event, ...fields } as ServerMessage };
  } catch (error) {
    // No check throws anything but Invalid; should one ever, it must not pass
    // for a refusal of the frame.
    // Stryker disable next-line ConditionalExpression: unreachable today, see above
    if (!(error instanceof Invalid)) throw error;
    return refuse("INVALID_MESSAGE", `${read.event}: ${error.reason}`);
  }
}
