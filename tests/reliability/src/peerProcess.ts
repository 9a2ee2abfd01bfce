import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Host, Network } from "./netns.js";
import type { Timeline, TimelineEvent } from "./timeline.js";

const SCRIPT = fileURLToPath(new URL("../fixtures/peer.mjs", import.meta.url));

/** The WebRTC implementations a peer process can load. */
export type Stack = "wrtc" | "node-datachannel";
export const stacks: Stack[] = ["wrtc", "node-datachannel"];

export interface StartOptions {
  /** `"client"`: the RTCClient under test; `"bare"`: bare RTCPeerConnections (plumbing only). */
  mode: "client" | "bare";
  url: string;
  room: string;
  stack: Stack;
  /** RTCClient options (JSON only: functions cannot cross the process boundary). */
  options?: Record<string, unknown>;
}

/** How long a child has to answer a request; the requests are all local and quick. */
const REPLY_WITHIN = 10_000;

/**
 * A peer in a child process (fixtures/peer.mjs), inside `host`'s network
 * namespace when given. Everything it reports lands on the timeline under
 * its name; its requests are answered or rejected with a labeled error.
 */
export class PeerProcess {
  readonly name: string;
  readonly #timeline: Timeline;
  readonly #child: ChildProcess;
  readonly #replies = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #seq = 0;
  #exited = false;
  /** Set by {@link stop}: an exit after it is expected. */
  #stopping = false;
  /** Its id in the room, from its latest `open`. */
  id: string | undefined;

  constructor({ name, timeline, network, host }: { name: string; timeline: Timeline; network?: Network; host?: Host }) {
    this.name = name;
    this.#timeline = timeline;
    const { command, args } = network && host ? network.exec(host, process.execPath, [SCRIPT]) : { command: process.execPath, args: [SCRIPT] };
    this.#child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe", "ipc"] });
    this.#child.on(
      "message",
      (message: { type: string; name: string; payload: never; seq: number; ok: boolean; result: unknown; error: { message: string } }) => {
        if (message.type === "event") {
          if (message.name === "open") this.id = (message.payload as { id: string }).id;
          timeline.record(name, message.name, message.payload);
        } else if (message.type === "reply") {
          const reply = this.#replies.get(message.seq);
          this.#replies.delete(message.seq);
          if (message.ok) reply?.resolve(message.result);
          else reply?.reject(new Error(`${name} refused a request: ${JSON.stringify(message.error)}\n${timeline.describe()}`));
        }
      },
    );
    for (const stream of ["stdout", "stderr"] as const) {
      this.#child[stream]?.setEncoding("utf8");
      this.#child[stream]?.on("data", (text: string) => {
        for (const line of text.split("\n")) if (line.trim()) timeline.record(name, stream, line);
      });
    }
    this.#child.on("error", (error) => timeline.record(name, "spawnError", error.message));
    this.#child.on("exit", (code, signal) => {
      this.#exited = true;
      timeline.record(name, this.#stopping ? "exit" : "unexpectedExit", { code, signal });
      for (const reply of this.#replies.values()) reply.reject(new Error(`${name} exited (${code ?? signal})`));
      this.#replies.clear();
    });
  }

  /** Starts the peer (or bare peer) and resolves once it has joined: with its `open` event. */
  async start(options: StartOptions, { within }: { within: number }): Promise<TimelineEvent> {
    const after = this.#timeline.mark();
    await this.request("start", { ...options });
    return this.waitFor(`${this.name} opens (joins room ${options.room})`, "open", () => true, { within, after });
  }

  /** Waits for an event of this peer named `name` that `match` accepts. */
  waitFor(label: string, name: string, match: (payload: never) => boolean, { within, after = 0 }: { within: number; after?: number }): Promise<TimelineEvent> {
    return this.#timeline.waitFor(label, (e) => e.actor === this.name && e.name === name && match(e.payload as never), { within, after });
  }

  send(to: string, data: unknown): Promise<unknown> {
    return this.request("send", { to, data });
  }

  request(op: string, args: Record<string, unknown> = {}): Promise<unknown> {
    if (this.#exited || !this.#child.connected) return Promise.reject(new Error(`${this.name} is not running (op ${op})`));
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#replies.delete(seq);
        reject(new Error(`${this.name} did not answer ${op} within ${REPLY_WITHIN} ms\n${this.#timeline.describe()}`));
      }, REPLY_WITHIN);
      this.#replies.set(seq, {
        resolve: (value) => (clearTimeout(timer), resolve(value)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      this.#child.send({ op, seq, ...args });
    });
  }

  /** Ends the process (SIGKILL: nothing it would say on the way out matters) and waits for its exit. */
  async stop(): Promise<void> {
    if (this.#exited) return;
    this.#stopping = true;
    const exited = new Promise((resolve) => this.#child.once("exit", resolve));
    this.#child.kill("SIGKILL");
    await exited;
  }
}
