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
   * Where things go that are expected in normal operation but should not
   * vanish: an ICE candidate that could not be applied (stale after glare or
   * a restart), an ignored colliding offer, an ICE restart begun or done.
   * @default no-op
   */
  debug?: DebugHook;
  /**
   * The `RTCPeerConnection` class to use. Default: the global one (browsers).
   * In Node, pass one, e.g. `(await import("node-datachannel/polyfill")).RTCPeerConnection`.
   */
  RTCPeerConnection?: RTCPeerConnectionConstructor;
  /** The `WebSocket` class to use. Default: the global one. In Node 20, pass `ws`'s. */
  WebSocket?: WebSocketConstructor;
}

export interface ResolvedClientOptions {
  url: string;
  room: string;
  rtcConfiguration: RTCConfiguration;
  connectTimeout: number;
  iceRestartDelay: number;
  iceRestartTimeout: number;
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
    iceRestartDelay: milliseconds("iceRestartDelay", options.iceRestartDelay, 3_000),
    iceRestartTimeout: milliseconds("iceRestartTimeout", options.iceRestartTimeout, 15_000, 1),
    debug: options.debug ?? (() => {}),
    RTCPeerConnection: PeerConnection,
    WebSocket: Socket,
  };
}

function milliseconds(name: string, value: number | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  // Timers clamp anything else to 1 ms, which would drop every peer at once.
  if (!Number.isInteger(value) || value < min || value > 2 ** 31 - 1) {
    throw new RangeError(`\`${name}\` must be a whole number of milliseconds from ${min} to 2^31-1, got ${value}`);
  }
  return value;
}
