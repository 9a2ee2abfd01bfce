/**
 * Preloaded (`--import`) into every server under test: answers the bench's
 * `{ cpu: id }` over IPC with the process's own CPU time, `{ memory: id }`
 * with its RSS and JS heap after a full collection, and keeps any
 * server that listens without a host (y-webrtc's bin) on loopback.
 */
import http from "node:http";

const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (this: http.Server, ...args: unknown[]) {
  if (typeof args[0] === "number" || typeof args[0] === "string") {
    const port = Number(args[0]);
    const rest = args.slice(1).filter((a) => typeof a === "function");
    return (listen as (...a: unknown[]) => http.Server).call(this, port, "127.0.0.1", ...rest);
  }
  return (listen as (...a: unknown[]) => http.Server).apply(this, args);
} as typeof listen;

process.on("message", (message: { cpu?: number }) => {
  if (message.cpu === undefined) return;
  const { user, system } = process.cpuUsage();
  process.send?.({ cpu: message.cpu, micros: user + system, rss: process.memoryUsage.rss() });
});
// Forked with --expose-gc: two full collections, a turn apart, so that what
// the first one's finalisers let go is gone too; then what is left.
process.on("message", (message: { memory?: number }) => {
  if (message.memory === undefined) return;
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error("the bench forks servers with --expose-gc");
  collect();
  setImmediate(() => {
    collect();
    const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
    process.send?.({ memory: message.memory, rss, heapUsed, external, arrayBuffers });
  });
});
// The IPC channel must not keep a server alive after the bench is gone.
process.on("disconnect", () => process.exit(0));
// A normal exit on the bench's kill, so that a `--cpu-prof` profile is written.
process.on("SIGTERM", () => process.exit(0));
