/**
 * Preloaded (`--import`) into every server under test: answers the bench's
 * `{ cpu: id }` over IPC with the process's own CPU time, and keeps any
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
// The IPC channel must not keep a server alive after the bench is gone.
process.on("disconnect", () => process.exit(0));
// A normal exit on the bench's kill, so that a `--cpu-prof` profile is written.
process.on("SIGTERM", () => process.exit(0));
