import { createServer } from "node:http";
import { PROTOCOL_VERSION } from "@raycaster/realtime-protocol";
import type { AddressInfo } from "node:net";
import { describe, expect, it, onTestFinished } from "vitest";
import { SignalingServer } from "../src/index.js";
import { connect, dropIntoGrace, events, join, startServer } from "./harness.js";

describe("lifecycle", () => {
  it("listens on a port of its own", async () => {
    const signaling = new SignalingServer({ port: 0, host: "127.0.0.1" });
    onTestFinished(() => signaling.close());
    const { port } = await signaling.listening();
    const { init } = await join(`ws://127.0.0.1:${port}`, "r");
    expect(init.event).toBe("Initialize");
  });

  it("validates its options", () => {
    expect(() => new SignalingServer({})).toThrow(TypeError);
    expect(() => new SignalingServer({ port: 0, server: createServer() })).toThrow(TypeError);
    expect(() => new SignalingServer({ port: 0, maxMessageSize: -1 })).toThrow(RangeError);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -1, 1.5, 2 ** 31]) {
      expect(() => new SignalingServer({ port: 0, heartbeatInterval: bad })).toThrow(RangeError);
      expect(() => new SignalingServer({ port: 0, joinTimeout: bad })).toThrow(RangeError);
      expect(() => new SignalingServer({ port: 0, seatGrace: bad })).toThrow(RangeError);
      expect(() => new SignalingServer({ port: 0, tokenTtl: bad })).toThrow(RangeError);
    }
    expect(() => new SignalingServer({ port: 0, tokenTtl: 999 })).toThrow(/`tokenTtl` must be a whole number of milliseconds from 1000/);
  });

  it("needs a secret of at least 32 characters or bytes", () => {
    expect(() => new SignalingServer({ port: 0, secret: "x".repeat(31) })).toThrow(/`secret` must be at least 32 characters, got 31/);
    expect(() => new SignalingServer({ port: 0, secret: new Uint8Array(31) })).toThrow(/`secret` must be at least 32 bytes, got 31/);
    expect(() => new SignalingServer({ port: 0, secret: "" })).toThrow(RangeError);
    expect(() => new SignalingServer({ port: 0, secret: 42 as unknown as string })).toThrow(TypeError);
  });

  it("reports the attached HTTP server's errors instead of crashing", async () => {
    const { http: taken } = await startServer();
    const { port } = taken.address() as AddressInfo;
    const errors: unknown[] = [];
    const http = createServer();
    http.on("error", () => {}); // the owner's own handler
    const signaling = new SignalingServer({ server: http, onError: (error) => errors.push(error) });
    onTestFinished(() => signaling.close());
    http.listen(port, "127.0.0.1");
    await expect(signaling.listening()).rejects.toMatchObject({ code: "EADDRINUSE" });
    expect(errors).toEqual([expect.objectContaining({ code: "EADDRINUSE" })]);
  });

  it("rejects listening() when closed before it listens", async () => {
    const signaling = new SignalingServer({ server: createServer() });
    await signaling.close();
    await expect(signaling.listening()).rejects.toThrow(/closed before it was listening/);
  });

  it("only upgrades on its path when given one", async () => {
    const { url } = await startServer({ path: "/signaling" });
    await expect(connect(`${url}/elsewhere`)).rejects.toThrow();
    const client = await connect(`${url}/signaling`);
    expect(client.socket.readyState).toBe(client.socket.OPEN);
  });

  it("close() resolves once every socket is closed, with 1001, and leaves no seat or grace timer behind", async () => {
    const { url, signaling } = await startServer();
    const alice = await join(url, "r");
    const bob = await connect(url);
    const carol = await join(url, "r");
    // Carol's socket vanishes: her seat waits out its grace when close() comes.
    await dropIntoGrace(signaling, carol.client);

    const closes = Promise.all([alice.client.closed(), bob.closed()]);
    await signaling.close();
    expect(signaling.connectionCount).toBe(0);
    expect(signaling.stats()).toMatchObject({ connections: 0, seats: 0, seatsInGrace: 0, rooms: 0 });
    expect((await closes).map((c) => c.code)).toEqual([1001, 1001]);
    // Everyone was closed at once; nobody was told anyone left.
    expect(events(alice.client)).toEqual(["Initialize", "UserConnected"]);
  });

  it("drops a socket that stops answering heartbeats", async () => {
    // Long enough that a healthy client always answers in time, even on a busy machine.
    const { url, signaling } = await startServer({ heartbeatInterval: 300, seatGrace: 100 });
    const alive = await join(url, "r");
    const dead = await connect(url, { autoPong: false });
    const init = await dead.join({ protocol: PROTOCOL_VERSION, room: "r" });

    const { code } = await dead.closed();
    expect(code).toBe(1006);
    // Dropped without a clean close: the seat leaves once its grace runs out.
    expect(await alive.client.next("UserDisconnected")).toEqual({ event: "UserDisconnected", id: init.id });
    expect(signaling.stats()).toMatchObject({ connections: 1, seats: 1, seatsInGrace: 0, rooms: 1 });
  });

  it("closes a connection that never joins", async () => {
    const { url } = await startServer({ joinTimeout: 50 });
    const idle = await connect(url);
    expect(await idle.closed()).toEqual({ code: 1008, reason: "no Join in time" });
  });

  it("closes every connection that never joins, one after another, and none that joined", async () => {
    // One timer serves every connection's deadline: it must be armed again
    // for a connection that comes after the queue emptied, and must not
    // close a socket that took its seat. Long enough to join within it on a busy machine.
    const { url, signaling } = await startServer({ joinTimeout: 1000 });
    const early = await connect(url);
    const seated = await join(url, "r");
    expect((await early.closed()).code).toBe(1008);
    const late = await connect(url);
    expect((await late.closed()).code).toBe(1008);
    // Its deadline fell between the two: still open, still seated.
    expect(seated.client.socket.readyState).toBe(seated.client.socket.OPEN);
    // The server sees the closing handshake end after the client does.
    await expect.poll(() => signaling.stats().connections).toBe(1);
    expect(signaling.stats()).toMatchObject({ seats: 1 });
  });
});
