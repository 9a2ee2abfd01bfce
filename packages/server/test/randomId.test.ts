import { describe, expect, it } from "vitest";
import { randomId } from "../src/randomId.js";

describe("randomId", () => {
  it("gives 16 base64url characters, never the same twice, across refills of its pool", () => {
    // Several refills of the 256-id pool: a pool reused without refilling, or an offset not moved on, repeats ids.
    const ids = Array.from({ length: 2000 }, randomId);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
