import { describe, expect, it } from "vitest";
import { PROTOCOL_VERSION } from "@raycaster/realtime-protocol";
import { TokenSigner } from "../src/token.js";
import { connect, events, join, refusedJoin, startServer } from "./harness.js";

const secret = "a secret of at least thirty-two characters";

/** `text` with the character at `index` replaced by another base64url character. */
function changeOne(text: string, index: number): string {
  const replacement = text[index] === "A" ? "B" : "A";
  return `${text.slice(0, index)}${replacement}${text.slice(index + 1)}`;
}

describe("resume tokens refused", () => {
  const claimsOf = (token: string) => token.slice(0, token.indexOf("."));
  const macOf = (token: string) => token.slice(token.indexOf(".") + 1);

  const cases: [string, (token: string, id: string) => string, string, string?][] = [
    ["forged (signed with another secret)", (_, id) => new TokenSigner(Buffer.from("x".repeat(32))).sign(id, "r", Date.now() + 60_000), "INVALID_TOKEN"],
    ["tampered: one character of the claims changed", (t) => `${changeOne(claimsOf(t), 10)}.${macOf(t)}`, "INVALID_TOKEN"],
    ["tampered: one character of the MAC changed", (t) => `${claimsOf(t)}.${changeOne(macOf(t), 20)}`, "INVALID_TOKEN"],
    [
      "tampered: the MAC's last character re-spelled",
      (t) => `${claimsOf(t)}.${macOf(t).slice(0, -1)}${String.fromCharCode(macOf(t).charCodeAt(42) ^ 1)}`,
      "INVALID_TOKEN",
    ],
    ["expired", (_, id) => new TokenSigner(Buffer.from(secret)).sign(id, "r", Date.now() - 1), "TOKEN_EXPIRED"],
    ["for another room", (t) => t, "INVALID_TOKEN", "other"],
    ["malformed: no dot", () => "garbage", "INVALID_TOKEN"],
    ["malformed: three parts", (t) => `${t}.${macOf(t)}`, "INVALID_TOKEN"],
    ["malformed: not base64url", (t) => `${claimsOf(t)}!.${macOf(t)}`, "INVALID_TOKEN"],
    ["malformed: as long as the protocol allows", () => `${"a".repeat(468)}.${"b".repeat(43)}`, "INVALID_TOKEN"],
  ];

  it.each(cases)("%s: a typed error, nobody seated, nothing sent to the room", async (_, make, code, room = "r") => {
    const { url, signaling } = await startServer({ secret });
    const alice = await join(url, "r");
    const bob = await join(url, "r");
    await alice.client.next("UserConnected");
    await join(url, "other");
    const before = signaling.stats();

    const mallory = await connect(url);
    const error = await refusedJoin(mallory, room, make(bob.init.token, bob.init.id));
    expect(error.code).toBe(code);
    const { connections, seats, seatsInGrace, rooms } = before;
    expect(signaling.stats()).toMatchObject({ connections: connections + 1, seats, seatsInGrace, rooms, relayed: 0 });
    expect(signaling.stats().errors).toEqual({ [code]: 1 });
    expect(bob.client.socket.readyState).toBe(bob.client.socket.OPEN);

    // The socket stays open for a Join without a token: a new peer, announced as such.
    const fresh = await mallory.join({ protocol: PROTOCOL_VERSION, room: "r" });
    expect(fresh).toMatchObject({ resumed: false, peers: [{ id: alice.init.id }, { id: bob.init.id }] });
    expect(await alice.client.next("UserConnected")).toEqual({ event: "UserConnected", id: fresh.id });
    expect(await bob.client.next("UserConnected")).toEqual({ event: "UserConnected", id: fresh.id });
    expect(events(alice.client)).toEqual(["Initialize", "UserConnected", "UserConnected"]);
    expect(events(bob.client)).toEqual(["Initialize", "UserConnected"]);
  });
});

describe("seats across a server restart", () => {
  it("restores seats with the same ids on a new server with the same secret; nobody saw a leave", async () => {
    const first = await startServer({ secret });
    const alice = await join(first.url, "r");
    const bob = await join(first.url, "r");
    await alice.client.next("UserConnected");
    const closes = Promise.all([alice.client.closed(), bob.client.closed()]);
    await first.signaling.close();
    expect((await closes).map((c) => c.code)).toEqual([1001, 1001]);
    expect(events(alice.client)).toEqual(["Initialize", "UserConnected"]);

    const second = await startServer({ secret });
    const alice2 = await join(second.url, "r", alice.init.token);
    expect(alice2.init).toMatchObject({ id: alice.init.id, room: "r", peers: [], resumed: true });
    const bob2 = await join(second.url, "r", bob.init.token);
    expect(bob2.init).toMatchObject({ id: bob.init.id, peers: [{ id: alice.init.id }], resumed: true });
    // Alice already knows bob; a peer that joined during the outage would learn of him here.
    expect(await alice2.client.next("UserConnected")).toEqual({ event: "UserConnected", id: bob.init.id });
    expect(second.signaling.stats()).toMatchObject({ connections: 2, seats: 2, seatsInGrace: 0, rooms: 1 });

    // The restored seats relay, and their fresh tokens are this server's: after a clean leave, SEAT_GONE.
    bob2.client.sendJson({ event: "SendOffer", to: alice.init.id, sdp: "v=0" });
    expect(await alice2.client.next("ReceiveOffer")).toMatchObject({ from: bob.init.id });
    bob2.client.socket.close(1000);
    await alice2.client.next("UserDisconnected");
    const late = await connect(second.url);
    expect(await refusedJoin(late, "r", bob2.init.token)).toMatchObject({ code: "SEAT_GONE" });
  });

  // On the first server the seat's own room would catch it too; here the
  // seat is unknown, and only the MAC knows which room the token was for.
  it("refuses a token for another room after a restart too", async () => {
    const first = await startServer({ secret });
    const alice = await join(first.url, "r");
    await first.signaling.close();

    const second = await startServer({ secret });
    const client = await connect(second.url);
    expect(await refusedJoin(client, "other", alice.init.token)).toMatchObject({ code: "INVALID_TOKEN" });
    expect(second.signaling.stats()).toMatchObject({ connections: 1, seats: 0, seatsInGrace: 0, rooms: 0 });
  });

  it("refuses a token of a server with another secret as INVALID_TOKEN", async () => {
    const first = await startServer({ secret });
    const alice = await join(first.url, "r");
    await first.signaling.close();

    const second = await startServer({ secret: "another secret, also thirty-two characters" });
    const client = await connect(second.url);
    expect(await refusedJoin(client, "r", alice.init.token)).toMatchObject({ code: "INVALID_TOKEN" });
    expect(second.signaling.stats()).toMatchObject({ connections: 1, seats: 0, seatsInGrace: 0, rooms: 0 });
  });

  it("cannot restore after a restart without a configured secret", async () => {
    const first = await startServer();
    const alice = await join(first.url, "r");
    await first.signaling.close();
    const second = await startServer();
    const client = await connect(second.url);
    expect(await refusedJoin(client, "r", alice.init.token)).toMatchObject({ code: "INVALID_TOKEN" });
  });
});
