import { describe, expect, it } from "vitest";
import { backoffDelay } from "../src/backoff.js";
import { BoundedQueue } from "../src/queue.js";

describe("backoff with full jitter", () => {
  const options = { initialDelay: 500, maxDelay: 10_000 };

  it("draws each delay from 0 up to the doubling ceiling, capped at maxDelay", () => {
    const ceilings = [500, 1000, 2000, 4000, 8000, 10_000, 10_000];
    for (const [attempt, ceiling] of ceilings.entries()) {
      expect(backoffDelay(attempt, options, () => 0)).toBe(0);
      expect(backoffDelay(attempt, options, () => 0.5)).toBe(ceiling / 2);
      // random() < 1, so the ceiling itself is never reached.
      expect(backoffDelay(attempt, options, () => 1 - Number.EPSILON)).toBe(ceiling - 1);
    }
  });

  it("stays capped however many attempts there were", () => {
    expect(backoffDelay(5000, options, () => 0.999_999)).toBe(9999);
    expect(backoffDelay(5000, { initialDelay: 0, maxDelay: 0 }, () => 0.5)).toBe(0);
  });

  it("spreads clients that lost the server at the same instant", () => {
    const delays = Array.from({ length: 200 }, () => backoffDelay(3, options));
    expect(delays.every((delay) => delay >= 0 && delay < 4000)).toBe(true);
    // Full jitter: the whole range is used, not a small band around one value.
    expect(Math.min(...delays)).toBeLessThan(1000);
    expect(Math.max(...delays)).toBeGreaterThan(3000);
  });
});

describe("the bounded queue", () => {
  it("keeps the newest items, drops the oldest and says which", () => {
    const queue = new BoundedQueue<number>(3);
    expect([queue.push(1), queue.push(2), queue.push(3)]).toEqual([undefined, undefined, undefined]);
    expect(queue.push(4)).toBe(1);
    expect(queue.size).toBe(3);
    expect(queue.drain()).toEqual([2, 3, 4]);
    expect(queue.size).toBe(0);
    queue.push(5);
    queue.clear();
    expect(queue.drain()).toEqual([]);
  });

  it("refuses a capacity that cannot bound anything", () => {
    for (const capacity of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new BoundedQueue(capacity)).toThrow(RangeError);
    }
  });
});
