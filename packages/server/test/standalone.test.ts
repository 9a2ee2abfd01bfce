import { once } from "node:events";
import { describe, expect, it, onTestFinished } from "vitest";
import { parseCli } from "../src/cliOptions.js";
import { jsonLogger } from "../src/logger.js";
import { startStandalone } from "../src/standalone.js";
import { join } from "./harness.js";
import { parseMetrics } from "./metricsText.js";
import { stalledRequest } from "./stalledRequest.js";

// What the bin serves, in this process: cli.test.ts runs the built bin as a
// process, which proves the bin but is out of a mutation run's sight. Not
// --redis: whether @raycaster/realtime-redis resolves from here depends on
// whether the workspace has built it (cli.test.ts checks it from a bare directory).

/** Starts the standalone server on a free port of 127.0.0.1, with its log lines. */
async function start(args: string[] = []) {
  const command = parseCli(["--port", "0", "--host", "127.0.0.1", ...args], {});
  if (command.kind !== "run") throw new Error(`expected a run, got ${command.kind}`);
  const logs: { level: string; msg: string }[] = [];
  const logger = jsonLogger("info", { write: (line: string) => logs.push(JSON.parse(line) as { level: string; msg: string }) });
  const standalone = await startStandalone(command.config, logger);
  onTestFinished(() => standalone.drain());
  const { port } = standalone.address;
  return { standalone, logs, port, http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}` };
}

describe("startStandalone", () => {
  it("answers GET and HEAD /healthz and /metrics with the server's figures, uncached, and 404 elsewhere", async () => {
    const { http, ws } = await start();
    const idle = await fetch(`${http}/healthz?probe=1`);
    expect(idle.status).toBe(200);
    // Kept alive while serving; only a drain closes the connection after answering.
    expect(idle.headers.get("connection")).toBe("keep-alive");
    expect(idle.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(idle.headers.get("cache-control")).toBe("no-store");
    expect(await idle.json()).toEqual({ status: "ok", connections: 0, seats: 0, seatsInGrace: 0, rooms: 0 });
    expect((await fetch(`${http}/healthz`, { method: "HEAD" })).status).toBe(200);

    await join(ws, "lobby");
    expect(await (await fetch(`${http}/healthz`)).json()).toEqual({ status: "ok", connections: 1, seats: 1, seatsInGrace: 0, rooms: 1 });
    const scrape = await fetch(`${http}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const { samples } = parseMetrics(await scrape.text());
    expect(samples.get("realtime_seats")).toBe(1);
    expect(samples.has("process_cpu_user_seconds_total")).toBe(true);
    expect((await fetch(`${http}/metrics`, { method: "HEAD" })).status).toBe(200);

    for (const [method, path] of [
      ["GET", "/"],
      ["GET", "/health"],
      ["POST", "/healthz"],
      ["POST", "/metrics"],
    ] as const) {
      const response = await fetch(`${http}${path}`, { method });
      expect([method, path, response.status]).toEqual([method, path, 404]);
      expect(await response.json()).toEqual({ status: "not found" });
    }
  });

  it("drains once, however often asked: /healthz answers 503 and closes its connection, clients get 1001, then all is closed", async () => {
    const { standalone, logs, port, http, ws } = await start();
    const { client } = await join(ws, "lobby");
    const closed = once(client.socket, "close") as Promise<[number, Buffer]>;
    const health = await stalledRequest(port, "/healthz");

    const drained = standalone.drain();
    expect(standalone.drain()).toBe(drained);
    const [code] = await closed;
    expect(code).toBe(1001);
    const response = await health.finish();
    expect(response).toMatch(/^HTTP\/1\.1 503 /);
    expect(response).toMatch(/\r\nConnection: close\r\n/i);
    expect(response).toContain('{"status":"draining"}');
    await drained;
    await expect(fetch(`${http}/healthz`)).rejects.toThrow();
    expect(logs.map((line) => line.msg)).toEqual(["draining: closing every client with 1001", "signaling server closed", "http server closed"]);
    expect(logs[0]).toMatchObject({ level: "info", connections: 1 });
  });

  it("refuses an option the signaling server refuses, and reports a port in use", async () => {
    const { port } = await start();
    const config = (argv: string[]) => {
      const command = parseCli(["--host", "127.0.0.1", ...argv], {});
      if (command.kind !== "run") throw new Error(`expected a run, got ${command.kind}`);
      return command.config;
    };
    const quiet = jsonLogger("error", { write: () => true });
    await expect(startStandalone({ ...config(["--port", "0"]), maxConnections: 0 }, quiet)).rejects.toThrow(RangeError);
    await expect(startStandalone(config(["--port", String(port)]), quiet)).rejects.toMatchObject({ code: "EADDRINUSE" });
  });
});
