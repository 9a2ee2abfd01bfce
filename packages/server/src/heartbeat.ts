import type { Connection } from "./connection.js";

/**
 * Pings every connection each `interval` ms and terminates those that did not
 * answer the previous ping (nor sent any frame since): a peer whose network
 * vanished never sends a close frame, and without this its socket would
 * stay open forever and its seat never enter its grace period.
 * Returns a function that stops the heartbeat.
 */
export function startHeartbeat(connections: ReadonlySet<Connection>, interval: number): () => void {
  if (interval === 0) return () => {};
  const timer = setInterval(() => {
    for (const conn of connections) {
      if (!conn.alive) {
        conn.socket.terminate();
        continue;
      }
      conn.alive = false;
      conn.socket.ping();
    }
  }, interval);
  // The heartbeat alone should not keep a process alive.
  timer.unref();
  return () => clearInterval(timer);
}
