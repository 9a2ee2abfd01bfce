import { once } from "node:events";
import { textOf } from "./text.js";
import { onTestFinished } from "vitest";
import { WebSocket, type ClientOptions } from "ws";
import { DEFAULT_DEADLINE, within } from "./within.js";

/** A frame as the harness sees it: a JSON object with an `event`. */
export interface Frame {
  event: string;
}

interface Waiter<M> {
  events: readonly string[];
  resolve: (m: M) => void;
}

/** The fields of a `Join` (the protocol version is the caller's: the harness knows no protocol package). */
export interface JoinFields {
  protocol: number;
  room: string;
  token?: string;
}

/**
 * A raw WebSocket client that records every frame the server sends, so a
 * test can wait for the next one of a kind, with a deadline that names what
 * it waited for and what arrived. Terminated when the test ends. `M` is the
 * union of frames the server sends.
 */
export class RawClient<M extends Frame = Frame> {
  readonly socket: WebSocket;
  /** Every frame received, in order. */
  readonly received: M[] = [];
  /** Frames no `next` has taken yet. */
  readonly #unread: M[] = [];
  readonly #waiters: Waiter<M>[] = [];

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on("message", (data) => {
      const message = JSON.parse(textOf(data)) as M;
      this.received.push(message);
      const waiter = this.#waiters.findIndex((w) => w.events.includes(message.event));
      if (waiter >= 0) this.#waiters.splice(waiter, 1)[0]?.resolve(message);
      else this.#unread.push(message);
    });
  }

  /** Opens a socket to `url`; `options` go to `ws` (e.g. `{ autoPong: false }` to play a dead peer). */
  static async connect<M extends Frame = Frame>(url: string, options: ClientOptions = {}): Promise<RawClient<M>> {
    const socket = new WebSocket(url, options);
    onTestFinished(() => socket.terminate());
    // Listening before the socket opens: a server may send a frame with its upgrade response.
    const client = new RawClient<M>(socket);
    await within(`connecting to ${url}`, once(socket, "open"));
    return client;
  }

  /**
   * Tries to open a socket that the server is expected to refuse at the
   * HTTP upgrade; resolves with the status and body it answered with, and
   * fails if a WebSocket opens instead.
   */
  static async refused(url: string, options: ClientOptions = {}): Promise<{ status: number; body: string }> {
    const socket = new WebSocket(url, options);
    onTestFinished(() => socket.terminate());
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      socket.once("open", () => reject(new Error(`expected ${url} to refuse the upgrade, but a WebSocket opened`)));
      socket.once("unexpected-response", (_, response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      });
      // A failure before any response (connection refused); one after it cannot change the settled answer.
      socket.on("error", reject);
    });
    return within(`${url} refusing the upgrade`, answer);
  }

  /**
   * Connects and sends `Join`; resolves with the client and its
   * `Initialize` frame, or rejects with the `Error` frame the server sent
   * instead.
   */
  static async join<M extends Frame = Frame>(url: string, join: JoinFields, options: ClientOptions = {}) {
    const client = await RawClient.connect<M>(url, options);
    const init = await client.join(join);
    return { client, init };
  }

  /** Sends `Join` on this socket; resolves with `Initialize`, rejects with the `Error` frame if one comes first. */
  async join(join: JoinFields): Promise<Extract<M, { event: "Initialize" }>> {
    this.sendJson({ event: "Join", ...join });
    const answer = await this.nextOf(["Initialize", "Error"]);
    if (answer.event !== "Initialize") throw new Error(`Join refused: ${JSON.stringify(answer)}`);
    return answer as Extract<M, { event: "Initialize" }>;
  }

  sendJson(value: unknown): void {
    this.socket.send(JSON.stringify(value));
  }

  /**
   * The oldest frame of `event` that no earlier `next` took; waits up to
   * `ms` for one, then fails naming the event and every frame received.
   */
  next<E extends M["event"]>(event: E, ms: number = DEFAULT_DEADLINE): Promise<Extract<M, { event: E }>> {
    return this.nextOf([event], ms);
  }

  /** Like {@link RawClient.next}, for the oldest frame of any of `events`. */
  nextOf<E extends M["event"]>(events: readonly E[], ms: number = DEFAULT_DEADLINE): Promise<Extract<M, { event: E }>> {
    type Found = Extract<M, { event: E }>;
    const wanted: readonly string[] = events;
    const index = this.#unread.findIndex((m) => wanted.includes(m.event));
    if (index >= 0) return Promise.resolve(this.#unread.splice(index, 1)[0] as Found);
    let waiter: Waiter<M> | undefined;
    const found = new Promise<Found>((resolve) => {
      waiter = { events, resolve: (m) => resolve(m as Found) };
      this.#waiters.push(waiter);
    });
    const label = `next ${events.map((e) => `"${e}"`).join(" or ")}`;
    return within(label, found, ms, () => this.received.map((m) => m.event)).catch((error: unknown) => {
      // A wait that timed out must not swallow a later frame meant for another.
      const at = waiter ? this.#waiters.indexOf(waiter) : -1;
      if (at >= 0) this.#waiters.splice(at, 1);
      throw error;
    });
  }

  /** Resolves with the close code and reason once the socket closes (within `ms`). */
  async closed(ms: number = DEFAULT_DEADLINE): Promise<{ code: number; reason: string }> {
    if (this.socket.readyState === WebSocket.CLOSED) throw new Error("already closed");
    const [code, reason] = (await within("the socket closing", once(this.socket, "close"), ms, () => this.received.map((m) => m.event))) as [number, Buffer];
    return { code, reason: String(reason) };
  }
}
