import type { ChildProcess } from "node:child_process";
import { createServer, connect as tcpConnect } from "node:net";
import { onTestFinished } from "vitest";

const LOG_BOUND = 64 * 1024;

/** A child process (a daemon, a server node) whose output is kept (bounded) for failure messages, SIGKILLed when the test ends. */
export class Child {
  log = "";
  readonly exited: Promise<void>;
  constructor(
    readonly name: string,
    readonly process: ChildProcess,
  ) {
    const append = (chunk: Buffer) => {
      this.log = (this.log + chunk.toString()).slice(-LOG_BOUND);
    };
    process.stdout?.on("data", append);
    process.stderr?.on("data", append);
    this.exited = new Promise((resolve) => process.once("exit", () => resolve()));
    onTestFinished(() => this.kill());
  }
  /** SIGKILL: no clean shutdown, what a crash looks like. Resolves once it is gone. */
  async kill(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill("SIGKILL");
    await this.exited;
  }
  /** A promise that rejects when the process exits, saying so with its log. */
  failure(): Promise<never> {
    return this.exited.then(() => {
      throw new Error(`${this.name} exited (${this.process.exitCode ?? this.process.signalCode}); its log:\n${this.log}`);
    });
  }
}

/** A TCP port free on 127.0.0.1 now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Resolves once 127.0.0.1:`port` accepts a TCP connection. A connection
 * refused before the daemon binds is tried again every 50 ms; the answer,
 * not a delay, ends the wait.
 */
export function accepting(port: number): Promise<void> {
  return new Promise((resolve) => {
    const attempt = () => {
      const socket = tcpConnect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve();
      });
      socket.once("error", () => {
        socket.destroy();
        setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}
