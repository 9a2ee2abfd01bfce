// Each app on a free port, with real sockets: its HTTP route, its other
// WebSocket endpoint, and two WebRTC peers meeting through /signal.
import { RTCClient } from "@raycaster/realtime-client";
import { RTCPeerConnection } from "node-datachannel/polyfill";
import { describe, expect, it, onTestFinished } from "vitest";
import WebSocket from "ws";
import type { RunningApp } from "../src/app.js";
import { startExpress } from "../src/express.js";
import { startFastify } from "../src/fastify.js";

/** Resolves with the first message a WebSocket gets, or rejects with its error. */
function firstMessage(socket: WebSocket): Promise<{ data: string; isBinary: boolean }> {
  return new Promise((resolve, reject) => {
    // The echo endpoint sends one-piece frames: ws hands each over as one Buffer.
    socket.once("message", (data, isBinary) => resolve({ data: (data as Buffer).toString("utf8"), isBinary }));
    socket.once("error", reject);
  });
}

/** The HTTP status a refused upgrade got. */
function refusal(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once("unexpected-response", (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once("open", () => reject(new Error(`${url} was upgraded`)));
    socket.once("error", reject);
  });
}

describe.each([
  ["Express", startExpress],
  ["Fastify", startFastify],
])("%s", (_name, start: (options: { port: number; host: string }) => Promise<RunningApp>) => {
  async function started(): Promise<{ app: RunningApp; http: string; ws: string }> {
    const app = await start({ port: 0, host: "127.0.0.1" });
    onTestFinished(() => app.close());
    const base = `127.0.0.1:${app.address.port}`;
    return { app, http: `http://${base}`, ws: `ws://${base}` };
  }

  it("serves its HTTP route, echoes on /echo, and refuses an upgrade on a path nobody serves", async () => {
    const { http, ws } = await started();
    const response = await fetch(`${http}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, signalingConnections: 0 });

    const socket = new WebSocket(`${ws}/echo`);
    onTestFinished(() => socket.terminate());
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    const echoed = firstMessage(socket);
    socket.send("ping on /echo");
    expect(await echoed).toEqual({ data: "ping on /echo", isBinary: false });

    expect(await refusal(`${ws}/nowhere`)).toBe(404);
  });

  it("carries signaling on /signal: two WebRTC peers meet and exchange data, while /echo keeps working", async () => {
    const { app, ws } = await started();
    const options = { url: `${ws}/signal`, room: "frameworks", RTCPeerConnection, WebSocket };
    const alice = new RTCClient(options);
    onTestFinished(() => alice.close());
    const { id: aliceId } = await alice.once("open");
    const bob = new RTCClient(options);
    onTestFinished(() => bob.close());
    const { id: bobId, peers } = await bob.once("open");
    expect(peers).toEqual([aliceId]);
    expect(app.signaling.connectionCount).toBe(2);

    const message = alice.once("message");
    await bob.once("peerConnected");
    await bob.send(aliceId, { over: "WebRTC" });
    expect(await message).toEqual({ peerId: bobId, data: { over: "WebRTC" } });

    // The echo endpoint is untouched by the signaling traffic beside it.
    const socket = new WebSocket(`${ws}/echo`);
    onTestFinished(() => socket.terminate());
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    const echoed = firstMessage(socket);
    socket.send(Buffer.from([7, 7]));
    expect(await echoed).toMatchObject({ isBinary: true });
  });
});
