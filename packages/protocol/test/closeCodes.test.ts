import { describe, expect, it } from "vitest";
import { CloseCodes, FinalCloseCodes } from "../src/index.js";

// The client's reconnect decision rests on this set: after a final code it
// stops, after any other it tries again.
describe("FinalCloseCodes", () => {
  it.each([
    ["a protocol mismatch", CloseCodes.ProtocolMismatch, true],
    ["a full room", CloseCodes.RoomFull, true],
    ["a seat taken over by another connection", CloseCodes.SeatTakenOver, true],
    ["a refused join", CloseCodes.JoinRefused, true],
    ["a server going away", CloseCodes.GoingAway, false],
    ["a policy violation (join timeout, rate limit)", CloseCodes.PolicyViolation, false],
    ["a frame too big", CloseCodes.MessageTooBig, false],
    ["an abnormal end", 1006, false],
  ])("after %s: final is %s", (_, code, final) => {
    expect(FinalCloseCodes.has(code)).toBe(final);
  });
});
