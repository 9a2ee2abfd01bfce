import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Timeline } from "./timeline.js";

const SCRIPT = fileURLToPath(new URL("../fixtures/server.mjs", import.meta.url));

/** Options of the server child; those of `SignalingServer` (JSON only). */
export interface ServerProcessOptions {
  port: number;
  host?: string;
  secret: string;
  seatGrace?: number;
  heartbeatInterval?: number;
  [option: string]: unknown;
}

/**
 * A signaling server in a child process (fixtures/server.mjs): started,
 * SIGKILLed and started again by the test. Its life lands on the timeline
 * as actor `"server"`.
 */
export class ServerProcess {
  readonly #timeline: Timeline;
  #child: ChildProcess | undefined;
  #killing = false;

  constructor(timeline: Timeline) {
    this.#timeline = timeline;
  }

  /** Starts a server and resolves with the port it listens on. */
  async start(options: ServerProcessOptions, { within }: { within: number }): Promise<number> {
    if (this.#child) throw new Error("the server process is already running");
    const timeline = this.#timeline;
    const after = timeline.mark();
    const child = spawn(process.execPath, [SCRIPT], {
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      env: { ...process.env, RELIABILITY_SERVER: JSON.stringify(options) },
    });
    this.#child = child;
    child.on("message", (message: { type: string; name?: string; port?: number; payload?: unknown }) => {
      if (message.type === "listening") timeline.record("server", "listening", { port: message.port, pid: child.pid });
      else timeline.record("server", message.name ?? message.type, message.payload);
    });
    for (const stream of ["stdout", "stderr"] as const) {
      child[stream]?.setEncoding("utf8");
      child[stream]?.on("data", (text: string) => {
        for (const line of text.split("\n")) if (line.trim()) timeline.record("server", stream, line);
      });
    }
    child.on("error", (error) => timeline.record("server", "spawnError", error.message));
    child.on("exit", (code, signal) => {
      if (this.#child === child) this.#child = undefined;
      timeline.record("server", this.#killing ? "killed" : "unexpectedExit", { code, signal, pid: child.pid });
    });
    this.#killing = false;
    const listening = await timeline.waitFor(
      `the server process listens (port ${options.port || "any"})`,
      (e) => e.actor === "server" && (e.name === "listening" || e.name === "unexpectedExit"),
      { within, after },
    );
    if (listening.name !== "listening") throw new Error(`the server process exited before listening\n${timeline.describe()}`);
    return (listening.payload as { port: number }).port;
  }

  /** SIGKILLs the server and resolves once the process is gone (its port is free again). */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#killing = true;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }
}
