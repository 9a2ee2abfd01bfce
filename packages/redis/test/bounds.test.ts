import { describe, expect, it } from "vitest";
import type { RoomMember } from "@raycaster/realtime-server";
import { RedisRoomAdapter } from "../src/index.js";
import { startRedis } from "@raycaster/realtime-test-harness";
import { freshPrefix, gate } from "./redis.js";

/** A member that keeps what it is sent. */
const member = (id: string) => {
  const frames: string[] = [];
  return { id, metadata: undefined, frames, send: (frame: string) => frames.push(frame) > 0 } satisfies RoomMember & { frames: string[] };
};

describe.runIf(await gate(true))("bounds of the Redis adapter", () => {
  it("a stalled Redis holds at most maxPending signals; the next is refused at once, the held ones go through when it wakes", async () => {
    const redis = await startRedis();
    const prefix = freshPrefix();
    const [a, b] = await Promise.all([1, 2].map(() => RedisRoomAdapter.connect({ redis: redis.url, prefix, maxPending: 5 })));
    if (!a || !b) throw new Error("two nodes");
    const onB = member("on-b");
    await a.join("r", member("on-a"), 10);
    await b.join("r", onB, 10);
    redis.stop();
    const answers = Array.from({ length: 6 }, (_, i) => Promise.resolve(a.sendTo("r", "on-b", `f${i}`, "on-a")));
    const settled = Promise.allSettled(answers);
    redis.resume();
    const results = await settled;
    expect(results.slice(0, 5).map((r) => r.status === "fulfilled" && r.value)).toEqual([true, true, true, true, true]);
    expect(results[5]).toMatchObject({ status: "rejected" });
    expect(a.stats().refused).toBe(1);
    await expect.poll(() => onB.frames).toEqual(["f0", "f1", "f2", "f3", "f4"]);
    await Promise.all([a.close(), b.close()]);
  });
});
