import { performance } from "node:perf_hooks";
import { CloseCodes } from "@raycaster/realtime-protocol";
import type { Connection } from "./connection.js";

/**
 * Closes connections that do not take a seat within `timeout` ms, with one
 * timer for the whole server rather than one per connection (a pending
 * `Timeout` and its closure cost an idle socket more heap than anything
 * else the server keeps for it). Every connection gets the same timeout, so
 * the order they arrive in is the order their deadlines fall in: a `Map`,
 * which keeps insertion order, is the queue, and the timer is armed for its
 * head only. A connection leaves the queue once seated, or closed, so an
 * idle joined socket costs it nothing.
 */
export class JoinDeadlines {
  readonly #timeout: number;
  /** Unseated connections and their deadlines (`performance.now()` ms), earliest first. */
  readonly #pending = new Map<Connection, number>();
  #timer: NodeJS.Timeout | undefined;
  readonly #sweep = () => this.#expire();

  constructor(timeout: number) {
    this.#timeout = timeout;
  }

  /** Starts `conn`'s time to take a seat. */
  add(conn: Connection): void {
    this.#pending.set(conn, performance.now() + this.#timeout);
    this.#arm();
  }

  /** `conn` took a seat or closed: it has no deadline any more. */
  delete(conn: Connection): void {
    this.#pending.delete(conn);
  }

  /** Stops the timer; connections still pending are left to whoever closes them. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending.clear();
  }

  #arm(): void {
    if (this.#timer !== undefined) return;
    for (const deadline of this.#pending.values()) {
      this.#timer = setTimeout(this.#sweep, Math.max(1, Math.ceil(deadline - performance.now())));
      // Sockets keep the process alive; their deadline alone should not.
      this.#timer.unref();
      return;
    }
  }

  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    for (const [conn, deadline] of this.#pending) {
      if (deadline > now) break;
      this.#pending.delete(conn);
      // A Join still waiting for its hook or adapter does not stop the clock, as before.
      if (conn.seat === undefined) conn.socket.close(CloseCodes.PolicyViolation, "no Join in time");
    }
    this.#arm();
  }
}
