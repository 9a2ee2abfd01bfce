import { PROTOCOL_VERSION, type ServerMessage } from "@raycaster/realtime-protocol";
import { RawClient, startServer as start } from "@raycaster/realtime-test-harness";
import { once } from "node:events";
import type { AddressInfo, Socket } from "node:net";
import { expect, onTestFinished } from "vitest";
import { WebSocketServer, type ClientOptions, type WebSocket } from "ws";
import { Connection } from "../src/connection.js";
import { SignalingServer, type SignalingServerOptions } from "../src/index.js";
import { Counters } from "../src/stats.js";

/** A raw client that speaks this protocol's server frames. */
export type Client = RawClient<ServerMessage>;

/** A signaling server attached to an HTTP server on a free port, closed when the test ends. */
export async function startServer(options: Omit<SignalingServerOptions, "server" | "port"> = {}) {
  const { server, http, url } = await start((http) => new SignalingServer({ ...options, server: http }));
  return { signaling: server, http, url };
}

/** Opens a raw socket that has not joined. */
export function connect(url: string, options?: ClientOptions): Promise<Client> {
  return RawClient.connect<ServerMessage>(url, options);
}

/** Connects and joins `room` (resuming with `token` when given); resolves with the client and its `Initialize`. */
export function join(url: string, room: string, token?: string) {
  return RawClient.join<ServerMessage>(url, { protocol: PROTOCOL_VERSION, room, token });
}

/** Sends `Join` with `token` on `client` and resolves with the `Error` it is refused with. */
export async function refusedJoin(client: Client, room: string, token: string) {
  client.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room, token });
  return client.next("Error");
}

/**
 * Resolves once the server has handled every frame `client` sent before:
 * frames of one socket are handled in order, so its `Pong` comes after them.
 */
export async function settled(client: Client): Promise<void> {
  client.sendJson({ event: "Ping" });
  await client.next("Pong");
}

/** The events `client` received, in order. */
export const events = (client: Client) => client.received.map((m) => m.event);

/**
 * A {@link Connection} on its own over a real socket, with no server around
 * it, for what cannot be made to happen through one; with its raw TCP
 * socket and the client at the other end. Closed when the test ends.
 */
export async function bareConnection(): Promise<{ conn: Connection; raw: Socket; client: Client }> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  onTestFinished(() => new Promise<void>((resolve) => wss.close(() => resolve())));
  await once(wss, "listening");
  const accepted = once(wss, "connection") as Promise<[WebSocket]>;
  const client = await connect(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const [socket] = await accepted;
  const conn = new Connection({
    socket,
    address: "127.0.0.1",
    user: undefined,
    metadata: undefined,
    rateLimit: false,
    counters: new Counters(),
    slot: undefined,
  });
  return { conn, raw: (socket as unknown as { _socket: Socket })._socket, client };
}

/**
 * Drops `client`'s socket without a close frame, as a lost network would,
 * and resolves once the server holds its seat in grace (it must be the only
 * seat in grace).
 */
export async function dropIntoGrace(signaling: SignalingServer, client: Client): Promise<void> {
  client.socket.terminate();
  await expect.poll(() => signaling.stats().seatsInGrace).toBe(1);
}
