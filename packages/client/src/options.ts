import type { DebugHook } from "./peer.js";
import type { StandardSchemaV1 } from "./schema.js";
import type { WebSocketConstructor } from "./signaling.js";

/**
 * An `RTCPeerConnection` class: the browser's, or a Node implementation's
 * (node-datachannel's polyfill, @roamhq/wrtc). Typed loosely on purpose:
 * implementations' own types differ from the DOM's in details the client
 * does not touch.
 */
export type RTCPeerConnectionConstructor = new (configuration?: RTCConfiguration) => object;

/**
 * Options of {@link RTCClient}. Only `url` is required. `T` is the type of
 * the default channel's messages (see {@link RTCClientOptions.schema}).
 */
export interface RTCClientOptions<T = unknown> {
  /** The signaling server, e.g. `"ws://localhost:3000"`. */
  url: string;
  /**
   * The room to join. Peers only ever see and reach peers of their own room.
   * @default "default"
   */
  room?: string;
  /**
   * STUN and TURN servers for ICE. None connects peers on the same network;
   * add a STUN server to cross NATs, and TURN for the networks STUN cannot
   * cross. The server's TURN servers (its `turn` option) are added after these.
   * @default []
   */
  iceServers?: RTCIceServer[];
  /** Any other `RTCPeerConnection` configuration; `iceServers` above wins over its own. */
  rtcConfiguration?: RTCConfiguration;
  /**
   * Milliseconds a peer has to connect (its data channel open) after it is
   * met; past that it is dropped: `error` with `CONNECTION_FAILED`, then
   * `peerLeft` with reason `"failed"`. `0` waits forever.
   * @default 30_000
   */
  connectTimeout?: number;
  /**
   * Milliseconds a connected peer may stay ICE `disconnected` before ICE is
   * restarted (a `failed` connection restarts at once). Short losses pass by
   * themselves; this waits them out before renegotiating.
   * @default 3_000
   */
  iceRestartDelay?: number;
  /**
   * Milliseconds an ICE restart has to reconnect. Past it the peer is
   * dropped: `error` with `CONNECTION_FAILED`, then `peerLeft` with reason
   * `"failed"`.
   * @default 15_000
   */
  iceRestartTimeout?: number;
  /**
   * The `RTCPeerConnection` class to use: the global one in browsers.
   * In Node, pass one, e.g. `(await import("node-datachannel/polyfill")).RTCPeerConnection`.
   * @default globalThis.RTCPeerConnection
   */
  RTCPeerConnection?: RTCPeerConnectionConstructor;
  /**
   * The `WebSocket` class to use. In Node 20, which has none, pass `ws`'s.
   * @default globalThis.WebSocket
   */
  WebSocket?: WebSocketConstructor;
  /**
   * Reconnects to the signaling server when the socket ends without
   * `close()`: the client takes its seat back with its resume token (same id,
   * peer connections untouched), or, if the server refuses it, joins afresh.
   * Attempts are spaced by exponential backoff with full jitter; while a
   * browser reports itself offline the client waits for the `online` event
   * instead of spending attempts. `false` ends signaling at the first loss.
   *
   * @default {}
   */
  reconnect?: false | ReconnectOptions;
  /**
   * Milliseconds of silence from the signaling server after which the client
   * sends a `Ping`. `0` disables the keep-alive.
   *
   * @default 10000
   */
  pingInterval?: number;
  /**
   * Milliseconds after a `Ping` within which something must arrive; if
   * nothing does, the socket is taken for dead (half-open), closed, and the
   * client reconnects.
   *
   * @default 5000
   */
  pingTimeout?: number;
  /**
   * The largest message, in bytes, this client accepts from a peer on the
   * default channel and on named channels without their own. A peer's
   * transfer that declares more, or sends more than it declared, is refused
   * before it is buffered: `error` with `MESSAGE_TOO_LARGE` here, and the
   * sender's `send` rejects with it.
   *
   * @default 67_108_864 (64 MiB)
   */
  maxMessageSize?: number;
  /**
   * A Standard Schema (zod, valibot, arktype, ...) every message received
   * on the default channel must pass, as a named channel's `schema`: one
   * that fails is dropped with an `INVALID_PEER_MESSAGE` error, and
   * `message` events carry what the schema outputs (typed as such).
   * @default undefined (no validation; `data` is typed `T` on trust, `unknown` unless given)
   */
  schema?: StandardSchemaV1<unknown, T>;
  /**
   * Where the client tells what is expected in normal operation but must not
   * vanish: an ICE candidate that could not be applied (stale after glare or
   * a restart), an ignored colliding offer, an ICE restart begun or done, a
   * failed reconnect attempt, a refused resume, a queued signal dropped for room.
   *
   * @default undefined (nothing is written)
   */
  debug?: DebugHook;
}

/** How the client reconnects to the signaling server. */
export interface ReconnectOptions {
  /**
   * The ceiling of the first attempt's delay in ms; each further attempt
   * doubles it (delay = random(0, min(maxDelay, initialDelay * 2^attempt))).
   *
   * @default 500
   */
  initialDelay?: number;
  /**
   * No delay between attempts exceeds this many ms.
   *
   * @default 10000
   */
  maxDelay?: number;
  /**
   * Attempts in a row (without being seated in between) before the client
   * gives up: `error` with `SIGNALING_FAILED`, then `signalingClosed`.
   *
   * @default Infinity
   */
  maxAttempts?: number;
}

export interface ResolvedClientOptions {
  url: string;
  room: string;
  rtcConfiguration: RTCConfiguration;
  connectTimeout: number;
  reconnect: false | Required<ReconnectOptions>;
  pingInterval: number;
  pingTimeout: number;
  iceRestartDelay: number;
  iceRestartTimeout: number;
  maxMessageSize: number;
  debug: DebugHook;
  /** Typed as the DOM's: this is the surface the client relies on. */
  RTCPeerConnection: new (configuration?: RTCConfiguration) => RTCPeerConnection;
  WebSocket: WebSocketConstructor;
}

/**
 * The millisecond options: default and lowest value. Each is a whole number
 * up to 2^31-1, what a timer honours (timers clamp anything else to 1 ms,
 * which would fire at once).
 */
const timings = {
  connectTimeout: [30_000, 0],
  pingInterval: [10_000, 0],
  pingTimeout: [5_000, 1],
  iceRestartDelay: [3_000, 0],
  iceRestartTimeout: [15_000, 1],
} as const;

export function resolveClientOptions(options: RTCClientOptions<unknown>): ResolvedClientOptions {
  const resolved = {
    RTCPeerConnection: given("RTCPeerConnection", options.RTCPeerConnection ?? globalThis.RTCPeerConnection, "node-datachannel/polyfill"),
    WebSocket: given("WebSocket", options.WebSocket ?? globalThis.WebSocket, "the `ws` package"),
    url: options.url,
    room: options.room ?? "default",
    rtcConfiguration: {
      ...options.rtcConfiguration,
      iceServers: options.iceServers ?? options.rtcConfiguration?.iceServers ?? [],
    },
    reconnect: reconnect(options.reconnect),
    maxMessageSize: byteCount("maxMessageSize", options.maxMessageSize, 64 * 1024 * 1024),
    debug: options.debug ?? (() => undefined),
  } as ResolvedClientOptions;
  if (typeof resolved.debug !== "function") throw new TypeError("`debug` must be a function");
  for (const [name, [fallback, min]] of Object.entries(timings)) {
    resolved[name as keyof typeof timings] = milliseconds(name, options[name as keyof typeof timings], fallback, min);
  }
  return resolved;
}

/** A class the client needs: the option, else the global one. */
function given<T>(name: string, value: T | undefined, inNode: string): T {
  if (typeof value !== "function") throw new TypeError(`no ${name} here: pass one as the \`${name}\` option (in Node: ${inNode})`);
  return value;
}

/** Throws `` `name` must be what, got value ``. */
function invalid(name: string, what: string, value: unknown): never {
  throw new RangeError(`\`${name}\` must be ${what}, got ${String(value)}`);
}

/** Whole milliseconds a timer can honour (see `timings`). */
function milliseconds(name: string, value: number | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > 2 ** 31 - 1) invalid(name, `whole milliseconds from ${min} to 2^31-1`, value);
  return value;
}

/** A size in bytes: a whole number from 0. */
export function byteCount(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) invalid(name, "a whole number of bytes", value);
  return value;
}

function reconnect(value: RTCClientOptions["reconnect"]): ResolvedClientOptions["reconnect"] {
  if (value === false) return false;
  if (value !== undefined && (typeof value !== "object" || value === null)) {
    throw new TypeError(`\`reconnect\` must be false or an object, got ${String(value)}`);
  }
  const initialDelay = milliseconds("reconnect.initialDelay", value?.initialDelay, 500);
  const maxDelay = milliseconds("reconnect.maxDelay", value?.maxDelay, 10_000);
  if (maxDelay < initialDelay) invalid("reconnect.maxDelay", `at least initialDelay (${initialDelay})`, maxDelay);
  const maxAttempts = value?.maxAttempts ?? Number.POSITIVE_INFINITY;
  if (maxAttempts !== Number.POSITIVE_INFINITY && (!Number.isInteger(maxAttempts) || maxAttempts < 1)) {
    invalid("reconnect.maxAttempts", "a whole number from 1, or Infinity", maxAttempts);
  }
  return { initialDelay, maxDelay, maxAttempts };
}
