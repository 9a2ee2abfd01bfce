import * as fc from "fast-check";
import { Limits, parseClientMessage } from "@raycaster/realtime-protocol";
import { describe, expect, it } from "vitest";
import { readSignal } from "../src/signalFrame.js";

// The relay's fast path against the schemas, its oracle: on generated client
// frames (valid signals in every way JSON can write them, the same with one
// change, and noise), whatever the fast path accepts, `parseClientMessage`
// accepts with the same message. What it declines goes to the schemas, so
// its refusals need no comparing; that it declines little of what clients
// really send is checked too.

/** Any UTF-16 code unit, lone surrogates and controls included. */
const unit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const special = fc.constantFrom("a", "=", " ", "\r\n", '"', "\\", "/", "é", "\u{1F600}", "\ud83d", "\ude00", "\u0000", "\u001f", "\u2028", "\t", "\u007f");

/** A string around a bound (empty, at it, one past it, in characters that JSON writes as one or several), or short and made of anything. */
const around = (max: number) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.string({ unit: fc.oneof(special, unit), maxLength: 12 }) },
    { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom("a", "Z", "0", "-", "_"), minLength: 1, maxLength: 24 }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(0, 1, max - 1, max, max + 1), fc.constantFrom("x", "\n", "é", "\u{1F600}", "\ud83d"))
        .map(([length, c]) => c.repeat(Math.ceil(length / c.length)).slice(0, length)),
    },
  );

const id = fc.oneof({ weight: 2, arbitrary: fc.constant("V1StGXR8_Z5jdHi6B-myT") }, { weight: 3, arbitrary: around(Limits.peerId) });
const integer = fc.oneof(fc.integer({ min: -2, max: 70_000 }), fc.constantFrom(0, -0, 0xffff, 0x10000, 1.5, 2 ** 53));
const candidate = fc.option(
  fc.record(
    {
      candidate: around(Limits.candidate),
      sdpMid: fc.option(around(Limits.candidateField)),
      sdpMLineIndex: fc.option(integer),
      usernameFragment: fc.option(around(Limits.candidateField)),
      foundation: fc.string({ maxLength: 3 }),
    },
    { requiredKeys: [] },
  ),
);
const event = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom("SendOffer", "SendAnswer", "SendCandidate") },
  { weight: 1, arbitrary: fc.constantFrom("Join", "Ping", "ReceiveOffer", "SendOffer ", "sendoffer", "") },
);
/** Signal-like objects: every field present as a client sends it, or some missing, extra (`from` too) or of the other event. */
const message = fc.record({ event, to: id, sdp: around(Limits.sdp), candidate, from: id, extra: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] });
const realistic = fc.oneof(
  fc.record({ event: fc.constantFrom("SendOffer", "SendAnswer"), to: id, sdp: around(Limits.sdp) }),
  fc.record({ event: fc.constant("SendCandidate"), to: id, candidate }),
);

/** The same object in every way JSON may write it: keys reordered, whitespace, escapes, repeated keys, numbers written oddly. */
const written = fc
  .tuple(
    fc.oneof({ weight: 3, arbitrary: realistic }, { weight: 1, arbitrary: message }),
    fc.nat(),
    fc.array(fc.constantFrom("shuffle", "space", "escape", "repeat", "number", "slash", "badEscape"), { maxLength: 3 }),
  )
  .map(([object, seed, changes]) => {
    let entries = Object.entries(object as Record<string, unknown>);
    if (changes.includes("shuffle"))
      entries = entries
        .map((e, i) => [e, (seed * (i + 7)) % 13] as const)
        .sort((a, b) => a[1] - b[1])
        .map(([e]) => e);
    if (changes.includes("repeat") && entries.length > 0) entries.push(entries[seed % entries.length]!);
    const space = changes.includes("space") ? [" ", "\n", "\t", "\r", ""][seed % 5]! : "";
    let text = `${space}{${entries.map(([k, v]) => `${space}${JSON.stringify(k)}${space}:${space}${JSON.stringify(v, null, space ? 1 : 0)}`).join(`,${space}`)}${space}}${space}`;
    if (changes.includes("escape"))
      text = text.replace(/[a-z]/g, (c, at: number) => ((at + seed) % 5 === 0 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}` : c));
    if (changes.includes("slash")) text = text.replace(/=/g, "\\/");
    if (changes.includes("badEscape"))
      text = text.replace(/("(?:sdp|candidate)":\s*"[^"\\]{0,3})/, `$1${["\\u00g1", "\\u41", "\\x41", "\\U0041", "\\'"][seed % 5]!}`);
    if (changes.includes("number"))
      text = text.replace(/"sdpMLineIndex":(\d+)/, (_, n: string) => `"sdpMLineIndex":${["0" + n, n + ".0", n + "e0", "-" + n][seed % 4]}`);
    return text;
  });

/** A written frame with one character inserted, removed or replaced. */
const mutated = fc
  .tuple(written, fc.nat(), fc.constantFrom("insert", "remove", "replace"), fc.oneof(unit, fc.constantFrom('"', "\\", ",", "}", "{", ":", " ", "n")))
  .map(([text, at, how, c]) => {
    const i = at % (text.length + 1);
    return how === "insert" ? text.slice(0, i) + c + text.slice(i) : text.slice(0, i) + (how === "replace" ? c : "") + text.slice(i + 1);
  });

/** What the peer's JSON.parse gives for `frame` sent as a text frame. */
const received = (frame: string): unknown => JSON.parse(Buffer.from(frame).toString());

/** JSON text with keys sorted at every level: the same value, whatever the order. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );

describe("the relay's fast path for signals", () => {
  it("accepts only what the schemas accept, with the same message", () => {
    const seen = new Map<string, number>();
    const count = (verdict: string) => seen.set(verdict, (seen.get(verdict) ?? 0) + 1);
    fc.assert(
      fc.property(
        fc.oneof({ weight: 3, arbitrary: written }, { weight: 2, arbitrary: mutated }, { weight: 1, arbitrary: fc.string({ unit, maxLength: 24 }) }),
        (frame) => {
          const fast = readSignal(frame);
          const zod = parseClientMessage(frame);
          count(`${fast ? "fast" : "declined"} ${zod.ok ? `ok ${zod.message.event}` : zod.code}`);
          if (fast === undefined) return;
          if (!zod.ok) expect.fail(`the fast path accepted what the schemas refuse (${zod.code}: ${zod.reason}): ${frame}`);
          // What a peer receives: the frame the relay builds from each reading, through UTF-8 and JSON.parse.
          const mine = canonical(received(`{"event":"${fast.event}","to":"${fast.to}",${fast.payload}}`));
          const theirs = canonical(received(JSON.stringify(zod.message)));
          if (mine !== theirs) expect(mine).toBe(theirs);
        },
      ),
      { numRuns: 15_000 },
    );
    // It took every signal often, and left frames the schemas accept to them too (escaped keys, odd numbers, lone surrogates).
    for (const event of ["SendOffer", "SendAnswer", "SendCandidate"]) {
      expect(seen.get(`fast ok ${event}`)).toBeGreaterThan(200);
      expect(seen.get(`declined ok ${event}`)).toBeGreaterThan(20);
    }
    for (const code of ["INVALID_JSON", "INVALID_MESSAGE", "UNKNOWN_EVENT", "SPOOFED_SENDER"]) expect(seen.get(`declined ${code}`)).toBeGreaterThan(20);
    // ~4 s alone; the margin is for a loaded machine, not a measure.
  }, 60_000);

  it("declines a frame longer than any it could take, without scanning it", () => {
    // 5 MB of escapes: the scan's regular expression would run out of stack.
    expect(readSignal(JSON.stringify({ event: "SendOffer", to: "a", sdp: "\n".repeat(5_000_000) }))).toBeUndefined();
    const longest = JSON.stringify({ event: "SendOffer", to: "a", sdp: "x".repeat(Limits.sdp) });
    expect(readSignal(longest)?.payload).toBe(`"sdp":"${"x".repeat(Limits.sdp)}"`);
  });

  it("takes a signal written with any of JSON's whitespace, and every ICE index up to 65535", () => {
    const candidate = (sdpMLineIndex: number) => ({ candidate: "candidate:1 1 udp 1 10.0.0.1 9 typ host", sdpMid: "0", sdpMLineIndex });
    const frames = [9, 10, 65_535].map((index) => ({ event: "SendCandidate", to: "V1StGXR8_Z5jdHi6B-myT", candidate: candidate(index) }));
    for (const frame of frames) {
      for (const space of [" ", "\t", "\n", "\r\n"]) {
        const text = `${space}${JSON.stringify(frame, null, space)}${space}`;
        const read = readSignal(text);
        expect(read).toMatchObject({ event: frame.event, to: frame.to });
        expect(JSON.parse(`{${read?.payload}}`)).toEqual({ candidate: frame.candidate });
      }
    }
    // One past the bound is left to the schemas, which refuse it.
    expect(readSignal(JSON.stringify({ ...frames[0], candidate: candidate(65_536) }))).toBeUndefined();
  });

  it("takes a frame as long as the fast path reads (the longest payload, then whitespace to the bound)", () => {
    const longest = JSON.stringify({ event: "SendOffer", to: "a", sdp: "x".repeat(Limits.sdp) });
    const atBound = longest.padEnd(Limits.sdp + 4096, " ");
    expect(readSignal(atBound)?.payload).toBe(`"sdp":"${"x".repeat(Limits.sdp)}"`);
    expect(readSignal(`${atBound} `)).toBeUndefined();
  });

  it("takes the frames browsers' signals make, as JSON.stringify writes them", () => {
    const sdp = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n";
    const candidate = {
      candidate: "candidate:1467250027 1 udp 2122260223 192.168.1.23 54321 typ host generation 0 ufrag Wq3N network-id 1",
      sdpMid: "0",
      sdpMLineIndex: 0,
      usernameFragment: "Wq3N",
    };
    const frames = [
      { event: "SendOffer", to: "V1StGXR8_Z5jdHi6B-myT", sdp },
      { event: "SendAnswer", to: "V1StGXR8_Z5jdHi6B-myT", sdp: sdp.replace("actpass", "active") },
      { event: "SendCandidate", to: "V1StGXR8_Z5jdHi6B-myT", candidate },
      { event: "SendCandidate", to: "V1StGXR8_Z5jdHi6B-myT", candidate: { candidate: "", sdpMid: null, sdpMLineIndex: null } },
      { event: "SendCandidate", to: "V1StGXR8_Z5jdHi6B-myT", candidate: null },
    ];
    for (const frame of frames) {
      const { event, to, ...payload } = frame;
      expect(readSignal(JSON.stringify(frame))).toEqual({ event, to, payload: JSON.stringify(payload).slice(1, -1) });
    }
  });
});
