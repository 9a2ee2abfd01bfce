// The bot as its README runs it: `node dist/main.js` in a process of its own,
// against a real signaling server, met by a real WebRTC peer.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { RTCClient } from "@raycaster/realtime-client";
import { SignalingServer } from "@raycaster/realtime-server";
import { RTCPeerConnection } from "node-datachannel/polyfill";
import { expect, it, onTestFinished } from "vitest";
import WebSocket from "ws";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));

it("joins the room, echoes JSON and binary to the sender, and leaves cleanly on SIGTERM", async () => {
  const server = new SignalingServer({ port: 0, host: "127.0.0.1" });
  onTestFinished(() => server.close());
  const { port } = await server.listening();

  const bot = spawn(process.execPath, [main], {
    env: { ...process.env, SIGNALING_URL: `ws://127.0.0.1:${port}`, ROOM: "echo" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  onTestFinished(() => void bot.kill("SIGKILL"));
  let output = "";
  bot.stdout.setEncoding("utf8");
  const seated = new Promise<string>((resolve) => {
    bot.stdout.on("data", (chunk: string) => {
      output += chunk;
      const id = /echo bot (\S+) in room "echo"/.exec(output)?.[1];
      if (id) resolve(id);
    });
  });
  const botId = await seated;

  const me = new RTCClient({ url: `ws://127.0.0.1:${port}`, room: "echo", RTCPeerConnection, WebSocket });
  onTestFinished(() => me.close());
  const { peers } = await me.once("open");
  expect(peers).toEqual([botId]);
  const { peerId } = await me.once("peerConnected");
  expect(peerId).toBe(botId);

  const echoes: unknown[] = [];
  const two = new Promise<void>((resolve) =>
    me.on("message", ({ peerId: from, data }) => {
      expect(from).toBe(botId);
      if (echoes.push(data) === 2) resolve();
    }),
  );
  await me.send(botId, { hello: "bot" });
  await me.send(botId, new Uint8Array([1, 2, 3]));
  await two;
  expect(echoes[0]).toEqual({ hello: "bot" });
  expect(new Uint8Array(echoes[1] as ArrayBuffer)).toEqual(new Uint8Array([1, 2, 3]));

  // SIGTERM: the bot closes its client, so this peer sees it leave at once ("left", not a timeout).
  const left = me.once("peerLeft");
  const exited = once(bot, "exit") as Promise<[number | null]>;
  bot.kill("SIGTERM");
  expect(await left).toEqual({ peerId: botId, reason: "left" });
  const [code] = await exited;
  expect(code).toBe(0);
  expect(output).toContain(`connected to ${me.id}`);
});
