import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it, onTestFinished } from "vitest";
import { SignalingServer } from "../src/index.js";
import { RawClient, startServer } from "./harness.js";

describe("lifecycle", () => {
  it("listens on a port of its own", async () => {
    const signaling = new SignalingServer({ port: 0, host: "127.0.0.1" });
    onTestFinished(() => signaling.close());
    const { port } = await signaling.listening();
    const { init } = await RawClient.join(`ws://127.0.0.1:${port}`, "r");
    expect(init.event).toBe("Initialize");
  });

  it("needs exactly one of server or port", () => {
    expect(() => new SignalingServer({})).toThrow(TypeError);
    expect(() => new SignalingServer({ port: 0, server: createServer() })).toThrow(TypeError);
    expect(() => new SignalingServer({ port: 0, maxMessageSize: -1 })).toThrow(RangeError);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -1, 1.5, 2 ** 31]) {
      expect(() => new SignalingServer({ port: 0, heartbeatInterval: bad })).toThrow(RangeError);
      expect(() => new SignalingServer({ port: 0, joinTimeout: bad })).toThrow(RangeError);
    }
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
    await expect(RawClient.connect(`${url}/elsewhere`)).rejects.toThrow();
    const client = await RawClient.connect(`${url}/signaling`);
    expect(client.socket.readyState).toBe(client.socket.OPEN);
  });

  it("close() resolves once every socket is closed, with 1001", async () => {
    const { url, signaling } = await startServer();
    const alice = await RawClient.join(url, "r");
    const bob = await RawClient.connect(url);
    const closes = Promise.all([alice.client.closed(), bob.closed()]);
    await signaling.close();
    expect(signaling.connectionCount).toBe(0);
    expect((await closes).map((c) => c.code)).toEqual([1001, 1001]);
  });

  it("drops a socket that stops answering heartbeats", async () => {
    // Long enough that a healthy client always answers in time, even on a busy machine.
    const { url, signaling } = await startServer({ heartbeatInterval: 300 });
    const alive = await RawClient.join(url, "r");
    const dead = await RawClient.connect(url, { autoPong: false });
    dead.sendJson({ event: "Join", protocol: 1, room: "r" });
    await dead.next("Initialize");

    const { code } = await dead.closed();
    expect(code).toBe(1006);
    expect(await alive.client.next("UserDisconnected")).toMatchObject({ event: "UserDisconnected" });
    expect(signaling.connectionCount).toBe(1);
  });

  it("closes a connection that never joins", async () => {
    const { url } = await startServer({ joinTimeout: 50 });
    const idle = await RawClient.connect(url);
    expect((await idle.closed()).code).toBe(1008);
  });
});
