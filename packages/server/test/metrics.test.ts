import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { collectMetrics, type StatsSource } from "../src/metrics.js";
import type { SignalingServer } from "../src/server.js";
import { join, settled, startServer } from "./harness.js";
import { parseMetrics } from "./metricsText.js";

const source = (signaling: SignalingServer): StatsSource => signaling;

const scrape = async (registry: Registry) => parseMetrics(await registry.metrics());

describe("collectMetrics", () => {
  it("reads the server's gauges and counters at scrape time", async () => {
    const { signaling, url } = await startServer();
    const registry = new Registry();
    collectMetrics(source(signaling), { registry });

    const before = await scrape(registry);
    expect(before.samples.get("realtime_connections")).toBe(0);
    expect(before.types.get("realtime_connections")).toBe("gauge");
    expect(before.types.get("realtime_frames_in_total")).toBe("counter");

    const alice = await join(url, "metrics");
    const bob = await join(url, "metrics");
    alice.client.sendJson({ event: "SendOffer", to: bob.init.id, sdp: "v=0 offer" });
    await bob.client.next("ReceiveOffer");
    await settled(alice.client);

    const { samples } = await scrape(registry);
    expect(samples.get("realtime_connections")).toBe(2);
    expect(samples.get("realtime_seats")).toBe(2);
    expect(samples.get("realtime_seats_in_grace")).toBe(0);
    expect(samples.get("realtime_rooms")).toBe(1);
    // The server's counters, moved by the traffic above.
    expect(samples.get('realtime_frames_in_total{event="Join"}')).toBe(2);
    expect(samples.get('realtime_frames_in_total{event="SendOffer"}')).toBe(1);
    expect(samples.get('realtime_frames_out_total{event="Initialize"}')).toBe(2);
    expect(samples.get('realtime_frames_out_total{event="ReceiveOffer"}')).toBe(1);
    expect(samples.get("realtime_relayed_total")).toBe(1);

    // A counter mirrors the server's total: a second scrape does not add it again.
    const again = await scrape(registry);
    expect(again.samples.get("realtime_relayed_total")).toBe(samples.get("realtime_relayed_total"));
  });

  it("uses its prefix, refuses a name already taken without registering anything, and unregisters", async () => {
    const { signaling } = await startServer();
    const registry = new Registry();
    const first = collectMetrics(source(signaling), { registry });
    expect(first.names).toContain("realtime_connections");
    const count = registry.getMetricsAsArray().length;

    expect(() => collectMetrics(source(signaling), { registry })).toThrow(/realtime_connections is already registered/);
    expect(registry.getMetricsAsArray()).toHaveLength(count);

    const second = collectMetrics(source(signaling), { registry, prefix: "edge_" });
    expect(second.names).toContain("edge_connections");
    expect((await scrape(registry)).samples.get("edge_connections")).toBe(0);

    first.unregister();
    const { samples } = await scrape(registry);
    expect(samples.has("realtime_connections")).toBe(false);
    expect(samples.has("edge_connections")).toBe(true);
  });

  it("is not loaded by the main entry point", async () => {
    // A fresh process: what importing the package loads, and nothing else.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import "@raycaster/realtime-server";
         import { createRequire } from "node:module";
         const loaded = Object.keys(createRequire(import.meta.url).cache);
         console.log(JSON.stringify(loaded.filter((path) => path.includes("prom-client"))));`,
      ],
      { cwd: fileURLToPath(new URL("..", import.meta.url)) },
    );
    expect(JSON.parse(stdout)).toEqual([]);
  });
});
