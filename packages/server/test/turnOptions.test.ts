import { createHmac } from "node:crypto";
import { Limits } from "@raycaster/realtime-protocol";
import { describe, expect, it } from "vitest";
import { resolveTurn, TurnMinter, type TurnOptions } from "../src/turn.js";

// The `turn` option's bounds and the minter's clock, in process
// (turn.test.ts sees credentials arrive over sockets).

const url = "turn:127.0.0.1:3478";

describe("resolveTurn", () => {
  it.each([
    [null, TypeError, "`turn` must be an object { urls, secret, ttl? }"],
    ["turn:x", TypeError, "`turn` must be an object { urls, secret, ttl? }"],
    [{ urls: [], secret: "s" }, TypeError, "`turn.urls` must be a TURN URL or a non-empty array of them"],
    [{ urls: Array(Limits.iceUrls + 1).fill(url), secret: "s" }, RangeError, `\`turn.urls\` holds at most ${Limits.iceUrls} URLs, got ${Limits.iceUrls + 1}`],
    [{ urls: "stun:x", secret: "s" }, TypeError, '`turn.urls` must be turn: or turns: URLs, got "stun:x"'],
    [{ urls: "xturn:x", secret: "s" }, TypeError, '`turn.urls` must be turn: or turns: URLs, got "xturn:x"'],
    [{ urls: "turn:x y", secret: "s" }, TypeError, '`turn.urls` must be turn: or turns: URLs, got "turn:x y"'],
    [{ urls: [5], secret: "s" }, TypeError, "`turn.urls` must be turn: or turns: URLs, got 5"],
    [
      { urls: `turn:${"h".repeat(Limits.iceUrl - 4)}`, secret: "s" },
      RangeError,
      `a \`turn.urls\` URL is at most ${Limits.iceUrl} characters, got ${Limits.iceUrl + 1}`,
    ],
    [{ urls: url, secret: "" }, TypeError, "`turn.secret` must be a non-empty string (coturn's static-auth-secret)"],
    [{ urls: url, secret: "s", ttl: 1 }, RangeError, "`turn.ttl` must be a whole number of seconds from 2 to 604800, got 1"],
    [{ urls: url, secret: "s", ttl: 604_801 }, RangeError, "`turn.ttl` must be a whole number of seconds from 2 to 604800, got 604801"],
  ])("refuses %j", (value, type, message) => {
    expect(() => resolveTurn(value as unknown as TurnOptions)).toThrow(new type(message));
  });

  it("takes each bound itself, and one URL as a list of one", () => {
    const urls = Array.from({ length: Limits.iceUrls }, (_, i) => `turns:${"h".repeat(Limits.iceUrl - 7)}${i}`);
    expect(urls[0]).toHaveLength(Limits.iceUrl);
    expect(resolveTurn({ urls, secret: "s", ttl: 2 })).toEqual({ urls, secret: "s", ttl: 2 });
    expect(resolveTurn({ urls: url, secret: "s", ttl: 604_800 })).toEqual({ urls: [url], secret: "s", ttl: 604_800 });
    expect(resolveTurn({ urls: url, secret: "s" })).toEqual({ urls: [url], secret: "s", ttl: 86_400 });
    expect(resolveTurn(undefined)).toBeUndefined();
  });
});

describe("TurnMinter", () => {
  const minter = new TurnMinter({ urls: [url], secret: "s", ttl: 100 });

  it("checks a quarter of the credentials' life, and renews them from half of it", () => {
    expect(minter.checkInterval).toBe(25_000);
    const seat = { id: "p1" };
    expect(minter.due(seat, 0)).toBe(true);
    const now = 1_800_000_000_000;
    expect(minter.mint(seat, now)).toEqual([
      {
        urls: [url],
        username: `${now / 1000 + 100}:p1`,
        credential: createHmac("sha1", "s")
          .update(`${now / 1000 + 100}:p1`)
          .digest("base64"),
      },
    ]);
    expect(minter.due(seat, now + 49_999)).toBe(false);
    expect(minter.due(seat, now + 50_000)).toBe(true);
  });
});
