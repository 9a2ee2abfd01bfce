import type { AddressInfo } from "node:net";
import { CloseCodes } from "@raycaster/realtime-protocol";
import { WebSocket, WebSocketServer } from "ws";
import { Connection } from "./connection.js";
import { startHeartbeat } from "./heartbeat.js";
import { resolveOptions, type ResolvedOptions, type SignalingServerOptions } from "./options.js";
import { handleFrame, type RelayContext } from "./relay.js";
import { Seating } from "./seating.js";

/** How long `close()` waits for a client to finish the closing handshake. */
const CLOSE_GRACE_MS = 1000;

/** What {@link SignalingServer.stats} reports: counts of what the server holds now. */
export interface SignalingServerStats {
  /** Open WebSocket connections, seated or not. */
  connections: number;
  /** Seats: peers in a room, with a socket or in grace. */
  seats: number;
  /** Seats whose socket dropped, waiting for their client to resume. */
  seatsInGrace: number;
  /** Rooms with at least one seat on this server. */
  rooms: number;
}

/**
 * A WebRTC signaling server: peers join rooms over WebSocket and it relays
 * their offers, answers and ICE candidates to one another, inside a room
 * only. It validates every frame and never trusts a client's word on who it
 * is.
 *
 * @example
 * ```ts
 * const httpServer = createServer();
 * const signalingServer = new SignalingServer({ server: httpServer });
 * httpServer.listen(3000);
 * ```
 */
export class SignalingServer {
  readonly #options: ResolvedOptions;
  readonly #wss: WebSocketServer;
  readonly #connections = new Set<Connection>();
  readonly #seating: Seating;
  readonly #relay: RelayContext;
  readonly #stopHeartbeat: () => void;
  readonly #tokenRefresh: NodeJS.Timeout;
  readonly #iceServersRefresh: NodeJS.Timeout | undefined;
  readonly #listening: Promise<AddressInfo>;
  #closed: Promise<void> | undefined;
  #abandonListening: (reason: Error) => void = () => {};

  constructor(options: SignalingServerOptions) {
    this.#options = resolveOptions(options);
    this.#seating = new Seating(this.#options);
    this.#relay = { options: this.#options, seating: this.#seating };
    this.#wss = new WebSocketServer({
      server: options.server,
      port: options.port,
      host: options.host,
      path: options.path,
      // Frames up to 4× the limit are read and refused with an Error frame;
      // past that ws closes the connection (1009) without buffering it all.
      maxPayload: this.#options.maxMessageSize * 4,
      // Signaling frames are small and latency-bound; compression would cost
      // CPU and memory per connection for nothing.
      perMessageDeflate: false,
    });
    // close() before the server listens would otherwise leave this pending forever.
    const abandoned = new Promise<never>((_, reject) => {
      this.#abandonListening = reject;
    });
    this.#listening = Promise.race([listening(this.#wss, options.server), abandoned]);
    // Keeps an unhandled rejection away when nobody awaits listening().
    this.#listening.catch(() => {});
    this.#wss.on("connection", (socket) => this.#accept(socket));
    // ws re-emits the HTTP server's errors (EADDRINUSE, say) here, attached
    // or not; without a listener they would crash the process.
    this.#wss.on("error", this.#options.onError);
    this.#stopHeartbeat = startHeartbeat(this.#connections, this.#options.heartbeatInterval);
    // One timer for every seat rather than one per connection. A quarter of
    // the lifetime: a token is replaced between half and three quarters of
    // its life, so a client always holds one with a quarter left.
    this.#tokenRefresh = setInterval(
      () => this.#seating.refreshTokens(Date.now()),
      Math.floor(this.#options.tokenTtl / 4),
    );
    this.#tokenRefresh.unref();
    // Its sibling for TURN credentials, one timer for every seat likewise.
    const turn = this.#seating.turn;
    if (turn) {
      this.#iceServersRefresh = setInterval(() => this.#seating.refreshIceServers(Date.now()), turn.checkInterval);
      this.#iceServersRefresh.unref();
    }
  }

  /**
   * Resolves with the address once the server (its own, or the one it is
   * attached to) is listening; rejects if it fails to listen or is closed first.
   */
  listening(): Promise<AddressInfo> {
    return this.#listening;
  }

  /** How many WebSocket connections are open now. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Counts of connections, seats and rooms now; for metrics and for tests that assert nothing is left over. */
  stats(): SignalingServerStats {
    return { connections: this.#connections.size, ...this.#seating.stats() };
  }

  /**
   * Closes every connection (code 1001) and stops accepting new ones.
   * Every seat ends with it, and no grace timer is left behind; nobody is
   * sent `UserDisconnected`, since everyone is being closed at once (their
   * clients may restore their seats on a server that shares `secret`).
   * Resolves once every socket is closed. An attached HTTP server is left
   * running; one created for `port` is closed. Peer-to-peer connections that
   * were already established are not affected.
   */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#abandonListening(new Error("the SignalingServer was closed before it was listening"));
    this.#stopHeartbeat();
    clearInterval(this.#tokenRefresh);
    clearInterval(this.#iceServersRefresh);
    this.#seating.endAll();
    const serverClosed = new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    await Promise.all([...this.#connections].map(closeSocket));
    await serverClosed;
  }

  #accept(socket: WebSocket): void {
    const conn = new Connection(socket, this.#options.joinTimeout);
    this.#connections.add(conn);
    socket.on("message", (data, isBinary) => handleFrame(conn, data, isBinary, this.#relay));
    socket.on("pong", () => {
      conn.alive = true;
    });
    // A protocol violation (bad UTF-8, oversized frame) is reported here and
    // followed by a close; without a listener it would crash the process.
    socket.on("error", () => {});
    socket.on("close", (code) => {
      conn.dispose();
      this.#connections.delete(conn);
      this.#seating.released(conn, code);
    });
  }
}

function closeSocket(conn: Connection): Promise<void> {
  const { socket } = conn;
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once("close", () => resolve());
    socket.close(CloseCodes.GoingAway, "server closing");
    setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
  });
}

function listening(
  wss: WebSocketServer,
  attachedTo: SignalingServerOptions["server"],
): Promise<AddressInfo> {
  const target = attachedTo ?? wss;
  const address = () => (attachedTo ? attachedTo.address() : wss.address()) as AddressInfo;
  if (attachedTo?.listening) return Promise.resolve(address());
  return new Promise((resolve, reject) => {
    // Both listeners go once either fires, so an attached server's later
    // errors still reach its owner's handlers, not a stale one of ours.
    const onListening = () => {
      target.off("error", onError);
      resolve(address());
    };
    const onError = (error: Error) => {
      target.off("listening", onListening);
      reject(error);
    };
    target.once("listening", onListening);
    target.once("error", onError);
  });
}
