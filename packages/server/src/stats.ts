/**
 * What {@link SignalingServer.stats} reports. Gauges are what the server
 * holds now; counters only ever grow, from the server's start. The
 * prom-client metrics (`@raycaster/realtime-server/metrics`) read these.
 */
export interface SignalingServerStats {
  /** Open WebSocket connections, seated or not. (gauge) */
  connections: number;
  /** Seats: peers in a room, with a socket or in grace. (gauge) */
  seats: number;
  /** Seats whose socket dropped, waiting for their client to resume. (gauge) */
  seatsInGrace: number;
  /** Rooms with at least one seat on this server. (gauge) */
  rooms: number;
  /** Frames received, by event; frames that could not be parsed count under `"invalid"`. */
  framesIn: Record<string, number>;
  /** Frames sent, by event (an `Error` counts once here and once in `errors`). */
  framesOut: Record<string, number>;
  /** Signals (offers, answers, candidates) relayed to a peer. */
  relayed: number;
  /** `Error` frames sent, by code. */
  errors: Record<string, number>;
  /** Upgrades refused before a socket opened, by HTTP status. */
  upgradesRefused: Record<string, number>;
  /** Seats taken back by their client with a token (same id). */
  seatsResumed: number;
  /** Seats restored from a token another server instance signed. */
  seatsRestored: number;
  /** Seats that ended because their grace period ran out. */
  seatsExpired: number;
  /** Frames dropped over a connection's rate limit. */
  rateLimitedFrames: number;
  /** Connections closed (1008) for staying over their rate limit. */
  rateLimitedConnections: number;
}

/** The counters of {@link SignalingServerStats}, kept as the server runs. */
export class Counters {
  readonly framesIn: Record<string, number> = Object.create(null);
  readonly framesOut: Record<string, number> = Object.create(null);
  readonly errors: Record<string, number> = Object.create(null);
  readonly upgradesRefused: Record<string, number> = Object.create(null);
  relayed = 0;
  seatsResumed = 0;
  seatsRestored = 0;
  seatsExpired = 0;
  rateLimitedFrames = 0;
  rateLimitedConnections = 0;

  /** Counts one under `key` of a by-label counter. */
  static add(counter: Record<string, number>, key: string, by = 1): void {
    counter[key] = (counter[key] ?? 0) + by;
  }

  /** A copy, so a caller cannot change the live counts. */
  snapshot(): Omit<SignalingServerStats, "connections" | "seats" | "seatsInGrace" | "rooms"> {
    return {
      framesIn: { ...this.framesIn },
      framesOut: { ...this.framesOut },
      relayed: this.relayed,
      errors: { ...this.errors },
      upgradesRefused: { ...this.upgradesRefused },
      seatsResumed: this.seatsResumed,
      seatsRestored: this.seatsRestored,
      seatsExpired: this.seatsExpired,
      rateLimitedFrames: this.rateLimitedFrames,
      rateLimitedConnections: this.rateLimitedConnections,
    };
  }
}
