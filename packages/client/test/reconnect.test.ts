// The reconnect loop against a scripted server: a real `ws` server speaking
// the protocol by hand (scripted.ts), to reach on purpose the states a real
// server reaches only by accident: a refused resume, a half-open socket, a
// final close code.
import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { ErrorCodes, PROTOCOL_VERSION, RTCClient } from "../src/index.js";
import { MAX_QUEUED_SIGNALS, SignalingConnection } from "../src/connection.js";
import { Peer } from "../src/peer.js";
import { WebSocket } from "ws";
import { textOf } from "@raycaster/realtime-test-harness";
import { createClient, tappedWebSocket, within } from "./harness.js";
import { scriptedServer, type ScriptedSocket } from "./scripted.js";
import { RTCPeerConnection } from "./webrtc.js";

/** Quick retries, so that a test spends its time on behaviour, not waiting. */
const quick = { reconnect: { initialDelay: 20, maxDelay: 50 } } as const;

/** Resolves once the socket's both ends are closed (no close handshake timer left in `ws`). */
function bothClosed(scripted: ScriptedSocket, clientSocket: { once(event: "close", listener: () => void): unknown; readyState: number }) {
  const client = clientSocket.readyState === 3 ? Promise.resolve() : new Promise<void>((resolve) => clientSocket.once("close", () => resolve()));
  return within("both ends of the socket closed", Promise.all([scripted.closed, client]));
}

describe("reconnecting to the signaling server", () => {
  it("takes its seat back with the latest token after the socket drops", async () => {
    const server = await scriptedServer();
    const client = createClient({ url: server.url, room: "r", ...quick });
    const first = await server.connection(0);
    // A first join rides on the upgrade request; the resume below is a Join frame (a token never goes in a URL).
    expect(await first.next("Join")).toEqual({ event: "Join", protocol: PROTOCOL_VERSION, room: "r", upgrade: true });
    first.initialize({ id: "me", token: "t1" });
    await client.when("open");
    first.send({ event: "Token", token: "t2" });
    // A Pong is something heard: once it is processed, so is the Token before it.
    first.send({ event: "Pong" });
    first.socket.terminate();

    const second = await server.connection(1);
    expect(await second.next("Join")).toEqual({ event: "Join", protocol: PROTOCOL_VERSION, room: "r", token: "t2" });
    second.initialize({ id: "me", resumed: true, token: "t3" });
    expect(await client.when("open", (e) => e.resumed)).toEqual({ id: "me", room: "r", peers: [], resumed: true });
    expect(client.all("signalingState")).toEqual([
      { state: "open", previous: "connecting" },
      { state: "reconnecting", previous: "open" },
      { state: "open", previous: "reconnecting" },
    ]);
    expect(client.client.signalingState).toBe("open");
    expect(client.all("signalingClosed")).toEqual([]);
    expect(client.all("error")).toEqual([]);
  });

  it("keeps the signals a peer sends while away and delivers them after the resume", async () => {
    // Observes (and calls through) what peers hand to the signaling link.
    const handed = vi.spyOn(SignalingConnection.prototype, "send");
    onTestFinished(() => handed.mockRestore());
    const server = await scriptedServer();
    const client = createClient({ url: server.url, room: "r", ...quick });
    const first = await server.connection(0);
    first.initialize({ id: "me" });
    await client.when("open");
    first.socket.terminate();
    const second = await server.connection(1);
    await second.next("Join");

    // An offer reaches the client before it is seated again: its answer must wait.
    const remote = new RTCPeerConnection();
    onTestFinished(() => remote.close());
    remote.createDataChannel("probe");
    const offer = await within("the remote's offer", remote.createOffer());
    await within("the remote's offer applied", remote.setLocalDescription(offer));
    second.send({ event: "ReceiveOffer", from: "p1", sdp: offer.sdp ?? "" });
    const answered = () => handed.mock.calls.find(([message]) => message.event === "SendAnswer")?.[0];
    await expect.poll(answered).toBeDefined();
    expect(second.frames.map((f) => f.event)).toEqual(["Join"]);

    second.initialize({ id: "me", resumed: true, peers: ["p1"] });
    expect(await second.next("SendAnswer")).toEqual(answered());
    // In the order they were handed over: nothing lost, nothing reordered.
    const wire = second.frames.slice(1).map((f) => JSON.stringify(f));
    const queued = handed.mock.calls.map(([message]) => JSON.stringify(message));
    expect(wire.slice(0, queued.length)).toEqual(queued.slice(0, wire.length));
  });

  it("keeps its peers across a resume and restarts ICE for those not connected", async () => {
    // A spy that calls through: it only counts the calls.
    const restarts = vi.spyOn(Peer.prototype, "restartIce");
    onTestFinished(() => restarts.mockRestore());
    const server = await scriptedServer();
    const client = createClient({ url: server.url, room: "r", ...quick });
    const first = await server.connection(0);
    // p1 takes part in no negotiation: it never connects.
    first.initialize({ id: "me", peers: ["p1"] });
    await client.when("peerJoined");
    first.socket.terminate();
    const second = await server.connection(1);
    await second.next("Join");
    second.initialize({ id: "me", resumed: true, peers: ["p1", "p2"] });
    await client.when("peerJoined", (e) => e.peerId === "p2");

    expect(client.client.peers).toEqual(["p1", "p2"]);
    expect(client.all("peerJoined").map((e) => e.peerId)).toEqual(["p1", "p2"]);
    expect(client.all("peerLeft")).toEqual([]);
    expect(restarts.mock.contexts.map((peer) => (peer as Peer).id)).toEqual(["p1"]);
  });

  it("holds at most 256 signals while not seated, dropping the oldest with a debug message", async () => {
    const server = await scriptedServer();
    const debug = vi.fn();
    // The link alone, without a client: nothing else sends.
    const connection = new SignalingConnection(
      { url: server.url, room: "r", WebSocket, reconnect: false, pingInterval: 0, pingTimeout: 1, debug },
      { seated: () => undefined, message: () => undefined, refused: () => undefined, error: () => undefined, state: () => undefined, ended: () => undefined },
    );
    onTestFinished(() => connection.close());
    const first = await server.connection(0);
    await first.next("Join");
    for (let n = 0; n < MAX_QUEUED_SIGNALS + 44; n++) connection.send({ event: "SendOffer", to: "p1", sdp: `offer ${n}` });
    expect(first.frames.map((f) => f.event)).toEqual(["Join"]);
    expect(debug).toHaveBeenCalledTimes(44);
    expect(debug).toHaveBeenCalledWith("signaling queue full: dropped the oldest queued signal", { event: "SendOffer", queued: 256 });

    first.initialize({ id: "me", resumed: true });
    await expect.poll(() => first.frames.length).toBe(1 + MAX_QUEUED_SIGNALS);
    expect(first.frames.slice(1).map((f) => f.sdp)).toEqual(Array.from({ length: MAX_QUEUED_SIGNALS }, (_, n) => `offer ${n + 44}`));
    expect(connection.timers).toBe(0);
  });

  it.each([ErrorCodes.INVALID_TOKEN, ErrorCodes.TOKEN_EXPIRED, ErrorCodes.SEAT_GONE])(
    "joins as a new peer when the resume is refused with %s, and each old peer leaves once",
    async (code) => {
      const server = await scriptedServer();
      const client = createClient({ url: server.url, room: "r", ...quick });
      const first = await server.connection(0);
      first.initialize({ id: "me", peers: ["p1", "p2"] });
      await client.when("peerJoined", (e) => e.peerId === "p2");
      first.socket.terminate();

      const second = await server.connection(1);
      expect(await second.next("Join")).toMatchObject({ token: "token-of-me" });
      second.send({ event: "Error", code, message: "no" });
      await client.when("peerLeft", (e) => e.peerId === "p2");
      // The plain Join follows on the same socket.
      await expect.poll(() => second.frames.filter((f) => f.event === "Join").length).toBe(2);
      expect(second.frames.at(-1)).toEqual({ event: "Join", protocol: PROTOCOL_VERSION, room: "r" });
      second.initialize({ id: "me2", peers: ["p3"] });

      expect(await client.when("open", (e) => e.id === "me2")).toEqual({ id: "me2", room: "r", peers: ["p3"], resumed: false });
      expect(client.all("peerLeft")).toEqual([
        { peerId: "p1", reason: "left" },
        { peerId: "p2", reason: "left" },
      ]);
      expect(client.client.peers).toEqual(["p3"]);
      expect(client.client.id).toBe("me2");
      expect(client.all("error")).toEqual([]);
    },
  );

  it("replaces a half-open socket: no answer to Ping within pingTimeout", async () => {
    const server = await scriptedServer();
    const debug = vi.fn();
    const client = createClient({ url: server.url, room: "r", pingInterval: 100, pingTimeout: 100, debug, ...quick });
    const first = await server.connection(0);
    first.initialize({ id: "me" });
    await client.when("open");
    // The server keeps the socket open and never answers the Ping.
    await first.next("Ping");

    const second = await server.connection(1);
    expect(await second.next("Join")).toMatchObject({ token: "token-of-me" });
    // The client tore the silent socket down (ws: terminate) rather than wait for its close handshake.
    expect(await within("the silent socket to close", first.closed)).toBe(1006);
    second.initialize({ id: "me", resumed: true });
    await client.when("open", (e) => e.resumed);
    expect(client.all("signalingState").map((e) => e.state)).toEqual(["open", "reconnecting", "open"]);
    expect(debug).toHaveBeenCalledWith("signaling lost; reconnecting", expect.objectContaining({ code: 4000 }));
  });

  it("keeps a socket whose server answers Ping", async () => {
    const server = await scriptedServer();
    const client = createClient({ url: server.url, room: "r", pingInterval: 50, pingTimeout: 50, ...quick });
    const first = await server.connection(0);
    first.initialize({ id: "me" });
    let pongs = 0;
    const enough = new Promise<void>((resolve) =>
      first.socket.on("message", (data) => {
        if ((JSON.parse(textOf(data)) as { event?: string }).event !== "Ping") return;
        first.send({ event: "Pong" });
        if (++pongs === 5) resolve();
      }),
    );
    await within("five pings answered", enough);
    expect(server.sockets).toHaveLength(1);
    expect(client.client.signalingState).toBe("open");
  });
});

describe("timers of the reconnect loop (fake time)", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });
  const fake = () => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });

  it("waits a jittered, doubling, capped delay between attempts, and gives up after maxAttempts", async () => {
    const server = await scriptedServer();
    fake();
    // The top of every jitter range, so each delay shows its ceiling: a loop
    // that does not count its attempts, or does not double, or is not capped,
    // gives other numbers.
    const random = vi.spyOn(Math, "random").mockReturnValue(1 - 1e-9);
    onTestFinished(() => random.mockRestore());
    // Every socket is refused at once, with a code that may be retried.
    server.wss.on("connection", (socket) => socket.close(1011, "try later"));
    const reconnect = { initialDelay: 100, maxDelay: 400, maxAttempts: 4 };
    const tapped = tappedWebSocket();
    const client = createClient({ url: server.url, WebSocket: tapped.WebSocket, pingInterval: 0, reconnect });
    const delays: number[] = [];
    for (let attempt = 0; attempt < reconnect.maxAttempts; attempt++) {
      await bothClosed(await server.connection(attempt), tapped.tap.socket!);
      expect(client.client.signalingState).toBe("reconnecting");
      // One timer: the backoff (the keep-alive is off).
      expect(vi.getTimerCount()).toBe(1);
      const before = Date.now();
      await vi.advanceTimersToNextTimerAsync();
      delays.push(Date.now() - before);
      await server.connection(attempt + 1);
    }
    expect(delays).toEqual([99, 199, 399, 399]);

    // The fifth socket fails too, and no attempt is left.
    const failed = await client.when("error");
    expect(failed).toMatchObject({ code: "SIGNALING_FAILED", closeCode: 1011 });
    expect(await client.when("signalingClosed")).toEqual({ code: 1011, reason: "try later" });
    expect(client.client.signalingState).toBe("closed");
    await bothClosed(server.sockets[4]!, tapped.tap.socket!);
    expect(vi.getTimerCount()).toBe(0);
    expect(server.sockets).toHaveLength(5);
  });

  it.each([
    [4002, "ROOM_FULL"],
    [4003, undefined],
  ])("ends for good on final close code %i, with a typed error and no timer left", async (closeCode, serverCode) => {
    const server = await scriptedServer();
    fake();
    const tapped = tappedWebSocket();
    const client = createClient({ url: server.url, WebSocket: tapped.WebSocket, ...quick });
    const first = await server.connection(0);
    first.initialize({ id: "me" });
    await client.when("open");
    if (serverCode) first.send({ event: "Error", code: serverCode, message: "full" });
    first.socket.close(closeCode, "final");

    expect(await client.when("signalingClosed")).toEqual({ code: closeCode, reason: "final" });
    expect(client.all("error").map((e) => [e.code, e.closeCode])).toEqual([...(serverCode ? [[serverCode, undefined]] : []), ["SIGNALING_FAILED", closeCode]]);
    expect(client.client.signalingState).toBe("closed");
    expect(client.all("signalingState").at(-1)).toEqual({ state: "closed", previous: "open" });
    await bothClosed(first, tapped.tap.socket!);
    // No timer: no attempt can ever follow.
    expect(vi.getTimerCount()).toBe(0);
  });

  it("close() leaves no timer, whether open or waiting to reconnect", async () => {
    const server = await scriptedServer();
    fake();
    const open = tappedWebSocket();
    const client = createClient({ url: server.url, WebSocket: open.WebSocket, ...quick });
    const first = await server.connection(0);
    first.initialize({ id: "me" });
    await client.when("open");
    expect(vi.getTimerCount()).toBe(1); // the keep-alive
    client.client.close();
    // 1000: the server frees the seat at once.
    expect(await within("the server to see the close", first.closed)).toBe(1000);
    await bothClosed(first, open.tap.socket!);
    expect(vi.getTimerCount()).toBe(0);

    const waiting = tappedWebSocket();
    const other = createClient({ url: server.url, WebSocket: waiting.WebSocket, ...quick });
    const second = await server.connection(1);
    second.initialize({ id: "me" });
    await other.when("open");
    second.socket.terminate();
    await other.when("signalingState", (e) => e.state === "reconnecting");
    await bothClosed(second, waiting.tap.socket!);
    expect(vi.getTimerCount()).toBe(1); // the backoff
    other.client.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(other.client.signalingState).toBe("closed");
  });

  it("waits for the browser's online event instead of spending attempts while offline", async () => {
    const server = await scriptedServer();
    fake();
    const window = new EventTarget();
    vi.stubGlobal("navigator", { onLine: false });
    vi.stubGlobal("addEventListener", window.addEventListener.bind(window));
    vi.stubGlobal("removeEventListener", window.removeEventListener.bind(window));
    const tapped = tappedWebSocket();
    const client = createClient({ url: server.url, WebSocket: tapped.WebSocket, pingInterval: 0, reconnect: { maxAttempts: 1 } });
    const first = await server.connection(0);
    first.initialize({ id: "me" });
    await client.when("open");
    first.socket.terminate();
    await client.when("signalingState", (e) => e.state === "reconnecting");
    await bothClosed(first, tapped.tap.socket!);
    // Offline: no timer, nothing counted; only the online event moves it on.
    expect(vi.getTimerCount()).toBe(0);
    vi.stubGlobal("navigator", { onLine: true });
    window.dispatchEvent(new Event("online"));
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersToNextTimerAsync();
    const second = await server.connection(1);
    expect(await second.next("Join")).toMatchObject({ token: "token-of-me" });
  });

  it("refuses reconnect and keep-alive options timers cannot honour", () => {
    const base = { url: "ws://127.0.0.1:1", RTCPeerConnection, WebSocket: tappedWebSocket().WebSocket };
    const bad = [
      { pingInterval: -1 },
      { pingInterval: 1.5 },
      { pingTimeout: 0 },
      { pingTimeout: 2 ** 31 },
      { reconnect: { initialDelay: -1 } },
      { reconnect: { maxDelay: Number.NaN } },
      { reconnect: { initialDelay: 1000, maxDelay: 10 } },
      { reconnect: { maxAttempts: 0 } },
      { reconnect: { maxAttempts: 2.5 } },
    ];
    for (const options of bad) expect(() => new RTCClient({ ...base, ...options }), JSON.stringify(options)).toThrow(RangeError);
    expect(() => new RTCClient({ ...base, reconnect: true as never })).toThrow(TypeError);
    expect(() => new RTCClient({ ...base, debug: "yes" as never })).toThrow(TypeError);
  });
});
