import { once } from "node:events";
import { Agent, createServer, get, type IncomingMessage } from "node:http";
import { connect as tcpConnect, type AddressInfo } from "node:net";
import { JoinQuery, Limits, PROTOCOL_VERSION } from "@raycaster/realtime-protocol";
import { describe, expect, it, onTestFinished } from "vitest";
import { WebSocket, type ClientOptions } from "ws";
import { MemoryRoomAdapter, SignalingServer, type PeerContext, type SignalingServerOptions } from "../src/index.js";
import { connect, join, settled, startServer } from "./harness.js";

// How the server takes an HTTP upgrade and lets it go: its refusals, word
// for word on the wire; what it makes of the upgrade hook's answers; the
// address it counts a client under; and what close() leaves behind.

/** What a refused upgrade was answered with: the status line, the headers that say what the body is, and the body. */
interface Refusal {
  status: number;
  statusMessage: string;
  contentType: string | undefined;
  body: string;
}

/** Tries an upgrade the server is expected to refuse; fails if a WebSocket opens. */
async function refusal(url: string, options: ClientOptions = {}): Promise<Refusal> {
  const socket = new WebSocket(url, options);
  onTestFinished(() => socket.terminate());
  const [, response] = (await Promise.race([
    once(socket, "unexpected-response"),
    once(socket, "open").then(() => Promise.reject(new Error(`expected ${url} to refuse the upgrade`))),
  ])) as [unknown, IncomingMessage];
  let body = "";
  response.setEncoding("utf8");
  for await (const chunk of response) body += chunk as string;
  return { status: response.statusCode ?? 0, statusMessage: response.statusMessage ?? "", contentType: response.headers["content-type"], body };
}

/** A refusal as the server writes it: its status's standard words (or "Error"), plain text, the message and a newline. */
const refused = (status: number, message: string, statusMessage: string): Refusal => ({
  status,
  statusMessage,
  contentType: "text/plain; charset=utf-8",
  body: `${message}\n`,
});

/** A raw TCP socket that has sent a WebSocket upgrade request for `path`, and nothing else. */
async function rawUpgrade(url: string, path: string) {
  const raw = tcpConnect(Number(new URL(url).port), "127.0.0.1");
  onTestFinished(() => {
    raw.destroy();
  });
  await once(raw, "connect");
  raw.write(
    `GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  return raw;
}

/** A client's text frame (masked, as a client must), of fewer than 126 bytes. */
function maskedText(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = [0x12, 0x34, 0x56, 0x78];
  const frame = Buffer.alloc(6 + payload.length);
  frame[0] = 0x81; // FIN, text
  frame[1] = 0x80 | payload.length;
  frame.set(mask, 2);
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

/** An upgrade hook's answer held until `answer()`; `called` resolves once it is asked. */
function heldHook() {
  let answer: () => void = () => {};
  const answered = new Promise<void>((resolve) => {
    answer = resolve;
  });
  let ask: () => void = () => {};
  const called = new Promise<void>((resolve) => {
    ask = resolve;
  });
  const asked = () => {
    ask();
    return answered;
  };
  return { asked, called, answer };
}

type Level = "debug" | "info" | "warn" | "error";

/** A logger that keeps its records. */
function recorder() {
  const records: { level: Level; fields: Record<string, unknown>; message: string }[] = [];
  const at = (level: Level) => (fields: object, message: string) => records.push({ level, fields: fields as Record<string, unknown>, message });
  return { records, logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") } };
}

describe("the upgrade hook's answer", () => {
  it.each([
    [401, "who are you?", 401, "who are you?", "Unauthorized"],
    [400, undefined, 400, "Bad Request", "Bad Request"],
    [599, undefined, 599, "refused", "Error"],
    [399, "too low", 500, "too low", "Internal Server Error"],
    [600, "too high", 500, "too high", "Internal Server Error"],
    [401.5, "not an integer", 500, "not an integer", "Internal Server Error"],
    [403, 42, 403, "Forbidden", "Forbidden"],
  ])("{ status: %s, message: %j } is answered %i with %j", async (status, message, answered, body, statusMessage) => {
    const { url } = await startServer({ hooks: { upgrade: () => ({ status, message: message as string }) } });
    expect(await refusal(url)).toEqual(refused(answered, body, statusMessage));
  });

  it.each([
    ["a string", "yes"],
    ["a number", 1],
    ["null", null],
  ])("%s is no answer: 500, and onError is told what it was", async (what, verdict) => {
    const errors: unknown[] = [];
    const { url } = await startServer({ onError: (error) => errors.push(error), hooks: { upgrade: () => verdict as unknown as undefined } });
    expect(await refusal(url)).toEqual(refused(500, "the upgrade hook failed", "Internal Server Error"));
    expect(errors).toEqual([new TypeError(`the upgrade hook returned ${what}; return nothing, { user, metadata } or { status }`)]);
  });

  const big = (bytes: number) => ({ blob: "x".repeat(bytes - '{"blob":""}'.length) });
  it.each([
    ["an array", [], "not an object"],
    ["a string", "Alice", "not an object"],
    ["null", null, "not an object"],
    ["a BigInt", { n: 1n }, "not serialisable as JSON (Do not know how to serialize a BigInt)"],
    ["an object whose toJSON gives a string", { toJSON: () => "Alice" }, "not serialisable as a JSON object"],
    ["an object whose toJSON gives nothing", { toJSON: () => undefined }, "not serialisable as a JSON object"],
    ["one byte over the limit", big(Limits.metadata + 1), `${Limits.metadata + 1} bytes; the limit is ${Limits.metadata}`],
    ["a key too long", { ["k".repeat(Limits.metadataKey + 1)]: 1 }, "keys too long"],
  ])("metadata that is %s: 500, and onError says why", async (_, metadata, why) => {
    const errors: unknown[] = [];
    const { url } = await startServer({
      onError: (error) => errors.push(error),
      hooks: { upgrade: () => ({ metadata: metadata as Record<string, unknown> }) },
    });
    expect(await refusal(url)).toEqual(refused(500, "the upgrade hook returned invalid metadata", "Internal Server Error"));
    expect(errors).toEqual([new TypeError(`the upgrade hook returned invalid metadata: ${why}`)]);
  });

  it("takes metadata of exactly the limit", async () => {
    const metadata = big(Limits.metadata);
    const { url } = await startServer({ hooks: { upgrade: () => ({ metadata }) } });
    expect((await join(url, "r")).init.metadata).toEqual(metadata);
  });

  it("that never comes: 503 after joinTimeout, onError is told, and the place is given back", async () => {
    const errors: unknown[] = [];
    const { url } = await startServer({
      joinTimeout: 50,
      maxConnectionsPerIp: 1,
      onError: (error) => errors.push(error),
      hooks: { upgrade: (request) => (request.url === "/never" ? new Promise<never>(() => {}) : undefined) },
    });
    expect(await refusal(`${url}/never`)).toEqual(refused(503, "the upgrade hook did not answer in time", "Service Unavailable"));
    expect(errors).toEqual([new Error("the upgrade hook did not answer within 50 ms")]);
    // The address's one place is free again.
    await join(url, "r");
  });

  it("that comes after the 503 is neither written nor counted again", async () => {
    let answer: (verdict: { status: number }) => void = () => {};
    const { url, signaling } = await startServer({
      joinTimeout: 50,
      onError: () => "the timeout's report is the test above's",
      hooks: { upgrade: (request) => (request.url === "/late" ? new Promise((resolve) => (answer = resolve)) : undefined) },
    });
    expect(await refusal(`${url}/late`)).toMatchObject({ status: 503 });
    answer({ status: 401 });
    // A round trip through the server: the late answer has been handled.
    await join(url, "r");
    expect(signaling.stats().upgradesRefused).toEqual({ "503": 1 });
  });

  it("refuses with 503 an upgrade whose hook answers after close()", async () => {
    const { asked, called, answer } = heldHook();
    const { url, signaling } = await startServer({ hooks: { upgrade: asked } });
    const refusing = refusal(url);
    await called;
    const closed = signaling.close();
    answer();
    expect(await refusing).toEqual(refused(503, "the server is shutting down", "Service Unavailable"));
    await closed;
  });
});

describe("the server's own refusals", () => {
  it("name the limit hit, in the answer and in the log", async () => {
    const { records, logger } = recorder();
    const first = await startServer({ logger, maxConnections: 1 });
    await connect(first.url);
    expect(await refusal(first.url)).toEqual(refused(503, "the server is at its connection limit", "Service Unavailable"));
    const second = await startServer({ logger, maxConnectionsPerIp: 1 });
    await connect(second.url);
    expect(await refusal(second.url)).toEqual(refused(429, "too many connections from this address", "Too Many Requests"));
    expect(records).toEqual([
      { level: "info", fields: { status: 503, reason: "the server is at its connection limit", address: "127.0.0.1" }, message: "upgrade refused" },
      { level: "info", fields: { status: 429, reason: "too many connections from this address", address: "127.0.0.1" }, message: "upgrade refused" },
    ]);
  });

  it("refuse an upgrade after close() with 503", async () => {
    const { signaling } = await startServer();
    await signaling.close();
    // The attached HTTP server still runs; a handleUpgrade call still reaches the server.
    const http = createServer();
    http.on("upgrade", (request, socket, head) => signaling.handleUpgrade(request, socket, head));
    onTestFinished(() => new Promise<void>((resolve) => http.close(() => resolve())));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    expect(await refusal(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`)).toEqual(refused(503, "the server is shutting down", "Service Unavailable"));
  });

  it("say that no endpoint serves another path", async () => {
    const { url } = await startServer({ path: "/signaling" });
    expect(await refusal(`${url}/elsewhere`)).toEqual(refused(400, "no WebSocket endpoint on this path", "Bad Request"));
    // The path is matched without the query: a join on the upgrade goes through.
    const client = await connect(`${url}/signaling?${JoinQuery.protocol}=${PROTOCOL_VERSION}&${JoinQuery.room}=r`);
    expect(await client.next("Initialize")).toMatchObject({ room: "r" });
  });

  it("gives a place back once, though a refused upgrade gives it back on refusal and again on close", async () => {
    // A refused upgrade gives its place back at once and again when its socket closes: the second must do nothing.
    const { url, signaling } = await startServer({
      maxConnections: 1,
      hooks: { upgrade: (request) => (request.url === "/nope" ? { status: 403 } : undefined) },
    });
    expect(await refusal(`${url}/nope`)).toMatchObject({ status: 403 });
    const first = await join(url, "r");
    await settled(first.client);
    expect(await refusal(url)).toMatchObject({ status: 503 });
    expect(signaling.stats()).toMatchObject({ connections: 1, upgradesRefused: { "403": 1, "503": 1 } });
  });
});

describe("the address a client is counted under", () => {
  it.each([
    [1, "203.0.113.7", "203.0.113.7"],
    [1, "198.51.100.1, 203.0.113.7", "203.0.113.7"],
    [2, "198.51.100.1, 203.0.113.7", "198.51.100.1"],
    [2, "203.0.113.7", "127.0.0.1"],
    [1, "not-an-ip", "127.0.0.1"],
    [1, undefined, "127.0.0.1"],
  ])("trustProxy %i, X-Forwarded-For %j: %s", async (trustProxy, header, address) => {
    const opened: PeerContext[] = [];
    const { url } = await startServer({ trustProxy, hooks: { open: (peer) => opened.push(peer) } });
    await connect(url, header === undefined ? {} : { headers: { "x-forwarded-for": header } });
    expect(opened.map((peer) => peer.address)).toEqual([address]);
  });
});

describe("an accepted socket", () => {
  it("is not compressed, though the client offers it", async () => {
    const { url } = await startServer();
    const client = await connect(url, { perMessageDeflate: true });
    expect(client.socket.extensions).toBe("");
  });

  it("logs a protocol violation at debug with the client's address, then closes with 1007", async () => {
    const { records, logger } = recorder();
    const { url } = await startServer({ logger });
    const client = await connect(url);
    // A text frame that is not UTF-8.
    client.socket.send(Buffer.from([0xff, 0xfe]), { binary: false });
    expect(await client.closed()).toMatchObject({ code: 1007 });
    expect(records).toEqual([{ level: "debug", fields: { err: expect.any(Error), address: "127.0.0.1" }, message: "socket error" }]);
  });

  it("that resets while the hook thinks is logged at debug, never opened, and gives its place back", async () => {
    const { records, logger } = recorder();
    const { asked, called, answer } = heldHook();
    const opened: PeerContext[] = [];
    const { url } = await startServer({
      logger,
      maxConnectionsPerIp: 1,
      hooks: { upgrade: (request) => (request.url === "/slow" ? asked() : undefined), open: (peer) => opened.push(peer) },
    });
    const raw = await rawUpgrade(url, "/slow");
    await called;
    // The server holds the upgrade (its place taken): a second socket from this address is refused.
    expect(await refusal(url)).toMatchObject({ status: 429 });
    raw.resetAndDestroy();
    await expect.poll(() => records.some((r) => r.message === "upgrade socket error")).toBe(true);
    answer();
    // Its place is free again: a socket from this address opens, and only that one.
    await join(url, "r");
    expect(opened).toHaveLength(1);
    expect(records.filter((r) => r.level === "debug")).toEqual([
      { level: "debug", fields: { err: expect.objectContaining({ code: "ECONNRESET" }) }, message: "upgrade socket error" },
    ]);
  });

  it("that leaves while the hook thinks gives its place back then, not when the hook answers", async () => {
    const { asked, called, answer } = heldHook();
    const opened: PeerContext[] = [];
    const { url } = await startServer({
      maxConnectionsPerIp: 1,
      hooks: { upgrade: (request) => (request.url === "/slow" ? asked() : undefined), open: (peer) => opened.push(peer) },
    });
    const raw = await rawUpgrade(url, "/slow");
    await called;
    // Its FIN: the server reads while the hook thinks, and lets the socket go.
    raw.end();
    await once(raw, "close");
    // The hook has not answered, yet the address's one place is free.
    const { client } = await join(url, "r");
    answer();
    // A round trip through the server: the hook's answer has been handled, and opened nothing.
    await settled(client);
    expect(opened).toHaveLength(1);
  });

  it("keeps for the WebSocket what a client sent behind its upgrade request while the hook thought", async () => {
    let asked!: () => void;
    const called = new Promise<void>((resolve) => (asked = resolve));
    // The hook answers once the socket has delivered what came behind the
    // request: the server read it while the hook thought.
    const { url } = await startServer({
      hooks: {
        upgrade: (request) => {
          asked();
          return new Promise<undefined>((resolve) => request.socket.once("data", () => resolve(undefined)));
        },
      },
    });
    const raw = await rawUpgrade(url, "/");
    await called;
    raw.write(maskedText(JSON.stringify({ event: "Join", protocol: PROTOCOL_VERSION, room: "early" })));
    let received = "";
    raw.setEncoding("latin1");
    const initialized = new Promise<void>((resolve) =>
      raw.on("data", (chunk: string) => {
        received += chunk;
        // The server's frames are not masked: its JSON is there as it is.
        if (received.includes('"event":"Initialize"')) resolve();
      }),
    );
    await initialized;
    expect(received).toMatch(/^HTTP\/1\.1 101 /);
    expect(received).toContain('"room":"early"');
  });

  it("that sends more than maxMessageSize while the hook thinks is let go, its place given back", async () => {
    const { asked, called } = heldHook();
    const { url } = await startServer({
      maxMessageSize: 1024,
      maxConnectionsPerIp: 1,
      hooks: { upgrade: (request) => (request.url === "/slow" ? asked() : undefined) },
    });
    const raw = await rawUpgrade(url, "/slow");
    // A reset may come before the close: the server lets go of a socket it had not read all of.
    raw.on("error", () => "the close below is what this test waits for");
    await called;
    raw.write(Buffer.alloc(1025));
    await once(raw, "close");
    await join(url, "r");
  });

  it("that resets once open is not logged as an upgrade's error", async () => {
    const { records, logger } = recorder();
    const { url, signaling } = await startServer({ logger });
    const client = await connect(url);
    await settled(client);
    (client.socket as unknown as { _socket: import("node:net").Socket })._socket.resetAndDestroy();
    await expect.poll(() => signaling.stats().connections).toBe(0);
    expect(records.filter((r) => r.message === "upgrade socket error")).toEqual([]);
  });
});

describe("a server of its own (port)", () => {
  async function own(options: Partial<SignalingServerOptions> = {}) {
    const signaling = new SignalingServer({ port: 0, host: "127.0.0.1", ...options });
    onTestFinished(() => signaling.close());
    const { port } = await signaling.listening();
    return { signaling, port };
  }

  it("answers plain HTTP with 426 Upgrade Required", async () => {
    const { port } = await own();
    const [response] = (await once(get(`http://127.0.0.1:${port}/`), "response")) as [IncomingMessage];
    let body = "";
    for await (const chunk of response) body += String(chunk);
    expect({ status: response.statusCode, type: response.headers["content-type"], length: response.headers["content-length"], body }).toEqual({
      status: 426,
      type: "text/plain",
      length: "16",
      body: "Upgrade Required",
    });
  });

  it("stops listening on close(), closes the adapter, and says goodbye with 1001", async () => {
    let closes = 0;
    class CountingAdapter extends MemoryRoomAdapter {
      override close(): void {
        closes++;
        super.close();
      }
    }
    const { signaling, port } = await own({ adapter: new CountingAdapter() });
    const { client } = await join(`ws://127.0.0.1:${port}`, "r");
    const goodbye = client.closed();
    await signaling.close();
    expect(await goodbye).toEqual({ code: 1001, reason: "server closing" });
    expect(closes).toBe(1);
    const refusedConnect = tcpConnect(port, "127.0.0.1");
    const [error] = (await once(refusedConnect, "error")) as [NodeJS.ErrnoException];
    expect(error.code).toBe("ECONNREFUSED");
  });

  it("reports an adapter whose close() fails, and closes all the same", async () => {
    const failure = new Error("the store is out of reach");
    class FailingAdapter extends MemoryRoomAdapter {
      override close(): void {
        throw failure;
      }
    }
    const errors: unknown[] = [];
    const { signaling } = await own({ adapter: new FailingAdapter(), onError: (error) => errors.push(error) });
    await signaling.close();
    expect(errors).toEqual([failure]);
  });

  it("terminates a client that never answers the closing handshake", async () => {
    const { signaling, port } = await own();
    const { client } = await join(`ws://127.0.0.1:${port}`, "r");
    // The client reads nothing more: the close frame is never answered.
    (client.socket as unknown as { _socket: import("node:net").Socket })._socket.pause();
    await signaling.close();
    expect(signaling.connectionCount).toBe(0);
  });
});

describe("an attached HTTP server", () => {
  it("already listening: listening() resolves with its address", async () => {
    const http = createServer();
    onTestFinished(() => new Promise<void>((resolve) => http.close(() => resolve())));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const signaling = new SignalingServer({ server: http });
    onTestFinished(() => signaling.close());
    expect(await signaling.listening()).toEqual(http.address());
  });

  it("keeps none of the server's listeners once it listens, and none at all after close()", async () => {
    const http = createServer();
    onTestFinished(() => new Promise<void>((resolve) => http.close(() => resolve())));
    const counts = () => (["upgrade", "error", "listening"] as const).map((event) => http.listenerCount(event));
    // Node's own listeners, if any.
    const [upgrade, error, listening] = counts();
    const signaling = new SignalingServer({ server: http });
    http.listen(0, "127.0.0.1");
    await signaling.listening();
    // Its upgrade listener and onError stay while it runs; listening()'s pair is gone.
    expect(counts()).toEqual([upgrade! + 1, error! + 1, listening]);
    await signaling.close();
    expect(counts()).toEqual([upgrade, error, listening]);
  });

  it("keeps its owner's idle keep-alive connections open through close()", async () => {
    const http = createServer((_, response) => response.end("ok"));
    onTestFinished(() => {
      http.closeAllConnections();
      return new Promise<void>((resolve) => http.close(() => resolve()));
    });
    const sockets: import("node:net").Socket[] = [];
    http.on("connection", (socket) => sockets.push(socket));
    const signaling = new SignalingServer({ server: http });
    http.listen(0, "127.0.0.1");
    const { port } = await signaling.listening();
    const agent = new Agent({ keepAlive: true });
    onTestFinished(() => agent.destroy());
    const [response] = (await once(get({ port, host: "127.0.0.1", agent }), "response")) as [IncomingMessage];
    response.resume();
    await once(response, "end");
    await signaling.close();
    expect(sockets.map((socket) => socket.destroyed)).toEqual([false]);
  });

  it("that fails to listen: listening() rejects, and the server's listeners are gone", async () => {
    const taken = createServer();
    onTestFinished(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const http = createServer();
    const listening = http.listenerCount("listening");
    const errors: unknown[] = [];
    const signaling = new SignalingServer({ server: http, onError: (error) => errors.push(error) });
    onTestFinished(() => signaling.close());
    http.listen((taken.address() as AddressInfo).port, "127.0.0.1");
    await expect(signaling.listening()).rejects.toMatchObject({ code: "EADDRINUSE" });
    expect(errors).toMatchObject([{ code: "EADDRINUSE" }]);
    expect(http.listenerCount("listening")).toBe(listening);
  });
});
