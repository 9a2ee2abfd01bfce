import { describe, expect, it } from "vitest";
import { settle } from "../src/adapter.js";
import { MemoryRoomAdapter } from "../src/memoryAdapter.js";

// The memory adapter off the conformance suite's path: rooms it never saw,
// members without metadata, close(); and settle(), which reports an
// adapter's late failures.

const member = (id: string, metadata?: Record<string, unknown>) => {
  const received: string[] = [];
  return { id, metadata, received, send: (frame: string) => received.push(frame) > 0 };
};

describe("MemoryRoomAdapter", () => {
  it("answers for a room it never saw without failing", () => {
    const adapter = new MemoryRoomAdapter();
    expect(adapter.members("nowhere")).toEqual([]);
    expect(adapter.sendTo("nowhere", "p", "frame")).toBe(false);
    expect(() => adapter.leave("nowhere", "p")).not.toThrow();
    expect(() => adapter.broadcast("nowhere", "frame")).not.toThrow();
    expect(adapter.roomCount).toBe(0);
  });

  it("lists a member without metadata as its id alone", () => {
    const adapter = new MemoryRoomAdapter();
    adapter.join("r", member("a"), 10);
    adapter.join("r", member("b", { name: "Bo" }), 10);
    expect(adapter.members("r")).toStrictEqual([{ id: "a" }, { id: "b", metadata: { name: "Bo" } }]);
    expect(adapter.join("r", member("c"), 10)).toStrictEqual({ full: false, peers: [{ id: "a" }, { id: "b", metadata: { name: "Bo" } }] });
  });

  it("forgets every room on close", () => {
    const adapter = new MemoryRoomAdapter();
    const a = member("a");
    adapter.join("r", a, 10);
    adapter.join("s", member("b"), 10);
    adapter.close();
    expect(adapter.roomCount).toBe(0);
    expect(adapter.sendTo("r", "a", "frame")).toBe(false);
    expect(a.received).toEqual([]);
  });
});

describe("settle", () => {
  it("reports a rejection to onError, and nothing for a value or a fulfilment", async () => {
    const errors: unknown[] = [];
    const failure = new Error("the store is down");
    settle(undefined, (error) => errors.push(error));
    settle(Promise.resolve(true), (error) => errors.push(error));
    const rejected = Promise.reject(failure);
    settle(rejected, (error) => errors.push(error));
    // settle's handler was attached first, so it has run once this one has.
    await rejected.catch(() => undefined);
    expect(errors).toEqual([failure]);
  });
});
