import { describe, expect, it } from "vitest";
import { within } from "../src/index.js";

describe("within", () => {
  it("resolves as the promise does", async () => {
    await expect(within("a value", Promise.resolve(42), 1000)).resolves.toBe(42);
  });

  it("rejects with the label and what was seen when the deadline passes", async () => {
    const seen = ["Initialize", "UserConnected"];
    const never = new Promise<never>(() => {});
    await expect(within('next "Pong"', never, 20, () => seen)).rejects.toThrow(
      'next "Pong": nothing within 20 ms; seen so far: ["Initialize","UserConnected"]',
    );
  });

  it("passes the promise's own rejection on", async () => {
    await expect(within("a failure", Promise.reject(new Error("boom")), 1000)).rejects.toThrow("boom");
  });

  it("shows a string of what was seen as it is", async () => {
    const never = new Promise<never>(() => {});
    await expect(within("an event", never, 20, () => "line 1\nline 2")).rejects.toThrow("an event: nothing within 20 ms; seen so far: line 1\nline 2");
  });
});
