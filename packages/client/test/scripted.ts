import { Recorder, startWebSocketServer, textOf } from "@raycaster/realtime-test-harness";
import type { WebSocket } from "ws";
import { PROTOCOL_VERSION } from "../src/index.js";
import { WAIT_MS, within } from "./harness.js";

/** A frame as the scripted server received it. */
export type Frame = { event: string; [field: string]: unknown };

/** One client socket as a scripted server sees it: what it sent, and a way to wait for more. */
export class ScriptedSocket {
  readonly socket: WebSocket;
  /** Every frame this socket sent, in order. */
  readonly frames: Frame[] = [];
  readonly #recorder = new Recorder<Record<string, Frame>>({ within: WAIT_MS, show: ({ name }) => name });
  readonly closed: Promise<number>;

  constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on("message", (data) => {
      const frame = JSON.parse(textOf(data)) as Frame;
      this.frames.push(frame);
      this.#recorder.record(frame.event, frame);
    });
    this.closed = new Promise((resolve) => socket.on("close", (code) => resolve(code)));
  }

  /** The first frame of `event` this socket sent, past or future. */
  next(event: string): Promise<Frame> {
    return this.#recorder.when(event, undefined, { label: `a ${event} frame` });
  }

  send(frame: Frame): void {
    this.socket.send(JSON.stringify(frame));
  }

  /** Seats the client as the server would. */
  initialize(fields: { id: string; peers?: string[]; resumed?: boolean; token?: string; room?: string }): void {
    this.send({
      event: "Initialize",
      protocol: PROTOCOL_VERSION,
      id: fields.id,
      room: fields.room ?? "r",
      peers: (fields.peers ?? []).map((id) => ({ id })),
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
  const { wss, url, port } = await startWebSocketServer();
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
  return { url, port, wss, sockets, connection };
}
