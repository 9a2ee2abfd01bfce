import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { collectMetrics, type StatsSource } from "../src/metrics.js";
import type { SignalingServerStats } from "../src/stats.js";
import { parseMetrics } from "./metricsText.js";

// The metric names are what dashboards and alerts are written against: each
// one pinned here, read from its own field of stats() (every field holds a
// different figure, so a name wired to another field shows).

const stats: SignalingServerStats = {
  connections: 1,
  seats: 2,
  seatsInGrace: 3,
  rooms: 4,
  framesIn: { Join: 5, invalid: 6 },
  framesOut: { Initialize: 7 },
  relayed: 8,
  errors: { PEER_NOT_FOUND: 9 },
  upgradesRefused: { "503": 10 },
  seatsResumed: 11,
  seatsRestored: 12,
  seatsExpired: 13,
  rateLimitedFrames: 14,
  rateLimitedConnections: 15,
};

describe("collectMetrics's names", () => {
  it("exports every figure under its documented name, from one stats() call per scrape, and unregisters them all", async () => {
    let calls = 0;
    const source: StatsSource = {
      stats: () => {
        calls++;
        return stats;
      },
    };
    const registry = new Registry();
    const collected = collectMetrics(source, { registry });
    const { samples, types } = parseMetrics(await registry.metrics());
    expect(calls).toBe(1);
    expect(Object.fromEntries(samples)).toEqual({
      realtime_connections: 1,
      realtime_seats: 2,
      realtime_seats_in_grace: 3,
      realtime_rooms: 4,
      'realtime_frames_in_total{event="Join"}': 5,
      'realtime_frames_in_total{event="invalid"}': 6,
      'realtime_frames_out_total{event="Initialize"}': 7,
      realtime_relayed_total: 8,
      'realtime_errors_total{code="PEER_NOT_FOUND"}': 9,
      'realtime_upgrades_refused_total{status="503"}': 10,
      realtime_seats_resumed_total: 11,
      realtime_seats_restored_total: 12,
      realtime_seats_expired_total: 13,
      realtime_rate_limited_frames_total: 14,
      realtime_rate_limited_connections_total: 15,
    });
    expect(types.get("realtime_seats_expired_total")).toBe("counter");
    expect(types.get("realtime_rooms")).toBe("gauge");
    expect(collected.names).toHaveLength(14);

    collected.unregister();
    expect(registry.getMetricsAsArray()).toEqual([]);
  });
});
