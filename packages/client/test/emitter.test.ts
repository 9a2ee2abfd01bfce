import { getEventListeners, on } from "node:events";
import { describe, expect, it } from "vitest";
import { Emitter } from "../src/emitter.js";

interface Events {
  tick: { n: number };
  other: { s: string };
}

/** The emitter as the client and channels use it, with `emit` reachable from the test. */
class Ticker extends Emitter<Events> {
  tick(n: number): boolean {
    return this.emit("tick", { n });
  }
  clear(reason = new Error("cleared")): void {
    this.end(reason);
  }
}

describe("Emitter", () => {
  it("once(event) resolves with the next payload, once(event, handler) fires only once", async () => {
    const ticker = new Ticker();
    const seen: number[] = [];
    ticker.once("tick", ({ n }) => seen.push(n));
    const next = ticker.once("tick");
    ticker.tick(1);
    ticker.tick(2);
    expect(await next).toEqual({ n: 1 });
    expect(seen).toEqual([1]);
    // Both were removed: nothing listens any more.
    expect(ticker.tick(3)).toBe(false);
  });

  it("runs a once handler once even when a handler emits the same event again", () => {
    const ticker = new Ticker();
    const seen: number[] = [];
    ticker.on("tick", ({ n }) => {
      if (n === 1) ticker.tick(2);
    });
    ticker.once("tick", ({ n }) => seen.push(n));
    ticker.tick(1);
    expect(seen).toEqual([2]);
  });

  it("off removes a handler added with on or once", () => {
    const ticker = new Ticker();
    const seen: number[] = [];
    const handler = ({ n }: { n: number }) => seen.push(n);
    ticker.once("tick", handler);
    ticker.off("tick", handler);
    ticker.on("tick", handler);
    ticker.on("tick", handler); // the same handler twice: one registration
    ticker.tick(1);
    ticker.off("tick", handler);
    ticker.tick(2);
    expect(seen).toEqual([1]);
  });

  it("removes a handler when its signal aborts, and leaves no listener on the signal", () => {
    const ticker = new Ticker();
    const controller = new AbortController();
    const seen: number[] = [];
    ticker.on("tick", ({ n }) => seen.push(n), { signal: controller.signal });
    ticker.tick(1);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    controller.abort();
    expect(ticker.tick(2)).toBe(false);
    expect(seen).toEqual([1]);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("adds nothing for an already-aborted signal", async () => {
    const ticker = new Ticker();
    const signal = AbortSignal.abort(new Error("too late"));
    const remove = ticker.on("tick", () => expect.unreachable(), { signal });
    ticker.once("tick", () => expect.unreachable(), { signal });
    await expect(ticker.once("tick", { signal })).rejects.toThrow("too late");
    expect(ticker.tick(1)).toBe(false);
    remove(); // harmless
  });

  it("detaches from a long-lived signal when the handler goes another way", async () => {
    const ticker = new Ticker();
    const { signal } = new AbortController();
    for (let i = 0; i < 100; i++) ticker.on("tick", () => undefined, { signal })();
    ticker.once("tick", () => undefined, { signal });
    const next = ticker.once("tick", { signal });
    ticker.on("other", () => undefined, { signal });
    expect(getEventListeners(signal, "abort")).toHaveLength(3);
    ticker.tick(1); // both once handlers go
    await next;
    expect(getEventListeners(signal, "abort")).toHaveLength(1);
    ticker.clear();
    expect(getEventListeners(signal, "abort")).toHaveLength(0);
  });

  it("end() rejects pending once() promises with its reason, and adds no handler after it", async () => {
    const ticker = new Ticker();
    const seen: number[] = [];
    ticker.on("tick", ({ n }) => seen.push(n));
    const next = ticker.once("tick");
    const reason = new Error("closed");
    ticker.clear(reason);
    await expect(next).rejects.toBe(reason);
    ticker.on("tick", ({ n }) => seen.push(n));
    ticker.once("tick", ({ n }) => seen.push(n));
    expect(ticker.tick(1)).toBe(false);
    await expect(ticker.once("tick")).rejects.toBe(reason);
    ticker.clear(new Error("again")); // the first reason stays
    await expect(ticker.once("tick")).rejects.toBe(reason);
    expect(seen).toEqual([]);
  });

  it("rejects a pending once(event) with the signal's reason", async () => {
    const ticker = new Ticker();
    const controller = new AbortController();
    const next = ticker.once("tick", { signal: controller.signal });
    controller.abort(new Error("gave up"));
    await expect(next).rejects.toThrow("gave up");
    expect(ticker.tick(1)).toBe(false);
  });

  it("serves node's events.on(): an async iterator of [payload] that removes its handlers when done", async () => {
    const ticker = new Ticker();
    // A cast: node's types want a full EventEmitter (see Emitter's TSDoc).
    const ticks = on(ticker as never, "tick");
    ticker.tick(1);
    ticker.tick(2);
    expect((await ticks.next()).value).toEqual([{ n: 1 }]);
    expect((await ticks.next()).value).toEqual([{ n: 2 }]);
    await ticks.return?.();
    expect(ticker.tick(3)).toBe(false);
  });
});
