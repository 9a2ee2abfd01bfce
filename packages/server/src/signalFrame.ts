import { Limits } from "@raycaster/realtime-protocol";

// The relay's fast path: reads the three signal frames (SendOffer,
// SendAnswer, SendCandidate) in the shapes clients send them, without
// JSON.parse, zod or JSON.stringify, and finds where the payload (the `sdp`
// or `candidate` member) lies in the frame's text so that the relayed frame
// can reuse that text as it is. It only ever accepts: whatever it is not
// sure of (an unknown key, an escape in a key or in `to`, a
// number that is not a plain integer, a bound in doubt, a lone surrogate or
// a control character) it leaves to `parseClientMessage`, which stays the
// definition of the wire and gives the error. test/signalFrame.test.ts proves
// on generated frames that what it accepts, zod accepts too, with the same
// message. Change both together.

/** The events read here. */
export type SignalEvent = "SendOffer" | "SendAnswer" | "SendCandidate";

/** A signal frame read by {@link readSignal}. */
export interface SignalFrame {
  event: SignalEvent;
  to: string;
  /** The payload member as the frame has it (`"sdp":"…"`, or `"candidate":…`): a valid JSON member, whitespace and escapes kept. */
  payload: string;
}

/** The payload key of each event. */
const PAYLOAD: Record<SignalEvent, string> = { SendOffer: "sdp", SendAnswer: "sdp", SendCandidate: "candidate" };

const QUOTE = 0x22;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN = 0x7b;
const CLOSE = 0x7d;

/** Where a scan stopped: the index after what it read, or -1 when the fast path gives up. */
type End = number;

function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    // JSON's whitespace: space, tab, line feed, carriage return.
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
    i++;
  }
}

/**
 * The rest of a JSON string after its opening quote, up to and with its
 * closing one: runs of plain characters (neither quote, backslash, control
 * nor surrogate) between JSON's own escapes and surrogate pairs. A raw control or a lone surrogate does not match. A
 * regular expression because V8 compiles it to machine code: several times
 * faster here than a loop over `charCodeAt`.
 */
const STRING_REST =
  /[\x20\x21\x23-\x5b\x5d-\ud7ff\ue000-\uffff]*(?:(?:\\["\\/bfnrt]|\\u[0-9a-fA-F]{4}|[\ud800-\udbff][\udc00-\udfff])[\x20\x21\x23-\x5b\x5d-\ud7ff\ue000-\uffff]*)*"/y;

/** The same for a string of printable ASCII without escapes, whose text is its value. */
const PLAIN_REST = /[\x20\x21\x23-\x5b\x5d-\x7e]*"/y;

/**
 * Scans the JSON string starting at `i` (its opening quote) with `rest` and
 * checks its content is at most `max` characters (an upper bound of its code
 * points, as zod counts them: an escape, a raw character or a surrogate pair
 * is at least one) and at least `min` (a non-empty content is at least one
 * code point).
 */
function scanString(text: string, i: number, min: number, max: number, rest = STRING_REST): End {
  if (text.charCodeAt(i) !== QUOTE) return -1;
  rest.lastIndex = i + 1;
  if (!rest.test(text)) return -1;
  const end = rest.lastIndex;
  const length = end - i - 2;
  return length > max || length < min ? -1 : end;
}

/** `null`, or a string within `max` characters. */
function scanNullableString(text: string, i: number, max: number): End {
  if (text.startsWith("null", i)) return i + 4;
  return scanString(text, i, 0, max);
}

/** `null`, or an integer 0..0xffff written plainly (no sign, exponent, fraction or leading zero). */
function scanIndex(text: string, i: number): End {
  if (text.startsWith("null", i)) return i + 4;
  let value = 0;
  const start = i;
  for (;;) {
    const c = text.charCodeAt(i);
    if (!(c >= 0x30 && c <= 0x39)) break;
    value = value * 10 + (c - 0x30);
    i++;
    if (i - start > 5) return -1;
  }
  // A fraction or an exponent after the digits (zod may accept 1.0) is not
  // whitespace, a comma or a brace: the caller gives up.
  return i === start || (text.charCodeAt(start) === 0x30 && i - start > 1) || value > 0xffff ? -1 : i;
}

/** Which of `keys` the key at `i` is (its index; it ends `keys[index].length + 2` later), or -1: keys are matched as plain text, so an escaped key gives up. */
function scanKey(text: string, i: number, keys: readonly string[]): number {
  if (text.charCodeAt(i) !== QUOTE) return -1;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    if (text.startsWith(key, i + 1) && text.charCodeAt(i + 1 + key.length) === QUOTE) return k;
  }
  return -1;
}

/** The members of `IceCandidateSchema`, in its order; the first is required. */
const CANDIDATE_KEYS = ["candidate", "sdpMid", "sdpMLineIndex", "usernameFragment"] as const;

/** `null`, or an ICE candidate object with no key but `IceCandidateSchema`'s (zod would drop others; this path forwards text as is). */
function scanCandidate(text: string, i: number): End {
  if (text.startsWith("null", i)) return i + 4;
  if (text.charCodeAt(i) !== OPEN) return -1;
  i = skipSpace(text, i + 1);
  let seen = 0;
  for (;;) {
    const key = scanKey(text, i, CANDIDATE_KEYS);
    if (key < 0) return -1;
    seen |= 1 << key;
    i = skipSpace(text, i + CANDIDATE_KEYS[key]!.length + 2);
    if (text.charCodeAt(i) !== COLON) return -1;
    i = skipSpace(text, i + 1);
    if (key === 0) i = scanString(text, i, 0, Limits.candidate);
    else if (key === 2) i = scanIndex(text, i);
    else i = scanNullableString(text, i, Limits.candidateField);
    if (i < 0) return -1;
    i = skipSpace(text, i);
    const c = text.charCodeAt(i);
    if (c === CLOSE) break;
    if (c !== COMMA) return -1;
    i = skipSpace(text, i + 1);
  }
  return seen & 1 ? i + 1 : -1;
}

const FRAME_KEYS = ["event", "to", "sdp", "candidate"] as const;
/** The payload's bound, and room for the rest of a signal frame written with some whitespace. */
const MAX_FRAME = Limits.sdp + 4096;
const EVENTS: readonly SignalEvent[] = ["SendOffer", "SendAnswer", "SendCandidate"];

/** The event whose name is the plain string from `start` (its quote) to `end` (after its quote). */
function eventAt(text: string, start: number, end: number): SignalEvent | undefined {
  for (const name of EVENTS) if (name.length === end - start - 2 && text.startsWith(name, start + 1)) return name;
  return undefined;
}

/**
 * Reads a signal frame on the fast path; a repeated key counts with its
 * last value, as in JSON.parse. `undefined` when this is not a signal,
 * or not one it is sure of: then the frame goes to `parseClientMessage`.
 * What it accepts, `parseClientMessage` accepts as the message
 * `{ event, to, ...JSON.parse(`{${payload}}`) }`.
 */
export function readSignal(text: string): SignalFrame | undefined {
  // Longer than any frame it could accept (its payload is at most
  // `Limits.sdp` characters): declined before a scan, whose regular
  // expression would run out of stack on tens of megabytes of escapes.
  if (text.length > MAX_FRAME) return undefined;
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== OPEN) return undefined;
  i = skipSpace(text, i + 1);
  let event: SignalEvent | undefined;
  let to: string | undefined;
  let payloadKey = -1;
  let payloadStart = 0;
  let payloadEnd = 0;
  let seen = 0;
  for (;;) {
    const key = scanKey(text, i, FRAME_KEYS);
    if (key < 0) return undefined;
    seen |= 1 << key;
    const memberStart = i;
    i = skipSpace(text, i + FRAME_KEYS[key]!.length + 2);
    if (text.charCodeAt(i) !== COLON) return undefined;
    i = skipSpace(text, i + 1);
    const valueStart = i;
    if (key === 0) {
      i = scanString(text, i, 1, 16, PLAIN_REST);
      if (i < 0) return undefined;
      event = eventAt(text, valueStart, i);
      if (event === undefined) return undefined;
    } else if (key === 1) {
      i = scanString(text, i, 1, Limits.peerId, PLAIN_REST);
      if (i < 0) return undefined;
      to = text.slice(valueStart + 1, i - 1);
    } else {
      i = key === 2 ? scanString(text, i, 1, Limits.sdp) : scanCandidate(text, i);
      if (i < 0) return undefined;
      payloadKey = key;
      payloadStart = memberStart;
      payloadEnd = i;
    }
    i = skipSpace(text, i);
    const c = text.charCodeAt(i);
    if (c === CLOSE) break;
    if (c !== COMMA) return undefined;
    i = skipSpace(text, i + 1);
  }
  // Nothing but whitespace after the object.
  if (skipSpace(text, i + 1) !== text.length) return undefined;
  // Exactly event, to and the event's own payload: zod's objects are strict.
  if (event === undefined || to === undefined || payloadKey < 0 || FRAME_KEYS[payloadKey] !== PAYLOAD[event] || seen !== (0b11 | (1 << payloadKey))) {
    return undefined;
  }
  return { event, to, payload: text.slice(payloadStart, payloadEnd) };
}
