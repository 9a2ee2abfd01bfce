import { describe, expect, it } from "vitest";
import { TokenBucket } from "../src/rateLimit.js";

// The bucket's clock, frame by frame (limits.test.ts has its basic rhythm):
// whole tokens earned, the rest of the time carried over, none banked while full.

/** The verdicts of frames taken at `times` (ms) from a bucket of 1 frame/s and a burst of 2, created at 0. */
const verdicts = (times: number[]) => {
  const bucket = new TokenBucket(1, 2, 0);
  return times.map((time) => bucket.take(time));
};

describe("TokenBucket", () => {
  it.each([
    // 1.5 s earn one token; the half second left over counts towards the next.
    ["carries the remainder of the time over", [0, 0, 0, 1500, 2000], ["ok", "ok", "over", "over", "over"]],
    // Half a second while full earns nothing and is not kept: at 1 s the
    // bucket has earned one token since 0, back to full.
    ["keeps no time from before a token is earned", [500, 1000, 1000, 1000], ["ok", "ok", "ok", "over"]],
    // Full from 0 to 10.5 s: nothing of those 10.5 s is banked, so 11 s
    // earns nothing and the third frame there is over.
    ["banks no time while full", [10_500, 11_000, 11_000], ["ok", "ok", "over"]],
    ["turns to abuse `burst` frames into debt", [0, 0, 0, 0], ["ok", "ok", "over", "abuse"]],
  ])("%s", (_, times, expected) => {
    expect(verdicts(times)).toEqual(expected);
  });
});
