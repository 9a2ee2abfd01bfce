import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseServerMessage as parseWithZod, type ServerMessage } from "../src/index.js";
import { parseServerMessage as parseLight } from "../src/client.js";
import { mutatedFrame, randomFrame, serverFrame } from "./frames.js";

/** The first field a reason names, between backticks. */
const field = (reason: string) => /`([^`]*)`/.exec(reason)?.[1];

/**
 * The prototypes of the objects the parsers build (the message, its metadata,
 * `peers` and theirs): a `__proto__` key must not replace one.
 */
const prototypes = (message: ServerMessage) =>
  [message, "metadata" in message && message.metadata, ...("peers" in message ? message.peers.flatMap((peer) => [peer, peer.metadata]) : [])]
    .filter((object) => typeof object === "object")
    .map((object) => Object.getPrototypeOf(object) as unknown);

describe("the light parser", () => {
  it("agrees with the zod schemas on every generated server frame", () => {
    const seen = new Map<string, number>();
    const frames = fc.oneof(
      { weight: 3, arbitrary: serverFrame.map((frame) => JSON.stringify(frame)) },
      { weight: 5, arbitrary: mutatedFrame },
      { weight: 2, arbitrary: randomFrame },
    );
    fc.assert(
      fc.property(frames, (frame) => {
        const zod = parseWithZod(frame);
        const light = parseLight(frame);
        const verdict = zod.ok ? `ok ${zod.message.event}` : zod.code;
        seen.set(verdict, (seen.get(verdict) ?? 0) + 1);
        // Plain comparisons first, expect only on a difference: 12,000
        // rounds of vitest's deep equality would make this test slow.
        if (light.ok !== zod.ok) expect(light).toEqual(zod);
        if (zod.ok && light.ok) {
          // The JSON text, not toStrictEqual (an own `constructor` key in
          // metadata fools its type check): it pins values, key set and order.
          const [mine, theirs] = [JSON.stringify(light.message), JSON.stringify(zod.message)];
          if (mine !== theirs) expect(mine).toBe(theirs);
          const polluted = prototypes(light.message).some((prototype) => prototype !== Object.prototype);
          if (polluted) expect.fail(`a __proto__ key replaced a prototype in ${frame}`);
        }
        if (!zod.ok && !light.ok) {
          if (light.code !== zod.code) expect(light).toEqual(zod);
          // Reasons may be worded differently, but name the same field (or
          // one inside it: zod names a union, the light parser its member).
          const [named, expected] = [field(light.reason), field(zod.reason)];
          const same =
            expected === undefined ? named === undefined : named !== undefined && (named.startsWith(expected.slice(0, 96)) || expected.startsWith(named));
          if (!same) expect(light.reason).toBe(zod.reason);
        }
      }),
      { numRuns: 12_000 },
    );
    // Every server event was accepted, and every kind of refusal was met.
    for (const verdict of ["INVALID_JSON", "INVALID_MESSAGE", "UNKNOWN_EVENT"]) expect(seen.get(verdict)).toBeGreaterThan(100);
    for (const event of [
      "Initialize",
      "UserConnected",
      "UserDisconnected",
      "ReceiveOffer",
      "ReceiveAnswer",
      "ReceiveCandidate",
      "Error",
      "Token",
      "IceServers",
      "Pong",
    ]) {
      expect(seen.get(`ok ${event}`)).toBeGreaterThan(20);
    }
    // ~3 s alone; the margin is for a loaded machine, not a measure.
  }, 60_000);
});
