import { describe, expect, it } from "vitest";
import { resolveOptions } from "../src/options.js";
import type { SignalingServerOptions } from "../src/index.js";

// Each option's bounds and the message that names it, in process: what a
// user who mistypes one reads.

const resolve = (options: Partial<SignalingServerOptions>) => resolveOptions({ noServer: true, ...options });
const MAX_DELAY = 2 ** 31 - 1;

describe("resolveOptions", () => {
  it.each([
    [{ port: 0 }, TypeError, "SignalingServer needs exactly one of `server`, `port` or `noServer: true`"],
    [{ maxMessageSize: 0 }, RangeError, "`maxMessageSize` must be a positive number, got 0"],
    [{ maxMessageSize: Number.POSITIVE_INFINITY }, RangeError, "`maxMessageSize` must be a positive number, got Infinity"],
    [{ maxPeersPerRoom: -1 }, RangeError, "`maxPeersPerRoom` must be a positive number, got -1"],
    [{ heartbeatInterval: -1 }, RangeError, `\`heartbeatInterval\` must be a whole number of milliseconds from 0 to ${MAX_DELAY}, got -1`],
    [{ joinTimeout: 0 }, RangeError, `\`joinTimeout\` must be a whole number of milliseconds from 1 to ${MAX_DELAY}, got 0`],
    [{ seatGrace: MAX_DELAY + 1 }, RangeError, `\`seatGrace\` must be a whole number of milliseconds from 0 to ${MAX_DELAY}, got ${MAX_DELAY + 1}`],
    [{ maxConnections: 0 }, RangeError, "`maxConnections` must be a whole number of at least 1, got 0"],
    [{ maxConnectionsPerIp: 1.5 }, RangeError, "`maxConnectionsPerIp` must be a whole number of at least 1, got 1.5"],
    [{ rateLimit: { messagesPerSecond: 0 } }, RangeError, "`rateLimit.messagesPerSecond` must be a positive number, got 0"],
    [{ rateLimit: { burst: 0 } }, RangeError, "`rateLimit.burst` must be a whole number of at least 1, got 0"],
    [{ trustProxy: -1 }, RangeError, "`trustProxy` must be a boolean or a whole number of proxies from 0 to 16, got -1"],
    [{ trustProxy: 17 }, RangeError, "`trustProxy` must be a boolean or a whole number of proxies from 0 to 16, got 17"],
    [{ trustProxy: 1.5 }, RangeError, "`trustProxy` must be a boolean or a whole number of proxies from 0 to 16, got 1.5"],
    [{ secret: "x".repeat(31) }, RangeError, "`secret` must be at least 32 characters, got 31"],
    [{ secret: new Uint8Array(31) }, RangeError, "`secret` must be at least 32 bytes, got 31"],
    [{ secret: 42 as unknown as string }, TypeError, "`secret` must be a string or a Uint8Array"],
  ] as const)("refuses %j, naming the option", (options, type, message) => {
    expect(() => resolve(options as Partial<SignalingServerOptions>)).toThrow(new type(message));
  });

  it("takes each bound itself", () => {
    expect(
      resolve({ heartbeatInterval: 0, joinTimeout: 1, seatGrace: MAX_DELAY, maxConnections: 1, rateLimit: { burst: 1, messagesPerSecond: 0.5 } }),
    ).toMatchObject({
      heartbeatInterval: 0,
      joinTimeout: 1,
      seatGrace: MAX_DELAY,
      maxConnections: 1,
      rateLimit: { burst: 1, messagesPerSecond: 0.5 },
    });
    expect(resolve({ secret: "x".repeat(32) }).secret).toEqual(Buffer.from("x".repeat(32)));
    expect(resolve({ secret: new Uint8Array(32).fill(3) }).secret).toEqual(new Uint8Array(32).fill(3));
  });

  it.each([
    [undefined, 0],
    [false, 0],
    [true, 1],
    [0, 0],
    [16, 16],
  ])("reads trustProxy %j as %d proxies", (trustProxy, proxies) => {
    expect(resolve({ trustProxy }).trustProxy).toBe(proxies);
  });
});
