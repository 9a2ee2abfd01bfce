import { EventEmitter } from "node:events";
import { describe, expect, it, vi } from "vitest";
import { Recorder } from "../src/index.js";

type Events = { open: { id: string }; message: string; gone: string };

describe("Recorder", () => {
  it("resolves with an event that already happened, or one still to come", async () => {
    const emitter = new EventEmitter();
    const recorder = Recorder.listen<Events>(emitter as never, ["open", "message"]);
    emitter.emit("open", { id: "a" });
    expect(await recorder.when("open")).toEqual({ id: "a" });
    const later = recorder.when("message", (m) => m === "second");
    emitter.emit("message", "first");
    emitter.emit("message", "second");
    expect(await later).toBe("second");
    expect(recorder.all("message")).toEqual(["first", "second"]);
    expect(recorder.names()).toEqual(["open", "message", "message"]);
  });

  it("fails at the deadline naming the label and listing the events seen so far", async () => {
    const recorder = new Recorder<Events>({ within: 20, subject: () => "client a" });
    recorder.record("open", { id: "a" });
    recorder.record("message", "hi");
    await expect(recorder.when("gone", undefined, { label: "a leaves" })).rejects.toThrow(
      'a leaves (client a): nothing within 20 ms; seen so far: ["open {\\"id\\":\\"a\\"}","message \\"hi\\""]',
    );
  });

  it("keeps its deadline on real time while a test fakes timers", async () => {
    vi.useFakeTimers();
    try {
      await expect(new Recorder<Events>({ within: 20 }).when("open")).rejects.toThrow("open: nothing within 20 ms");
    } finally {
      vi.useRealTimers();
    }
  });

  it("counts only events from `since`", async () => {
    const recorder = new Recorder<Events>({ within: 20 });
    recorder.record("message", "old");
    const mark = recorder.events.length;
    await expect(recorder.when("message", undefined, { since: mark })).rejects.toThrow("message: nothing within 20 ms");
  });

  it("fails a pending wait at once when an ending event comes first", async () => {
    const recorder = new Recorder<Events>({ within: 5_000, ends: ["gone"] });
    const waiting = recorder.when("message", undefined, { label: "a message" });
    const gone = recorder.when("gone");
    recorder.record("gone", "failed");
    await expect(waiting).rejects.toThrow('a message: gone "failed" came first; seen so far: ["gone \\"failed\\""]');
    expect(await gone).toBe("failed");
  });
});
