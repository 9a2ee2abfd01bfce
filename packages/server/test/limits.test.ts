import { CloseCodes, ErrorCodes, PROTOCOL_VERSION } from "@raycaster/realtime-protocol";
import { RawClient } from "@raycaster/realtime-test-harness";
import { once } from "node:events";
import { connect as connectTcp } from "node:net";
import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { TokenBucket } from "../src/rateLimit.js";
import { connect, join, settled, startServer } from "./harness.js";

/** As the proxy would forward it: whatever the client wrote, then the address the proxy saw. */
const from = (address: string, claimed = "203.0.113.7") => ({ headers: { "x-forwarded-for": `${claimed}, ${address}` } });

describe("the message rate limit", () => {
  it("a token bucket: burst at once, then the sustained rate; abuse once `burst` frames into debt", () => {
    const bucket = new TokenBucket(10, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual(["ok", "ok", "ok"]);
    expect(bucket.take(0)).toBe("over");
    // 100 ms at 10/s earns one token back, which pays the debt of the frame over.
    expect(bucket.take(100)).toBe("over");
    expect(bucket.take(300)).toBe("ok");
    expect([bucket.take(300), bucket.take(300)]).toEqual(["over", "over"]);
    expect(bucket.take(300)).toBe("abuse");
  });

  it("drops frames over it with one RATE_LIMITED, closes a connection that keeps on with 1008, and spares the others", async () => {
    const { url, signaling } = await startServer({ rateLimit: { messagesPerSecond: 0.001, burst: 20 } });
    const alice = await join(url, "r");
    const mallory = await join(url, "r");
    await alice.client.next("UserConnected");

    // 19 frames left in the bucket after Join: each offer is relayed.
    for (let i = 0; i < 19; i++) mallory.client.sendJson({ event: "SendOffer", to: alice.init.id, sdp: `v=${i}` });
    for (let i = 0; i < 19; i++) expect(await alice.client.next("ReceiveOffer")).toMatchObject({ sdp: `v=${i}` });
    // Then 19 more go into debt: dropped, one RATE_LIMITED; the 20th is abuse.
    for (let i = 0; i < 20; i++) mallory.client.sendJson({ event: "SendOffer", to: alice.init.id, sdp: "flood" });
    expect(await mallory.client.next("Error")).toMatchObject({ code: ErrorCodes.RATE_LIMITED });
    expect(await mallory.client.closed()).toEqual({ code: CloseCodes.PolicyViolation, reason: "rate limit exceeded" });
    expect(mallory.client.received.filter((m) => m.event === "Error")).toHaveLength(1);

    await settled(alice.client);
    expect(alice.client.received.filter((m) => m.event === "ReceiveOffer")).toHaveLength(19);
    expect(signaling.stats()).toMatchObject({ rateLimitedFrames: 20, rateLimitedConnections: 1, relayed: 19 });
    // Its seat ended with it, no grace: resuming would only refill its bucket.
    expect(await alice.client.next("UserDisconnected")).toMatchObject({ id: mallory.init.id });
    expect(signaling.stats()).toMatchObject({ seats: 1, seatsInGrace: 0 });
  });

  it("can be turned off", async () => {
    const { url } = await startServer({ rateLimit: false });
    const client = await connect(url);
    for (let i = 0; i < 3000; i++) client.sendJson({ event: "Ping" });
    for (let i = 0; i < 3000; i++) await client.next("Pong");
  });
});

describe("connection limits", () => {
  it("knows each client's address without Node keeping its own copy on the socket for the connection's life", async () => {
    const sockets: Array<{ address: string; raw: { _peername?: unknown } }> = [];
    const { url } = await startServer({
      // The hook's context is the connection; its ws socket's TCP socket is where Node would cache the peer name.
      hooks: {
        open: (peer) => sockets.push({ address: peer.address, raw: (peer as unknown as { socket: { _socket: { _peername?: unknown } } }).socket._socket }),
      },
    });
    await join(url, "r");
    expect(sockets).toHaveLength(1);
    expect(sockets[0]?.address).toBe("127.0.0.1");
    // `remoteAddress` would have left { address, family, port } there (about 100 bytes an idle connection).
    expect(sockets[0]?.raw._peername).toBeUndefined();
  });

  it("refuses upgrades beyond maxConnections with 503, and takes one again once a place is free", async () => {
    const { url, signaling } = await startServer({ maxConnections: 2 });
    const first = await connect(url);
    await connect(url);
    expect(await RawClient.refused(url)).toMatchObject({ status: 503 });
    first.socket.close(1000);
    await first.closed();
    await connect(url);
    expect(signaling.stats()).toMatchObject({ connections: 2, upgradesRefused: { "503": 1 } });
  });

  it("refuses upgrades beyond maxConnectionsPerIp with 429, per address (X-Forwarded-For with trustProxy)", async () => {
    const { url, signaling } = await startServer({ maxConnectionsPerIp: 2, trustProxy: true });
    await connect(url, from("198.18.0.1"));
    await connect(url, from("198.18.0.1"));
    expect(await RawClient.refused(url, from("198.18.0.1"))).toMatchObject({ status: 429 });
    // What the client wrote itself does not count: it cannot pick its address.
    expect(await RawClient.refused(url, from("198.18.0.1", "198.18.9.9"))).toMatchObject({ status: 429 });
    await connect(url, from("198.18.0.2"));
    expect(signaling.stats()).toMatchObject({ connections: 3, upgradesRefused: { "429": 2 } });
  });

  it("counts a seat in grace against its address until it ends, so dropping sockets cannot pile up seats", async () => {
    const { url, signaling } = await startServer({ maxConnectionsPerIp: 2, seatGrace: 60_000 });
    const first = await join(url, "r");
    const second = await join(url, "r");
    first.client.socket.terminate();
    second.client.socket.terminate();
    await Promise.all([first.client.closed().catch(() => {}), second.client.closed().catch(() => {})]);
    await expect.poll(() => signaling.stats().seatsInGrace).toBe(2);
    expect(await RawClient.refused(url)).toMatchObject({ status: 429 });
    expect(signaling.stats()).toMatchObject({ connections: 0, seats: 2 });
  });

  it("holds memory flat while the limits are hit: refused upgrades and rate-limited connections leave nothing behind", async () => {
    const { url, signaling } = await startServer({ maxConnections: 3, rateLimit: { messagesPerSecond: 1, burst: 10 } });
    await Promise.all([1, 2].map(() => join(url, "r")));
    // Plain sockets, not the harness's clients: those record every frame and
    // stay referenced until the test ends, which would measure the test.
    const round = async () => {
      const abuser = new WebSocket(url);
      await once(abuser, "open");
      expect(await refusedStatus(url)).toBe(503);
      for (let i = 0; i < 25; i++) abuser.send(JSON.stringify({ event: "Ping" }));
      const [code] = (await once(abuser, "close")) as [number];
      expect(code).toBe(CloseCodes.PolicyViolation);
    };
    const rounds = async (n: number) => {
      for (let i = 0; i < n; i++) await round();
    };
    await rounds(300);
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    await rounds(1500);
    global.gc?.();
    const grown = process.memoryUsage().heapUsed - before;
    // The last abuser's close handshake may still be finishing on the server's side.
    await expect.poll(() => signaling.stats().connections).toBe(2);
    expect(signaling.stats()).toMatchObject({
      seats: 2,
      upgradesRefused: { "503": 1800 },
      rateLimitedConnections: 1800,
    });
    // Not a timing figure: a bound on what the run may leave behind. A leak
    // of 1 KB per refused upgrade or closed connection would be 3 MB here.
    expect(typeof global.gc).toBe("function");
    expect(grown).toBeLessThan(1.5 * 1024 * 1024);
  });
});

/** The HTTP status an upgrade is refused with, through a socket nothing else keeps. */
function refusedStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once("open", () => reject(new Error("the upgrade was accepted")));
    socket.once("error", reject);
    socket.once("unexpected-response", (_, response) => {
      response.resume();
      response.once("end", () => resolve(response.statusCode ?? 0));
    });
  });
}

describe("Join", () => {
  it("refuses a room name with a bidi override, a C1 control or a lone surrogate", async () => {
    const { url } = await startServer();
    const client = await connect(url);
    for (const room of ["a\u202eb", "a\u0085b", "a\ud800b"]) {
      client.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room });
      expect(await client.next("Error")).toMatchObject({ code: ErrorCodes.INVALID_MESSAGE });
    }
  });
});

describe("places under the limits", () => {
  it("are given back when ws itself refuses a malformed handshake", async () => {
    const { url, signaling } = await startServer({ maxConnections: 1 });
    const { port } = new URL(url);
    for (let i = 0; i < 3; i++) {
      const socket = connectTcp(Number(port), "127.0.0.1");
      socket.write(
        "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: not-a-valid-key\r\n\r\n",
      );
      let answer = "";
      socket.on("data", (chunk) => (answer += String(chunk)));
      await once(socket, "close");
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    }
    // With a place leaked per malformed handshake, this would be refused with 503.
    await join(url, "r");
    expect(signaling.stats()).toMatchObject({ connections: 1, upgradesRefused: {} });
  });

  it("are given back when the upgrade hook refuses", async () => {
    const { url, signaling } = await startServer({
      maxConnections: 1,
      hooks: { upgrade: (request) => (request.url === "/refuse" ? Promise.resolve({ status: 403 }) : undefined) },
    });
    const { port } = new URL(url);
    // A place kept by a refused upgrade would make the next one a 503.
    for (let i = 0; i < 3; i++) expect(await RawClient.refused(`ws://127.0.0.1:${port}/refuse`)).toMatchObject({ status: 403 });
    await join(url, "r");
    expect(signaling.stats()).toMatchObject({ connections: 1, upgradesRefused: { "403": 3 } });
  });
});

describe("a peer that stops reading", () => {
  it("is cut off once 1 MiB waits for it, its seat ends past its hold, and the server does not buffer the flood", async () => {
    const { url, signaling } = await startServer({ rateLimit: false, maxMessageSize: 64 * 1024 });
    const sender = await join(url, "r");
    const reader = await join(url, "r");
    await sender.client.next("UserConnected");
    // The reader's TCP socket stops being read: the kernel's buffers fill,
    // then the server's socket buffer for it grows.
    const tcp = (reader.client.socket as unknown as { _socket: { pause(): void } })._socket;
    tcp.pause();
    const before = await collected();
    const sdp = "x".repeat(60 * 1024);
    const sent = 1000; // 60 MB in all
    for (let i = 0; i < sent; i++) sender.client.sendJson({ event: "SendOffer", to: reader.init.id, sdp });
    // Past the send buffer's bound the socket is terminated (its seat goes to
    // grace), past the hold's 256 KiB the seat ends: the sender learns it.
    expect(await sender.client.next("UserDisconnected", 20_000)).toMatchObject({ id: reader.init.id });
    await settled(sender.client);
    const after = await collected();
    const grown = after.external + after.heapUsed - (before.external + before.heapUsed);
    expect(signaling.stats()).toMatchObject({ connections: 1, seats: 1, seatsInGrace: 0 });
    expect(signaling.stats().errors.PEER_NOT_FOUND).toBeGreaterThan(0);
    // Not a timing figure: the flood was 60 MB; what stays is a fraction of it.
    expect(grown).toBeLessThan(16 * 1024 * 1024);
  }, 30_000);
});

/**
 * Memory after full collections with turns between them: the backing
 * stores of freed Buffers are released on the event loop, not at once.
 */
async function collected(): Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 3; i++) {
    global.gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage();
}
