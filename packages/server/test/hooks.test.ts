import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ErrorCodes, Limits, PROTOCOL_VERSION, type ServerMessage } from "@raycaster/realtime-protocol";
import { RawClient, startServer as start } from "@raycaster/realtime-test-harness";
import { describe, expect, it, onTestFinished } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { SignalingServer, type PeerContext, type SignalingServerOptions } from "../src/index.js";
import { connect, join, settled, startServer } from "./harness.js";

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** An upgrade hook that knows two users by bearer token and refuses anyone else with 401. */
const users: SignalingServerOptions["hooks"] = {
  upgrade(request) {
    const token = request.headers.authorization?.replace(/^Bearer /, "");
    if (token === "alice-token") return { user: { name: "alice", role: "admin" }, metadata: { name: "Alice" } };
    if (token === "bob-token") return { user: { name: "bob", role: "guest" }, metadata: { name: "Bob", avatar: "b.png" } };
    return { status: 401, message: "who are you?" };
  },
};

describe("the upgrade hook", () => {
  it("refuses with its HTTP status before any socket opens", async () => {
    const opened: PeerContext[] = [];
    const { url, signaling } = await startServer({ hooks: { ...users, open: (peer) => opened.push(peer) } });

    expect(await RawClient.refused(url)).toEqual({ status: 401, body: "who are you?\n" });
    expect(await RawClient.refused(url, bearer("mallory"))).toMatchObject({ status: 401 });
    expect(opened).toEqual([]);
    expect(signaling.stats()).toMatchObject({ connections: 0, upgradesRefused: { "401": 2 } });
  });

  it("gives every peer the others' metadata, in Initialize and UserConnected", async () => {
    const { url } = await startServer({ hooks: users });
    const alice = await RawClient.join<ServerMessage>(url, { protocol: PROTOCOL_VERSION, room: "r" }, bearer("alice-token"));
    const bob = await RawClient.join<ServerMessage>(url, { protocol: PROTOCOL_VERSION, room: "r" }, bearer("bob-token"));

    expect(alice.init.metadata).toEqual({ name: "Alice" });
    expect(bob.init.peers).toEqual([{ id: alice.init.id, metadata: { name: "Alice" } }]);
    expect(await alice.client.next("UserConnected")).toEqual({
      event: "UserConnected",
      id: bob.init.id,
      metadata: { name: "Bob", avatar: "b.png" },
    });
  });

  it("answers 500 and reports it when the hook throws or returns metadata that is too large", async () => {
    const errors: unknown[] = [];
    const { url, signaling } = await startServer({
      onError: (error) => errors.push(error),
      hooks: {
        upgrade(request) {
          if (request.url === "/throw") throw new Error("database down");
          return { metadata: { blob: "x".repeat(Limits.metadata) } };
        },
      },
    });
    expect(await RawClient.refused(`${url}/throw`)).toMatchObject({ status: 500 });
    expect(await RawClient.refused(url)).toMatchObject({ status: 500 });
    expect(errors).toEqual([
      expect.objectContaining({ message: "database down" }),
      expect.objectContaining({ message: expect.stringContaining(`the limit is ${Limits.metadata}`) }),
    ]);
    expect(signaling.stats()).toMatchObject({ connections: 0, upgradesRefused: { "500": 2 } });
  });

  it("answers 500 when the hook returns something that is no answer, and the server carries on", async () => {
    const errors: unknown[] = [];
    const { url, signaling } = await startServer({
      onError: (error) => errors.push(error),
      hooks: {
        // A JavaScript user may well return a boolean, as `join` does.
        upgrade: (request) => (request.url === "/true" ? true : { metadata: { toJSON: () => undefined } }) as unknown as undefined,
      },
    });
    expect(await RawClient.refused(`${url}/true`)).toMatchObject({ status: 500 });
    expect(await RawClient.refused(url)).toMatchObject({ status: 500 });
    expect(errors).toHaveLength(2);
    expect(signaling.stats()).toMatchObject({ connections: 0, upgradesRefused: { "500": 2 } });
  });
});

describe("the join hook", () => {
  it("refuses a room with JOIN_REFUSED and close 4004; the room never sees the peer", async () => {
    const { url, signaling } = await startServer({
      hooks: {
        ...users,
        join: (peer, room) => room !== "staff" || (peer.user as { role: string }).role === "admin",
      },
    });
    const alice = await RawClient.join<ServerMessage>(url, { protocol: PROTOCOL_VERSION, room: "staff" }, bearer("alice-token"));
    const bob = await RawClient.connect<ServerMessage>(url, bearer("bob-token"));
    bob.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "staff" });

    expect(await bob.next("Error")).toMatchObject({ code: ErrorCodes.JOIN_REFUSED });
    expect((await bob.closed()).code).toBe(4004);
    await settled(alice.client);
    expect(alice.client.received.map((m) => m.event)).toEqual(["Initialize", "Pong"]);
    expect(signaling.stats()).toMatchObject({ seats: 1 });
    // Bob may still join a room the hook allows him.
    await RawClient.join<ServerMessage>(url, { protocol: PROTOCOL_VERSION, room: "lobby" }, bearer("bob-token"));
  });

  it("fails closed: a thenable of another library resolving to false refuses, and so does any answer but true", async () => {
    // oxlint-disable-next-line unicorn/no-thenable -- a thenable that is not a Promise is the point of the test
    const thenable = (value: unknown) => ({ then: (resolve: (v: unknown) => void) => resolve(value) });
    const { url, signaling } = await startServer({
      hooks: {
        join: (_, room) => (room === "bluebird" ? thenable(false) : room === "zero" ? 0 : room === "ok" ? thenable(true) : true) as boolean,
      },
    });
    for (const room of ["bluebird", "zero"]) {
      const client = await connect(url);
      client.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room });
      expect(await client.next("Error")).toMatchObject({ code: ErrorCodes.JOIN_REFUSED });
    }
    await join(url, "ok");
    expect(signaling.stats()).toMatchObject({ seats: 1 });
  });

  it("may answer asynchronously; a second Join meanwhile is refused, and the seat is taken once", async () => {
    let allow: (ok: boolean) => void = () => {};
    const rooms: string[] = [];
    const { url, signaling } = await startServer({
      hooks: {
        join: (_, room) => {
          rooms.push(room);
          return new Promise<boolean>((resolve) => (allow = resolve));
        },
      },
    });
    const client = await connect(url);
    client.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "r" });
    client.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "r" });
    expect(await client.next("Error")).toMatchObject({ code: ErrorCodes.ALREADY_JOINED });
    expect(rooms).toEqual(["r"]);
    expect(signaling.stats()).toMatchObject({ seats: 0 });

    allow(true);
    expect(await client.next("Initialize")).toMatchObject({ room: "r", resumed: false });
    expect(signaling.stats()).toMatchObject({ seats: 1 });
  });

  it("does not seat a socket that closed while the hook was thinking", async () => {
    let allow: (ok: boolean) => void = () => {};
    const { url, signaling } = await startServer({
      hooks: { join: (_, room) => room === "other" || new Promise<boolean>((resolve) => (allow = resolve)) },
    });
    const client = await connect(url);
    client.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "r" });
    await settled(client);
    client.socket.close(1000);
    await client.closed();
    allow(true);
    await settled((await join(url, "other")).client);
    expect(signaling.stats()).toMatchObject({ seats: 1, rooms: 1 });
  });
});

describe("observing hooks", () => {
  it("see open, message, relay and close; one that throws is reported and the relay still happens", async () => {
    const seen: string[] = [];
    const errors: unknown[] = [];
    const { url } = await startServer({
      onError: (error) => errors.push(error),
      hooks: {
        open: (peer) => seen.push(`open ${peer.address}`),
        message: (peer, message) => seen.push(`message ${message.event} ${peer.id ?? "-"}`),
        relay: (from, to, event) => {
          seen.push(`relay ${event} ${from.id} → ${to}`);
          throw new Error("metrics sink down");
        },
        close: (peer, { code }) => seen.push(`close ${peer.id} ${code}`),
      },
    });
    const alice = await join(url, "r");
    const bob = await join(url, "r");
    bob.client.sendJson({ event: "SendOffer", to: alice.init.id, sdp: "v=0" });
    expect(await alice.client.next("ReceiveOffer")).toMatchObject({ from: bob.init.id });
    await settled(bob.client);
    expect(bob.client.received.map((m) => m.event)).toEqual(["Initialize", "Pong"]);
    bob.client.socket.close(1000);
    await bob.client.closed();
    await settled(alice.client);

    expect(seen).toEqual([
      "open 127.0.0.1",
      "message Join -",
      "open 127.0.0.1",
      "message Join -",
      `message SendOffer ${bob.init.id}`,
      `relay SendOffer ${bob.init.id} → ${alice.init.id}`,
      `message Ping ${bob.init.id}`,
      `close ${bob.init.id} 1000`,
      `message Ping ${alice.init.id}`,
    ]);
    expect(errors).toEqual([expect.objectContaining({ message: "metrics sink down" })]);
  });
});

describe("origins", () => {
  it("refuses a browser upgrade from an origin not on the list with 403, and accepts listed or absent origins", async () => {
    const { url, signaling } = await startServer({ origins: ["https://app.example"] });
    expect(await RawClient.refused(url, { origin: "https://evil.example" })).toMatchObject({ status: 403 });
    await join(url, "r");
    await RawClient.join<ServerMessage>(url, { protocol: PROTOCOL_VERSION, room: "r" }, { origin: "https://app.example" });
    expect(signaling.stats()).toMatchObject({ seats: 2, upgradesRefused: { "403": 1 } });
  });
});

describe("sharing the HTTP server", () => {
  it("upgrades only its path and leaves other paths to another WebSocket endpoint", async () => {
    const { url, http } = await startServer({ path: "/signaling" });
    const echo = new WebSocketServer({ noServer: true });
    onTestFinished(() => echo.close());
    http.on("upgrade", (request, socket, head) => {
      if (request.url !== "/echo") return;
      echo.handleUpgrade(request, socket, head, (ws) => ws.on("message", (data) => ws.send(data)));
    });

    await join(`${url}/signaling`, "r");
    const other = new WebSocket(`${url}/echo`);
    onTestFinished(() => other.terminate());
    await once(other, "open");
    other.send("hello");
    const [reply] = await once(other, "message");
    expect(String(reply)).toBe("hello");
  });

  it("answers 400 on another path when nothing else takes upgrades", async () => {
    const { url } = await startServer({ path: "/signaling" });
    expect(await RawClient.refused(`${url}/elsewhere`)).toMatchObject({ status: 400 });
  });

  it("takes upgrades handed over with handleUpgrade (noServer)", async () => {
    const signaling = new SignalingServer({ noServer: true });
    onTestFinished(() => signaling.close());
    await expect(signaling.listening()).rejects.toThrow(/noServer/);
    const http = createServer();
    http.on("upgrade", (request, socket, head) => signaling.handleUpgrade(request, socket, head));
    onTestFinished(() => new Promise<void>((resolve) => http.close(() => resolve())));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const { port } = http.address() as AddressInfo;
    const { init } = await join(`ws://127.0.0.1:${port}`, "r");
    expect(init.room).toBe("r");
    expect(signaling.stats()).toMatchObject({ seats: 1 });
  });
});

describe("the logger", () => {
  it("gets structured records: a refused upgrade at info, an unexpected failure at error", async () => {
    const records: { level: string; fields: object; message: string }[] = [];
    const logger = Object.fromEntries(
      (["debug", "info", "warn", "error"] as const).map((level) => [level, (fields: object, message: string) => records.push({ level, fields, message })]),
    ) as unknown as NonNullable<SignalingServerOptions["logger"]>;
    const { url } = await start(
      (http) =>
        new SignalingServer({
          server: http,
          logger,
          origins: ["https://a.example"],
          hooks: { upgrade: (request) => (request.url === "/boom" ? Promise.reject(new Error("boom")) : undefined) },
        }),
    );
    await RawClient.refused(url, { origin: "https://b.example" });
    await RawClient.refused(`${url}/boom`);
    expect(records).toEqual([
      { level: "info", fields: { status: 403, reason: "origin not allowed", origin: "https://b.example" }, message: "upgrade refused" },
      { level: "error", fields: { err: expect.objectContaining({ message: "boom" }) }, message: "unexpected failure" },
      { level: "info", fields: { status: 500, reason: "the upgrade hook failed" }, message: "upgrade refused" },
    ]);
  });
});
