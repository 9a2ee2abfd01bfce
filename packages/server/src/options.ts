import { randomBytes } from "node:crypto";
import type { Server as HttpServer } from "node:http";
import type { Server as HttpsServer } from "node:https";
import { Limits } from "@raycaster/realtime-protocol";
import type { RoomAdapter } from "./adapter.js";
import type { SignalingHooks } from "./hooks.js";
import { jsonLogger, type Logger } from "./logger.js";
import { MemoryRoomAdapter } from "./memoryAdapter.js";
import { resolveTurn, type ResolvedTurnOptions, type TurnOptions } from "./turn.js";

/** The per-connection message rate limit: a token bucket. */
export interface RateLimit {
  /**
   * Frames a connection may send per second, sustained. A peer that stays
   * in a lobby where a newcomer arrives every 45 ms answers each (answer,
   * candidates) at about 220 frames a second: the default leaves room for
   * that with the burst.
   * @default 200
   */
  messagesPerSecond?: number;
  /**
   * Frames a connection may send at once above the sustained rate (the
   * bucket's size). A newcomer to a room of n peers sends an offer and a
   * few candidates to each, so keep it well above 10 × `maxPeersPerRoom`
   * you expect. A frame over the limit is dropped and answered with
   * `RATE_LIMITED` (at most once a second); once a connection has been over
   * by another `burst` frames, it is closed with 1008.
   * @default 2000
   */
  burst?: number;
}

/**
 * Options of {@link SignalingServer}. Give exactly one of `server`, `port`
 * or `noServer`.
 */
export interface SignalingServerOptions {
  /**
   * An HTTP(S) server to attach to: the signaling server handles its
   * WebSocket upgrades (those on `path`, when given; others are left to the
   * server's other `upgrade` listeners, or answered 400 when there are none).
   */
  server?: HttpServer | HttpsServer;
  /** A port to listen on with an HTTP server of its own (`0` picks a free one). */
  port?: number;
  /**
   * Attach to nothing: hand upgrades over yourself with
   * {@link SignalingServer.handleUpgrade}, from a framework's route, say.
   */
  noServer?: boolean;
  /**
   * The host to listen on with `port`.
   * @default all interfaces
   */
  host?: string;
  /**
   * Only accept WebSocket upgrades on this path, e.g. `"/signaling"`, so the
   * HTTP server can host other WebSocket endpoints too.
   * @default any path
   */
  path?: string;
  /**
   * Hooks to authenticate upgrades, authorise joins and observe traffic;
   * see {@link SignalingHooks}.
   */
  hooks?: SignalingHooks;
  /**
   * The `Origin` header values a browser's upgrade may carry, e.g.
   * `["https://app.example.com"]`; any other is refused with 403. Upgrades
   * with no `Origin` (non-browser clients, which can claim any origin
   * anyway) are accepted.
   * @default any origin
   */
  origins?: readonly string[];
  /**
   * Behind reverse proxies: take the client's address from `X-Forwarded-For`
   * (what `maxConnectionsPerIp` counts and hooks see). `true` trusts one
   * proxy: the header's last entry, the one the proxy itself appended;
   * a number trusts that many proxies in a row (the entry that many from the
   * end). Entries further left were written by the client and are ignored,
   * as is an entry that is not an IP address.
   * @default false (the socket's own address)
   */
  trustProxy?: boolean | number;
  /**
   * The most connections the server holds at once, counting seats waiting
   * in grace for their client; an upgrade beyond it is refused with 503.
   * @default 10000
   */
  maxConnections?: number;
  /**
   * The most connections from one address, counting its seats in grace; an
   * upgrade beyond it is refused with 429.
   * @default 100
   */
  maxConnectionsPerIp?: number;
  /**
   * The per-connection message rate limit; `false` for none.
   * @default { messagesPerSecond: 200, burst: 2000 }
   */
  rateLimit?: RateLimit | false;
  /**
   * Where the server logs (pino's interface: pass a pino logger as is).
   * @default JSON lines on stderr, warnings and errors only
   */
  logger?: Logger;
  /**
   * The largest frame, in bytes, the server handles. A larger one is
   * answered with `MESSAGE_TOO_LARGE` and the connection stays open; one
   * larger than four times this closes the connection (1009) before it is
   * buffered whole.
   * @default 65536 (64 KiB)
   */
  maxMessageSize?: number;
  /**
   * The most peers one room holds; a `Join` beyond it gets `ROOM_FULL`.
   * The ceiling is the protocol's `Limits.peersPerRoom`, the longest peer
   * list a client accepts in `Initialize`.
   * @default 1024
   */
  maxPeersPerRoom?: number;
  /**
   * Milliseconds between heartbeat pings; a socket that misses one is
   * dropped (its seat then waits out `seatGrace`). `0` disables.
   * @default 30000
   */
  heartbeatInterval?: number;
  /**
   * Milliseconds a new connection has to take a seat (with `Join`, or on
   * its upgrade request) before it is closed. An `upgrade` hook gets as long
   * to answer: past it the upgrade is refused with 503 and `onError` is told.
   * @default 10000
   */
  joinTimeout?: number;
  /**
   * Milliseconds a seat is kept after its socket ends without a clean close
   * (anything but 1000, 1001, or a close frame without a code): the client
   * may resume it with its token, same id, and the others see
   * `UserDisconnected` only once it expires. Frames for the seat are held
   * meanwhile (at most 256 frames / 256 KiB; beyond that the seat ends at
   * once). `0` ends every seat with its socket.
   * @default 20000
   */
  seatGrace?: number;
  /**
   * Milliseconds a resume token is valid. A connected client is sent a fresh
   * one (`Token`) once its token has passed half its life, so keep this well
   * above `seatGrace`. At least 1000.
   * @default 900000 (15 minutes)
   */
  tokenTtl?: number;
  /**
   * The key resume tokens are signed with (HMAC-SHA256): a string of at
   * least 32 characters or at least 32 bytes. Servers that share it accept
   * each other's tokens, so a restarted server (or another node) restores
   * the seats of clients that come back. Keep it secret: whoever has it can
   * take any seat.
   * @default 32 random bytes per server instance (a restart cannot restore seats)
   */
  secret?: string | Uint8Array;
  /**
   * Where rooms live.
   * @default a new {@link MemoryRoomAdapter}
   */
  adapter?: RoomAdapter;
  /**
   * Called with an unexpected failure: while handling a valid frame (the
   * sender gets `INTERNAL_ERROR`; the server carries on), in a custom
   * adapter or a hook, or of the HTTP server. Each is also logged.
   * @default none (the logger reports it)
   */
  onError?: (error: unknown) => void;
  /**
   * A TURN server whose short-lived credentials the server mints for each
   * seat (coturn's `use-auth-secret`): sent in `Initialize.iceServers` on
   * every seating (a resume included) and renewed with `IceServers` at half
   * their life. See {@link TurnOptions}.
   * @default none (no `iceServers` are sent)
   */
  turn?: TurnOptions;
}

/** The options with every default filled in. */
export interface ResolvedOptions {
  maxMessageSize: number;
  maxPeersPerRoom: number;
  heartbeatInterval: number;
  joinTimeout: number;
  seatGrace: number;
  tokenTtl: number;
  secret: Uint8Array;
  adapter: RoomAdapter;
  hooks: SignalingHooks;
  path: string | undefined;
  origins: ReadonlySet<string> | undefined;
  /** Proxies trusted in `X-Forwarded-For`; 0 for none. */
  trustProxy: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
  rateLimit: Required<RateLimit> | false;
  logger: Logger;
  /** Logs an unexpected failure and passes it to the user's `onError`. */
  onError: (error: unknown) => void;
  turn: ResolvedTurnOptions | undefined;
}

/** The shortest secret accepted, in bytes: HMAC-SHA256's own output size. */
const MIN_SECRET_BYTES = 32;

export function resolveOptions(options: SignalingServerOptions): ResolvedOptions {
  const modes = [options.server !== undefined, options.port !== undefined, options.noServer === true];
  if (modes.filter(Boolean).length !== 1) {
    throw new TypeError("SignalingServer needs exactly one of `server`, `port` or `noServer: true`");
  }
  const logger = options.logger ?? jsonLogger("warn");
  const onError = options.onError;
  return {
    maxMessageSize: positive(options.maxMessageSize, 64 * 1024, "maxMessageSize"),
    maxPeersPerRoom: Math.min(positive(options.maxPeersPerRoom, Limits.peersPerRoom, "maxPeersPerRoom"), Limits.peersPerRoom),
    heartbeatInterval: delay(options.heartbeatInterval, 30_000, "heartbeatInterval", 0),
    joinTimeout: delay(options.joinTimeout, 10_000, "joinTimeout", 1),
    seatGrace: delay(options.seatGrace, 20_000, "seatGrace", 0),
    // Below a second a token could expire between being sent and being used.
    tokenTtl: delay(options.tokenTtl, 15 * 60_000, "tokenTtl", 1000),
    secret: secret(options.secret),
    adapter: options.adapter ?? new MemoryRoomAdapter(),
    hooks: options.hooks ?? {},
    path: options.path,
    origins: options.origins && new Set(options.origins),
    trustProxy: proxies(options.trustProxy),
    maxConnections: count(options.maxConnections, 10_000, "maxConnections"),
    maxConnectionsPerIp: count(options.maxConnectionsPerIp, 100, "maxConnectionsPerIp"),
    rateLimit:
      options.rateLimit === false
        ? false
        : {
            messagesPerSecond: positive(options.rateLimit?.messagesPerSecond, 200, "rateLimit.messagesPerSecond"),
            burst: count(options.rateLimit?.burst, 2000, "rateLimit.burst"),
          },
    logger,
    onError: (error) => {
      logger.error({ err: error }, "unexpected failure");
      onError?.(error);
    },
    turn: resolveTurn(options.turn),
  };
}

function proxies(value: boolean | number | undefined): number {
  if (value === undefined || value === false) return 0;
  if (value === true) return 1;
  if (!Number.isInteger(value) || value < 0 || value > 16) {
    throw new RangeError(`\`trustProxy\` must be a boolean or a whole number of proxies from 0 to 16, got ${value}`);
  }
  return value;
}

function count(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`\`${name}\` must be a whole number of at least 1, got ${value}`);
  }
  return value;
}

function secret(value: string | Uint8Array | undefined): Uint8Array {
  if (value === undefined) return randomBytes(MIN_SECRET_BYTES);
  if (typeof value === "string") {
    if (value.length < MIN_SECRET_BYTES) {
      throw new RangeError(`\`secret\` must be at least ${MIN_SECRET_BYTES} characters, got ${value.length}`);
    }
    return Buffer.from(value);
  }
  if (!(value instanceof Uint8Array)) {
    throw new TypeError("`secret` must be a string or a Uint8Array");
  }
  if (value.byteLength < MIN_SECRET_BYTES) {
    throw new RangeError(`\`secret\` must be at least ${MIN_SECRET_BYTES} bytes, got ${value.byteLength}`);
  }
  // A copy, so the caller reusing its buffer changes nothing here.
  return Uint8Array.from(value);
}

/** The longest delay a Node timer honours; longer ones fire at once. */
const MAX_DELAY = 2 ** 31 - 1;

function delay(value: number | undefined, fallback: number, name: string, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > MAX_DELAY) {
    throw new RangeError(`\`${name}\` must be a whole number of milliseconds from ${min} to ${MAX_DELAY}, got ${value}`);
  }
  return value;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`\`${name}\` must be a positive number, got ${value}`);
  }
  return value;
}
