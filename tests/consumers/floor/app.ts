// A Node app using every public entry point, as the READMEs show them.
import { createServer } from "node:http";
import { connectionInfo, RTCClient, type RTCClientOptions } from "@raycaster/realtime-client";
import { mediaOf } from "@raycaster/realtime-client/media";
import { ErrorCodes, parseClientMessage, PROTOCOL_VERSION, type ServerMessage } from "@raycaster/realtime-protocol";
import { parseServerMessage } from "@raycaster/realtime-protocol/client";
import { RedisRoomAdapter } from "@raycaster/realtime-redis";
import { MemoryRoomAdapter, SignalingServer, type SignalingServerOptions } from "@raycaster/realtime-server";
import { collectMetrics } from "@raycaster/realtime-server/metrics";
import { RTCClient as UmbrellaClient, SignalingServer as UmbrellaServer } from "@raycaster/realtime";
import { mediaOf as umbrellaMediaOf } from "@raycaster/realtime/media";
import { RTCPeerConnection } from "node-datachannel/polyfill";
import WebSocket from "ws";

const options: SignalingServerOptions = {
  server: createServer(),
  path: "/signal",
  adapter: process.env.REDIS_URL ? await RedisRoomAdapter.connect({ redis: process.env.REDIS_URL }) : new MemoryRoomAdapter(),
  hooks: { upgrade: () => ({ user: "ada", metadata: { name: "Ada" } }) },
  turn: { urls: "turn:turn.example.com:3478", secret: "s" },
};
const server = new SignalingServer(options);
const metrics = collectMetrics(server, { prefix: "signal_" });
const names: readonly string[] = metrics.names;

const clientOptions: RTCClientOptions = { url: "ws://localhost:3000/signal", RTCPeerConnection, WebSocket };
const client = new RTCClient(clientOptions);
const state = client.channel<{ x: number }>("state", { ordered: false, maxRetransmits: 0 });
state.on("message", ({ peerId, data }) => console.log(peerId, data.x.toFixed(1)));
const { id, peers } = await client.once("open");
client.on("error", (error) => console.warn(error.code, error.message));
await client.broadcast({ id, peers, version: PROTOCOL_VERSION });
const media = mediaOf(client);
client.on("track", ({ peerId, streams }) => console.log(peerId, streams.length));
if (peers[0]) console.log((await connectionInfo(client, peers[0])).type, media.removeTrack.length);

const parsed = parseClientMessage('{"event":"Ping"}');
if (!parsed.ok) console.log(parsed.code === ErrorCodes.INVALID_MESSAGE);
const light = parseServerMessage("{}");
const message: ServerMessage | undefined = light.ok ? light.message : undefined;

new UmbrellaServer({ noServer: true });
umbrellaMediaOf(new UmbrellaClient({ url: "ws://localhost:3000", RTCPeerConnection, WebSocket }));
console.log(names, message);
await server.close();
