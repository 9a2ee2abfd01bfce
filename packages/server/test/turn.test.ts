import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { IceServer } from "@raycaster/realtime-protocol";
import { SignalingServer } from "../src/index.js";
import { join, startServer } from "./harness.js";

const turn = { urls: ["turn:127.0.0.1:3478?transport=udp"], secret: "coturn's static-auth-secret" };

/** What coturn's use-auth-secret checks: the MAC of the username, and an expiry (Unix seconds) still ahead. */
function check(server: IceServer | undefined, id: string, secret = turn.secret) {
  expect(server).toBeDefined();
  const { username = "", credential } = server as IceServer;
  const [expiry, seat, ...rest] = username.split(":");
  expect(rest).toEqual([]);
  expect(seat).toBe(id);
  expect(credential).toBe(createHmac("sha1", secret).update(username).digest("base64"));
  return Number(expiry);
}

describe("TURN credentials", () => {
  it("mints credentials per seat in Initialize: username expiry:id, credential base64 HMAC-SHA1, valid for ttl", async () => {
    const { url } = await startServer({ turn: { ...turn, ttl: 3600 } });
    const before = Math.floor(Date.now() / 1000);
    const alice = await join(url, "r");
    const after = Math.floor(Date.now() / 1000);
    expect(alice.init.iceServers).toHaveLength(1);
    expect(alice.init.iceServers?.[0]?.urls).toEqual(turn.urls);
    const expiry = check(alice.init.iceServers?.[0], alice.init.id);
    expect(expiry).toBeGreaterThanOrEqual(before + 3600);
    expect(expiry).toBeLessThanOrEqual(after + 3600);

    // Another seat, another username: credentials name their seat.
    const bob = await join(url, "r");
    check(bob.init.iceServers?.[0], bob.init.id);
  });

  it("sends none without the option", async () => {
    const { url } = await startServer();
    const alice = await join(url, "r");
    expect(alice.init).not.toHaveProperty("iceServers");
  });

  it("mints fresh ones on a resume, and renews a connected seat's with IceServers at half their life", async () => {
    // 2 s: renewed between 1 and 1.5 s in.
    const { url } = await startServer({ turn: { ...turn, ttl: 2 } });
    const bob = await join(url, "r");
    const first = check(bob.init.iceServers?.[0], bob.init.id);

    const renewed = await bob.client.next("IceServers");
    const second = check(renewed.iceServers[0], bob.init.id);
    expect(second).toBeGreaterThan(first);

    bob.client.socket.terminate();
    const resumed = await join(url, "r", bob.init.token);
    expect(resumed.init).toMatchObject({ id: bob.init.id, resumed: true });
    expect(check(resumed.init.iceServers?.[0], bob.init.id)).toBeGreaterThanOrEqual(second);
  });

  it("refuses a bad turn option with a clear error", () => {
    const bad: [unknown, RegExp, typeof TypeError][] = [
      [null, /`turn` must be an object/, TypeError],
      [{ secret: "s" }, /`turn.urls` must be a TURN URL/, TypeError],
      [{ urls: [], secret: "s" }, /`turn.urls` must be a TURN URL/, TypeError],
      [{ urls: "stun:example.com", secret: "s" }, /must be turn: or turns: URLs/, TypeError],
      [{ urls: Array(9).fill("turn:a"), secret: "s" }, /at most 8 URLs/, RangeError],
      [{ urls: `turn:${"a".repeat(300)}`, secret: "s" }, /at most 256 characters/, RangeError],
      [{ urls: "turn:a" }, /`turn.secret` must be a non-empty string/, TypeError],
      [{ urls: "turn:a", secret: "" }, /`turn.secret` must be a non-empty string/, TypeError],
      [{ urls: "turn:a", secret: "s", ttl: 1 }, /`turn.ttl` must be a whole number of seconds from 2 to 604800, got 1/, RangeError],
      [{ urls: "turn:a", secret: "s", ttl: 1.5 }, /`turn.ttl`/, RangeError],
      [{ urls: "turn:a", secret: "s", ttl: 604801 }, /`turn.ttl`/, RangeError],
    ];
    for (const [value, message, type] of bad) {
      const make = () => new SignalingServer({ port: 0, turn: value as never });
      expect(make, JSON.stringify(value)).toThrow(type);
      expect(make, JSON.stringify(value)).toThrow(message);
    }
  });
});
