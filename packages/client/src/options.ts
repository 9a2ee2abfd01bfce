import type { DebugHook } from "./peer.js";
import type { WebSocketConstructor } from "./signaling.js";

/**
 * An `RTCPeerConnection` class: the browser's, or a Node implementation's
 * (node-datachannel's polyfill, @roamhq/wrtc). Typed loosely on purpose:
 * implementations' own types differ from the DOM's in details the client
 * does not touch.
 */
export type RTCPeerConnectionConstructor = new (configuration?: RTCConfiguration) => object;

/** Options of {@link RTCClient}. Only `url` is required. */
export interface RTCClientOptions {
  /** The signaling server, e.g. `"ws://localhost:3000"`. */
  url: string;
  /** The room to join. Peers only ever see and reach peers of their own room. Default: `"default"`. */
  room?: string;
  /**
   * STUN and TURN servers for ICE. Default: none, which connects peers on the
   * same network; add a STUN server to cross NATs, and TURN for the networks
   * STUN cannot cross.
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
   * The `RTCPeerConnection` class to use. Default: the global one (browsers).
   * In Node, pass one, e.g. `(await import("node-datachannel/polyfill")).RTCPeerConnection`.
   */
  RTCPeerConnection?: RTCPeerConnectionConstructor;
  /** The `WebSocket` class to use. Default: the global one. In Node 20, pass `ws`'s. */
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

export function resolveClientOptions(options: RTCClientOptions): ResolvedClientOptions {
  const PeerConnection = (options.RTCPeerConnection ?? globalThis.RTCPeerConnection) as
    | ResolvedClientOptions["RTCPeerConnection"]
    | undefined;
  if (typeof PeerConnection !== "function") {
    throw new TypeError(
      "no RTCPeerConnection here: pass one as the `RTCPeerConnection` option (in Node: node-datachannel/polyfill)",
    );
  }
  const Socket: WebSocketConstructor | undefined = options.WebSocket ?? globalThis.WebSocket;
  if (typeof Socket !== "function") {
    throw new TypeError("no WebSocket here: pass one as the `WebSocket` option (in Node 20: the `ws` package)");
  }
  return {
    url: options.url,
    room: options.room ?? "default",
    rtcConfiguration: {
      ...options.rtcConfiguration,
      iceServers: options.iceServers ?? options.rtcConfiguration?.iceServers ?? [],
    },
    connectTimeout: milliseconds("connectTimeout", options.connectTimeout, 30_000),
    reconnect: reconnect(options.reconnect),
    pingInterval: milliseconds("pingInterval", options.pingInterval, 10_000),
    pingTimeout: milliseconds("pingTimeout", options.pingTimeout, 5_000, 1),
    iceRestartDelay: milliseconds("iceRestartDelay", options.iceRestartDelay, 3_000),
    iceRestartTimeout: milliseconds("iceRestartTimeout", options.iceRestartTimeout, 15_000, 1),
    maxMessageSize: byteCount("maxMessageSize", options.maxMessageSize, 64 * 1024 * 1024),
    debug: debug(options.debug),
    RTCPeerConnection: PeerConnection,
    WebSocket: Socket,
  };
}

/** Whole milliseconds a timer can honour; timers clamp anything else to 1 ms, which would fire at once. */
function milliseconds(name: string, value: number | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > 2 ** 31 - 1) {
    throw new RangeError(`\`${name}\` must be a whole number of milliseconds from ${min} to 2^31-1, got ${value}`);
  }
  return value;
}

/** A size in bytes: a whole number from 0. */
export function byteCount(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`\`${name}\` must be a whole number of bytes, got ${value}`);
  return value;
}

function reconnect(value: RTCClientOptions["reconnect"]): ResolvedClientOptions["reconnect"] {
  if (value === false) return false;
  if (value !== undefined && (typeof value !== "object" || value === null)) {
    throw new TypeError(`\`reconnect\` must be false or an options object, got ${String(value)}`);
  }
  const initialDelay = milliseconds("reconnect.initialDelay", value?.initialDelay, 500);
  const maxDelay = milliseconds("reconnect.maxDelay", value?.maxDelay, 10_000);
  if (maxDelay < initialDelay) {
    throw new RangeError(`\`reconnect.maxDelay\` (${maxDelay}) must not be below \`reconnect.initialDelay\` (${initialDelay})`);
  }
  const maxAttempts = value?.maxAttempts ?? Number.POSITIVE_INFINITY;
  if (maxAttempts !== Number.POSITIVE_INFINITY && (!Number.isInteger(maxAttempts) || maxAttempts < 1)) {
    throw new RangeError(`\`reconnect.maxAttempts\` must be a whole number from 1, or Infinity, got ${maxAttempts}`);
  }
  return { initialDelay, maxDelay, maxAttempts };
}

function debug(value: RTCClientOptions["debug"]): ResolvedClientOptions["debug"] {
  if (value === undefined) return () => undefined;
  if (typeof value !== "function") throw new TypeError("`debug` must be a function");
  return value;
}
