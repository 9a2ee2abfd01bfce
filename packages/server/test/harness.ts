import { createServer } from "node:http";
import { once } from "node:events";
import { onTestFinished } from "vitest";
import { WebSocket } from "ws";
import type { ServerMessage } from "@raycaster/realtime-protocol";
import { SignalingServer, type SignalingServerOptions } from "../src/index.js";

/**
 * A signaling server attached to an HTTP server on a free port, closed when
 * the current test ends.
 */
export async function startServer(options: Omit<SignalingServerOptions, "server" | "port"> = {}) {
  const http = createServer();
  const signaling = new SignalingServer({ ...options, server: http });
  http.listen(0, "127.0.0.1");
  const { port } = await signaling.listening();
  onTestFinished(async () => {
    await signaling.close();
    await new Promise((resolve) => http.close(resolve));
  });
  return { signaling, http, url: `ws://127.0.0.1:${port}` };
}

/**
 * A raw WebSocket client that records every frame the server sends, so a
 * test can wait for the next one of a kind. Closed when the test ends.
 */
export class RawClient {
  readonly socket: WebSocket;
  /** Every frame received, in order. */
  readonly received: ServerMessage[] = [];
  /** Frames no `next` has taken yet. */
  readonly #unread: ServerMessage[] = [];
  readonly #waiters: { event: string; resolve: (m: ServerMessage) => void }[] = [];

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on("message", (data) => {
      const message = JSON.parse(String(data)) as ServerMessage;
      this.received.push(message);
      const waiter = this.#waiters.findIndex((w) => w.event === message.event);
      if (waiter >= 0) this.#waiters.splice(waiter, 1)[0]?.resolve(message);
      else this.#unread.push(message);
    });
  }

  static async connect(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<RawClient> {
    const socket = new WebSocket(url, options);
    onTestFinished(() => socket.terminate());
    await once(socket, "open");
    return new RawClient(socket);
  }

  /** Connects and joins `room`; resolves with the client and its `Initialize` frame. */
  static async join(url: string, room: string) {
    const client = await RawClient.connect(url);
    client.sendJson({ event: "Join", protocol: 1, room });
    const init = await client.next("Initialize");
    return { client, init };
  }

  sendJson(value: unknown): void {
    this.socket.send(JSON.stringify(value));
  }

  /** The oldest frame of this event that no earlier `next` took; waits for one if there is none. */
  next<E extends ServerMessage["event"]>(event: E): Promise<Extract<ServerMessage, { event: E }>> {
    type M = Extract<ServerMessage, { event: E }>;
    const index = this.#unread.findIndex((m) => m.event === event);
    if (index >= 0) return Promise.resolve(this.#unread.splice(index, 1)[0] as M);
    return new Promise((resolve) => this.#waiters.push({ event, resolve: (m) => resolve(m as M) }));
  }

  /** Resolves with the close code and reason once the socket closes. */
  async closed(): Promise<{ code: number; reason: string }> {
    if (this.socket.readyState === WebSocket.CLOSED) throw new Error("already closed");
    const [code, reason] = (await once(this.socket, "close")) as [number, Buffer];
    return { code, reason: String(reason) };
  }
}
