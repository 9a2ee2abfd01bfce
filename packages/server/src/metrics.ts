import { Counter, Gauge, register as defaultRegistry, type Registry } from "prom-client";
import type { SignalingServerStats } from "./stats.js";

/** What {@link collectMetrics} reads: a `SignalingServer` (anything with its `stats()`). */
export interface StatsSource {
  stats(): SignalingServerStats;
}

/** Options of {@link collectMetrics}. */
export interface CollectMetricsOptions {
  /**
   * The registry the metrics are registered in.
   * @default prom-client's global `register`
   */
  registry?: Registry;
  /**
   * Put before every metric's name: give each server a prefix of its own
   * to collect several into one registry.
   * @default "realtime_"
   */
  prefix?: string;
}

/** What {@link collectMetrics} registered. */
export interface CollectedMetrics {
  /** The registry the metrics are in: `await registry.metrics()` is the text to serve on `/metrics`. */
  readonly registry: Registry;
  /** The names of the metrics registered, prefix included. */
  readonly names: readonly string[];
  /** Removes the metrics from the registry (the server is not touched). */
  unregister(): void;
}

type Stats = SignalingServerStats;
type NumberKey = { [K in keyof Stats]: Stats[K] extends number ? K : never }[keyof Stats];
type ByLabelKey = { [K in keyof Stats]: Stats[K] extends Record<string, number> ? K : never }[keyof Stats];

/** Gauges: what the server holds at scrape time. */
const GAUGES: readonly { key: NumberKey; name: string; help: string }[] = [
  { key: "connections", name: "connections", help: "Open WebSocket connections, seated or not." },
  { key: "seats", name: "seats", help: "Seats: peers in a room, with a socket or in grace." },
  { key: "seatsInGrace", name: "seats_in_grace", help: "Seats whose socket dropped, waiting for their client to resume." },
  { key: "rooms", name: "rooms", help: "Rooms with at least one seat on this server." },
];

/** Counters without labels, since the server started. */
const COUNTERS: readonly { key: NumberKey; name: string; help: string }[] = [
  { key: "relayed", name: "relayed_total", help: "Signals (offers, answers, candidates) relayed to a peer." },
  { key: "seatsResumed", name: "seats_resumed_total", help: "Seats taken back by their client with a token (same id)." },
  { key: "seatsRestored", name: "seats_restored_total", help: "Seats restored from a token another server instance signed." },
  { key: "seatsExpired", name: "seats_expired_total", help: "Seats that ended because their grace period ran out." },
  { key: "rateLimitedFrames", name: "rate_limited_frames_total", help: "Frames dropped over a connection's rate limit." },
  {
    key: "rateLimitedConnections",
    name: "rate_limited_connections_total",
    help: "Connections closed (1008) for staying over their rate limit.",
  },
];

/** Counters with one label, since the server started. */
const LABELLED: readonly { key: ByLabelKey; name: string; label: string; help: string }[] = [
  { key: "framesIn", name: "frames_in_total", label: "event", help: 'Frames received, by event ("invalid": not parsed).' },
  { key: "framesOut", name: "frames_out_total", label: "event", help: "Frames sent, by event." },
  { key: "errors", name: "errors_total", label: "code", help: "Error frames sent, by code." },
  {
    key: "upgradesRefused",
    name: "upgrades_refused_total",
    label: "status",
    help: "WebSocket upgrades refused before a socket opened, by HTTP status.",
  },
];

/**
 * Registers prom-client metrics for `server`: gauges of connections, seats,
 * seats in grace and rooms, and counters of frames in and out (by `event`),
 * relays, errors (by `code`), refused upgrades (by `status`), seats resumed,
 * restored and expired, and rate-limited frames and connections. Their
 * values are read from `server.stats()` when the registry is scraped (one
 * call per scrape), so nothing is counted twice and the server does no
 * work for metrics between scrapes.
 *
 * Lives in its own entry point so that servers without metrics never load
 * prom-client.
 *
 * @example
 * ```ts
 * import { Registry } from "prom-client";
 * import { collectMetrics } from "@raycaster/realtime-server/metrics";
 *
 * const registry = new Registry();
 * collectMetrics(signaling, { registry });
 * // GET /metrics: res.setHeader("Content-Type", registry.contentType); res.end(await registry.metrics());
 * ```
 *
 * @throws Error when a metric of the same name is already in the registry
 *   (collect a second server with another `prefix`).
 */
export function collectMetrics(server: StatsSource, options: CollectMetricsOptions = {}): CollectedMetrics {
  const registry = options.registry ?? defaultRegistry;
  const prefix = options.prefix ?? "realtime_";
  // Every metric's collect runs in the same tick of one scrape: they share
  // a single stats() snapshot, so the figures of one scrape agree.
  let snapshot: Stats | undefined;
  const read = (): Stats => {
    if (snapshot === undefined) {
      snapshot = server.stats();
      queueMicrotask(() => {
        snapshot = undefined;
      });
    }
    return snapshot;
  };

  const names = [...GAUGES, ...COUNTERS, ...LABELLED].map(({ name }) => prefix + name);
  // Checked before any is created, so a clash registers nothing.
  for (const name of names) {
    if (registry.getSingleMetric(name) !== undefined) {
      throw new Error(`A metric named ${name} is already registered; give collectMetrics another \`prefix\``);
    }
  }

  const registered: string[] = [];
  const unregister = () => {
    for (const name of registered) registry.removeSingleMetric(name);
    registered.length = 0;
  };
  try {
    for (const { key, name, help } of GAUGES) {
      new Gauge({
        name: prefix + name,
        help,
        registers: [registry],
        collect() {
          this.set(read()[key]);
        },
      });
      registered.push(prefix + name);
    }
    for (const { key, name, help } of COUNTERS) {
      new Counter({
        name: prefix + name,
        help,
        registers: [registry],
        collect() {
          // The server keeps the running total; the counter mirrors it.
          this.reset();
          this.inc(read()[key]);
        },
      });
      registered.push(prefix + name);
    }
    for (const { key, name, label, help } of LABELLED) {
      new Counter({
        name: prefix + name,
        help,
        labelNames: [label],
        registers: [registry],
        collect() {
          this.reset();
          for (const [value, count] of Object.entries(read()[key])) this.inc({ [label]: value }, count);
        },
      });
      registered.push(prefix + name);
    }
  } catch (error) {
    unregister();
    throw error;
  }
  return { registry, names, unregister };
}
