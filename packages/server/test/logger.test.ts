import { describe, expect, it } from "vitest";
import { jsonLogger, type LogLevel } from "../src/logger.js";

/** A jsonLogger at `level` (its default when undefined) and the lines it wrote, parsed. */
function capture(level?: LogLevel) {
  const lines: Record<string, unknown>[] = [];
  const logger = jsonLogger(level, {
    write: (line: string) => {
      expect(line.endsWith("}\n")).toBe(true);
      lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  return { logger, lines };
}

describe("jsonLogger", () => {
  it.each([
    ["debug", ["debug", "info", "warn", "error"]],
    ["info", ["info", "warn", "error"]],
    ["warn", ["warn", "error"]],
    ["error", ["error"]],
    [undefined, ["warn", "error"]],
  ] as const)("at %s writes %j", (level, written) => {
    const { logger, lines } = capture(level);
    for (const at of ["debug", "info", "warn", "error"] as const) logger[at]({ n: 1 }, `a ${at} line`);
    expect(lines.map((line) => line.level)).toEqual(written);
    expect(lines.map((line) => line.msg)).toEqual(written.map((at) => `a ${at} line`));
  });

  it("writes one JSON object per line: level, time, message, then the fields, an Error as type, message and stack", () => {
    const { logger, lines } = capture("info");
    const before = Date.now();
    const error = new RangeError("out of range");
    logger.error({ room: "r", err: error, count: 2 }, "it failed");
    expect(lines).toEqual([
      {
        level: "error",
        time: expect.any(Number),
        msg: "it failed",
        room: "r",
        err: { type: "RangeError", message: "out of range", stack: error.stack },
        count: 2,
      },
    ]);
    expect(Object.keys(lines[0]!)).toEqual(["level", "time", "msg", "room", "err", "count"]);
    expect(lines[0]!.time).toBeGreaterThanOrEqual(before);
    expect(lines[0]!.time).toBeLessThanOrEqual(Date.now());
  });
});
