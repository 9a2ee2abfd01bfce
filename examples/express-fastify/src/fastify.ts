import { EventEmitter } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import fastifyWebsocket from "@fastify/websocket";
import { SignalingServer } from "@raycaster/realtime-server";
import Fastify from "fastify";
import type { ListenOptions, RunningApp } from "./app.js";
import { echo, pathOf } from "./echo.js";

/**
 * A Fastify app with a WebSocket route of its own (`/echo`, through
 * `@fastify/websocket`) whose HTTP server also carries the signaling server
 * on `/signal`.
 *
 * `@fastify/websocket` takes every upgrade of the server through Fastify's
 * router and answers 404 where no route is a WebSocket route, `/signal`
 * included; so the two cannot both listen to the server's `upgrade` event.
 * One listener routes instead: `/signal` to the signaling server (made with
 * `noServer: true`), the rest to the plugin, through its `server` option
 * (any emitter of `upgrade` events).
 */
export async function startFastify({ port, host }: ListenOptions): Promise<RunningApp> {
  const app = Fastify();
  const signaling = new SignalingServer({ noServer: true });
  const pluginUpgrades = new EventEmitter();
  await app.register(fastifyWebsocket, {
    options: { server: pluginUpgrades as unknown as Server, maxPayload: 64 * 1024 },
  });
  app.get("/echo", { websocket: true }, echo);
  app.get("/health", async () => ({ ok: true, signalingConnections: signaling.connectionCount }));
  app.server.on("upgrade", (request, socket, head) => {
    if (pathOf(request) === "/signal") signaling.handleUpgrade(request, socket, head);
    else pluginUpgrades.emit("upgrade", request, socket, head);
  });

  await app.listen({ port, ...(host === undefined ? {} : { host }) });
  return {
    address: app.server.address() as AddressInfo,
    signaling,
    async close() {
      await signaling.close();
      await app.close();
    },
  };
}
