import { describe, expect, it } from "vitest";
import { parseCli, usage, UsageError } from "../src/cliOptions.js";

// The CLI's parsing in process, bound by bound (cli.test.ts runs the bin).

const config = (argv: string[], env: Record<string, string> = {}) => {
  const command = parseCli(argv, env);
  if (command.kind !== "run") throw new Error(`expected a run, got ${command.kind}`);
  return command.config;
};
const refusal = (argv: string[], env: Record<string, string> = {}) => {
  try {
    parseCli(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).name).toBe("UsageError");
    return (error as UsageError).message;
  }
  throw new Error(`${argv.join(" ")} was accepted`);
};

describe("parseCli", () => {
  it.each([
    [["--help"], "help"],
    [["-h"], "help"],
    [["--version"], "version"],
    [["-v"], "version"],
    [["--help", "--version"], "help"],
    [[], "run"],
  ])("reads %j as %s", (argv, kind) => {
    expect(parseCli(argv, {}).kind).toBe(kind);
  });

  it("prints what the bin does, then a line per flag with its variable", () => {
    const lines = usage().split("\n");
    expect(lines.slice(0, 8)).toEqual([
      "Usage: realtime-server [options]",
      "",
      expect.stringMatching(/^A WebRTC signaling server .*: WebSocket upgrades/),
      expect.stringMatching(/^GET \/healthz .* GET \/metrics/),
      expect.stringMatching(/^SIGTERM or SIGINT drains/),
      "",
      expect.stringMatching(/^Options \(a flag wins over its environment variable/),
      `${"      --port <n>".padEnd(36)}Port to listen on; 0 picks a free one (logged at start-up). Default 3000. [PORT]`,
    ]);
    expect(lines).toContain(`${"  -h, --help".padEnd(36)}Print this help and exit.`);
    expect(lines.at(-1)).toBe("");
  });

  it.each([
    [["--port", "0"], "port", 0],
    [["--port", "65535"], "port", 65_535],
    [["--port", " 80 "], "port", 80],
    [["--drain-timeout", String(2 ** 31 - 1)], "drainTimeout", 2 ** 31 - 1],
    [["--max-connections", "1"], "maxConnections", 1],
    [["--rate", "0.5"], "rate", 0.5],
  ] as const)("takes %j", (argv, key, value) => {
    expect(config([...argv])[key]).toBe(value);
  });

  it.each([
    [["--nope"], /^Unknown option '--nope'/],
    [["--port", "65536"], /^--port must be a whole number from 0 to 65535, got "65536"$/],
    [["--port", "12abc"], /^--port must be a whole number from 0 to 65535, got "12abc"$/],
    [["--port", "a12"], /^--port must be a whole number from 0 to 65535, got "a12"$/],
    [["--port=-1"], /^--port must be a whole number from 0 to 65535, got "-1"$/],
    [["--drain-timeout", String(2 ** 31)], /^--drain-timeout must be a whole number from 1 to 2147483647, got "2147483648"$/],
    [["--rate", "x"], /^--rate must be a positive number, got "x"$/],
    [["--log-level", "loud"], /^--log-level must be one of debug, info, warn, error, got "loud"$/],
    [["--redis-prefix", "p"], /^--redis-prefix \(REDIS_PREFIX\) needs --redis$/],
  ])("refuses %j", (argv, message) => {
    expect(refusal(argv)).toMatch(message);
  });

  it("reads Redis and TURN settings as pairs", () => {
    expect(config(["--redis", "redis://x"]).redis).toEqual({ url: "redis://x", prefix: undefined });
    expect(config([], { REDIS_URL: "redis://x", REDIS_PREFIX: "p" }).redis).toEqual({ url: "redis://x", prefix: "p" });
    expect(config([]).redis).toBeUndefined();
    expect(config(["--turn-urls", "turn:x", "--turn-secret", "s"]).turn).toEqual({ urls: ["turn:x"], secret: "s", ttl: undefined });
    expect(config([]).turn).toBeUndefined();
  });

  it.each([
    ["1", true],
    ["true", true],
    ["yes", true],
    [" YES ", true],
    ["0", false],
    ["false", false],
    ["no", false],
    ["", undefined],
  ])("reads REALTIME_TRUST_PROXY=%j as %s", (variable, expected) => {
    expect(config([], { REALTIME_TRUST_PROXY: variable }).trustProxy).toBe(expected);
  });

  it("lets the flag win over REALTIME_TRUST_PROXY", () => {
    expect(config(["--trust-proxy"], { REALTIME_TRUST_PROXY: "no" }).trustProxy).toBe(true);
  });
});
