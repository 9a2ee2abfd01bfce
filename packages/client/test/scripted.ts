import { onTestFinished } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { PROTOCOL_VERSION } from "../src/index.js";
import { within } from "./harness.js";

/** A frame as the scripted server received it. */
export type Frame = { event: string; [field: string]: unknown };

/** One client socket as a scripted server sees it: what it sent, and a way to wait for more. */
export class ScriptedSocket {
  readonly socket: WebSocket;
  readonly frames: Frame[] = [];
  #waiters: { event: string; resolve: (frame: Frame) => void }[] = [];
  readonly closed: Promise<number>;

  constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on("message", (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      this.frames.push(frame);
      this.#waiters = this.#waiters.filter((w) => {
        if (w.event !== frame.event) return true;
        w.resolve(frame);
        return false;
      });
    });
    this.closed = new Promise((resolve) => socket.on("close", (code) => resolve(code)));
  }

  /** The first frame of `event` this socket sent, past or future. */
  next(event: string): Promise<Frame> {
    const past = this.frames.find((f) => f.event === event);
    if (past) return Promise.resolve(past);
    return within(`a ${event} frame`, new Promise((resolve) => this.#waiters.push({ event, resolve })), undefined, () =>
      this.frames.map((f) => f.event),
    );
  }

  send(frame: Frame): void {
    this.socket.send(JSON.stringify(frame));
  }

  /** Seats the client as a protocol-2 server would. */
  initialize(fields: { id: string; peers?: string[]; resumed?: boolean; token?: string; room?: string }): void {
    this.send({
      event: "Initialize",
      protocol: PROTOCOL_VERSION,
      id: fields.id,
      room: fields.room ?? "r",
      peers: fields.peers ?? [],
      token: fields.token ?? `token-of-${fields.id}`,
      resumed: fields.resumed ?? false,
      grace: 20_000,
    });
  }
}

/**
 * A real `ws` server on a free port whose every answer the test scripts:
 * the protocol spoken by hand, to drive the client into states a real
 * server reaches only by accident (half-open sockets, refused resumes).
 */
export async function scriptedServer() {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  onTestFinished(() => {
    for (const client of wss.clients) client.terminate();
    return new Promise<void>((resolve) => wss.close(() => resolve()));
  });
  await new Promise((resolve) => wss.once("listening", resolve));
  const { port } = wss.address() as { port: number };
  const sockets: ScriptedSocket[] = [];
  const waiting: ((socket: ScriptedSocket) => void)[] = [];
  wss.on("connection", (socket) => {
    const scripted = new ScriptedSocket(socket);
    sockets.push(scripted);
    for (const resolve of waiting.splice(0)) resolve(scripted);
  });
  /** The `n`th socket (0 for the first) the server accepted, past or future. */
  const connection = (n: number): Promise<ScriptedSocket> => {
    const wait = (): Promise<ScriptedSocket> =>
      sockets[n] ? Promise.resolve(sockets[n]) : new Promise<ScriptedSocket>((resolve) => waiting.push(resolve)).then(wait);
    return within(`connection #${n + 1} to the scripted server`, wait(), undefined, () => `${sockets.length} so far`);
  };
  return { url: `ws://127.0.0.1:${port}`, port, wss, sockets, connection };
}
