import { createServer, STATUS_CODES, type IncomingMessage, type Server as HttpServer } from "node:http";
import { isIP, type AddressInfo, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { CloseCodes, Limits, PeerMetadataSchema, type PeerMetadata } from "@raycaster/realtime-protocol";
import { WebSocket, WebSocketServer, type RawData, type Server as WsServer } from "ws";
import { Connection } from "./connection.js";
import { startHeartbeat } from "./heartbeat.js";
import { JoinDeadlines } from "./joinDeadlines.js";
import { observe, type UpgradeAccept, type UpgradeRefuse } from "./hooks.js";
import { Places, type AddressPlaces } from "./places.js";
import { resolveOptions, type ResolvedOptions, type SignalingServerOptions } from "./options.js";
import { handleFrame, type RelayContext } from "./relay.js";
import { Seating } from "./seating.js";
import { serverSocketClass, type ServerSocket, type ServerSocketClass, type SocketEvents } from "./serverSocket.js";
import { Counters, type SignalingServerStats } from "./stats.js";
import { joinOnUpgrade, upgradeJoinOf, type UpgradeJoin } from "./upgradeJoin.js";

export type { SignalingServerStats } from "./stats.js";

/** How long `close()` waits for a client to finish the closing handshake. */
const CLOSE_GRACE_MS = 1000;

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
  readonly #wss: WsServer<ServerSocketClass>;
  /** The HTTP server upgrades come from: the user's, or ours for `port`; none with `noServer`. */
  readonly #http: HttpServer | undefined;
  readonly #ownsHttp: boolean;
  readonly #connections = new Set<Connection>();
  /** Places taken under the connection limits: open sockets, upgrades under way, seats in grace. */
  readonly #places = new Places();
  readonly #counters = new Counters();
  readonly #seating: Seating;
  readonly #relay: RelayContext;
  readonly #stopHeartbeat: () => void;
  readonly #joinDeadlines: JoinDeadlines;
  readonly #tokenRefresh: NodeJS.Timeout;
  readonly #iceServersRefresh: NodeJS.Timeout | undefined;
  readonly #listening: Promise<AddressInfo>;
  readonly #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => this.#routeUpgrade(request, socket, head);
  /** Errors on a socket that is not a WebSocket yet (a reset mid-handshake); one listener for every socket, not a closure each. */
  readonly #onRawSocketError = (error: Error) => this.#options.logger.debug({ err: error }, "upgrade socket error");
  #closed: Promise<void> | undefined;
  #abandonListening: (reason: Error) => void = () => {};

  /**
   * Starts serving at once: listens on `port`, or takes the upgrades of
   * `server`, or waits for {@link SignalingServer.handleUpgrade}.
   * @throws TypeError unless exactly one of `server`, `port` or
   * `noServer: true` is given, or on an option of the wrong type; RangeError
   * on a number out of its range or a `secret` shorter than 32 bytes.
   */
  constructor(options: SignalingServerOptions) {
    this.#options = resolveOptions(options);
    this.#joinDeadlines = new JoinDeadlines(this.#options.joinTimeout);
    this.#seating = new Seating(this.#options, this.#counters, this.#joinDeadlines);
    this.#relay = { options: this.#options, seating: this.#seating, counters: this.#counters };
    this.#wss = new WebSocketServer({
      noServer: true,
      // Frames up to 4× the limit are read and refused with an Error frame;
      // past that ws closes the connection (1009) without buffering it all.
      maxPayload: this.#options.maxMessageSize * 4,
      // Signaling frames are small and latency-bound; compression would cost
      // CPU and memory per connection for nothing.
      perMessageDeflate: false,
      // The server keeps its own set of connections.
      clientTracking: false,
      WebSocket: serverSocketClass(this.#socketEvents),
    });
    this.#ownsHttp = options.port !== undefined;
    this.#http = options.server ?? (this.#ownsHttp ? createServer(upgradeRequired) : undefined);
    // close() before the server listens would otherwise leave this pending forever.
    const abandoned = new Promise<never>((_, reject) => {
      this.#abandonListening = reject;
    });
    // With noServer nothing races it; its rejection is nobody's business then.
    abandoned.catch(() => {});
    this.#listening = this.#http ? Promise.race([listening(this.#http), abandoned]) : Promise.reject(new Error("a noServer SignalingServer does not listen"));
    // Keeps an unhandled rejection away when nobody awaits listening().
    this.#listening.catch(() => {});
    if (this.#http) {
      this.#http.on("upgrade", this.#onUpgrade);
      // As ws did when attached: the HTTP server's errors (EADDRINUSE, say)
      // are reported; without a listener they would crash the process.
      this.#http.on("error", this.#options.onError);
      if (this.#ownsHttp) this.#http.listen(options.port, options.host);
    }
    this.#stopHeartbeat = startHeartbeat(this.#connections, this.#options.heartbeatInterval);
    // One timer for every seat rather than one per connection. A quarter of
    // the lifetime: a token is replaced between half and three quarters of
    // its life, so a client always holds one with a quarter left.
    this.#tokenRefresh = setInterval(() => this.#seating.refreshTokens(Date.now()), Math.floor(this.#options.tokenTtl / 4));
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
   * attached to) is listening; rejects if it fails to listen or is closed
   * first, and at once with `noServer`.
   */
  listening(): Promise<AddressInfo> {
    return this.#listening;
  }

  /** How many WebSocket connections are open now. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** What the server holds now and has done since it started; the figures its metrics report. */
  stats(): SignalingServerStats {
    return { connections: this.#connections.size, ...this.#seating.stats(), ...this.#counters.snapshot() };
  }

  /**
   * Takes over an HTTP upgrade request: checks the origin and the
   * connection limits, asks the `upgrade` hook, then opens the WebSocket or
   * answers with an HTTP status. For `noServer` (call it from your own
   * `upgrade` listener or a framework's route); attached servers call it
   * themselves.
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#upgrade(request, socket, head);
  }

  /**
   * Closes every connection (code 1001) and stops accepting new ones.
   * Every seat ends with it, and no grace timer is left behind; nobody is
   * sent `UserDisconnected`, since everyone is being closed at once (their
   * clients may restore their seats on a server that shares `secret`).
   * Resolves once every socket is closed and the room adapter is closed
   * (`adapter.close()`). An attached HTTP server is left
   * running; one created for `port` is closed. Peer-to-peer connections that
   * were already established are not affected.
   */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#abandonListening(new Error("the SignalingServer was closed before it was listening"));
    this.#http?.off("upgrade", this.#onUpgrade);
    this.#http?.off("error", this.#options.onError);
    this.#stopHeartbeat();
    this.#joinDeadlines.stop();
    clearInterval(this.#tokenRefresh);
    clearInterval(this.#iceServersRefresh);
    this.#seating.endAll();
    const httpClosed = this.#ownsHttp && this.#http?.listening ? new Promise<void>((resolve) => this.#http?.close(() => resolve())) : Promise.resolve();
    await Promise.all([...this.#connections].map(closeSocket));
    try {
      await this.#options.adapter.close();
    } catch (error) {
      this.#options.onError(error);
    }
    // Only a server of our own: an attached one's keep-alive connections are its owner's.
    if (this.#ownsHttp) this.#http?.closeIdleConnections?.();
    await httpClosed;
  }

  /** An upgrade on the attached server: ours if it is on `path`; others are left to other listeners. */
  #routeUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { path } = this.#options;
    if (path !== undefined && pathOf(request) !== path) {
      // Another endpoint on this server may take it; if there is none, the
      // socket would hang forever.
      if (this.#http && this.#http.listenerCount("upgrade") === 1) this.#refuse(socket, 400, "no WebSocket endpoint on this path");
      return;
    }
    this.#upgrade(request, socket, head);
  }

  /**
   * Checks an upgrade against the origins and the limits, takes its place,
   * then opens the WebSocket; with an `upgrade` hook, once the hook has
   * answered. Without one (the usual case) it all happens within the
   * `upgrade` event: the socket can neither error nor close meanwhile, so
   * it needs no listeners of ours and no promise (their on, off and
   * allocations were a few µs of every join). Never throws: it runs
   * detached from any caller.
   */
  #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { origins, maxConnections, maxConnectionsPerIp, hooks, onError } = this.#options;
    try {
      if (this.#closed) return this.#refuse(socket, 503, "the server is shutting down");
      const origin = request.headers.origin;
      if (origins && origin !== undefined && !origins.has(origin)) {
        return this.#refuse(socket, 403, "origin not allowed", { origin });
      }
      const address = this.#addressOf(request);
      if (this.#places.total >= maxConnections) return this.#refuse(socket, 503, "the server is at its connection limit", { address });
      if (this.#places.heldBy(address) >= maxConnectionsPerIp) {
        return this.#refuse(socket, 429, "too many connections from this address", { address });
      }
      // The place is taken before the hook runs, so slow hooks cannot be used
      // to get past the limits.
      const slot = this.#places.take(address);
      if (hooks.upgrade) this.#askThenOpen(request, socket, head, slot).catch(onError);
      else this.#open(request, socket, head, slot, ANONYMOUS);
    } catch (error) {
      onError(error);
    }
  }

  /**
   * The upgrade hook's turn: the socket is watched while it thinks, and its
   * place given back if the socket goes, is refused, or the hook does not
   * answer within `joinTimeout` (503, and `onError` is told).
   */
  async #askThenOpen(request: IncomingMessage, socket: Duplex, head: Buffer, slot: AddressPlaces): Promise<void> {
    const { joinTimeout, maxMessageSize, onError } = this.#options;
    // Errors on a socket that is not a WebSocket yet (a reset while the hook
    // thinks): without a listener one would crash the process.
    socket.on("error", this.#onRawSocketError);
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      slot.release();
    };
    // A client may leave while the hook thinks: its place is given back then.
    socket.once("close", release);
    // Read meanwhile: a client that leaves with a FIN is only seen by
    // reading, and its place must not wait for the hook. A client sends
    // nothing before our 101; whatever comes early anyway is kept for ws
    // (bounded), as ws would have read it.
    let early: Buffer[] = [];
    let kept = head.length;
    const onData = (chunk: Buffer) => {
      kept += chunk.length;
      if (kept <= maxMessageSize) {
        early.push(chunk);
        return;
      }
      // Let go of what was kept too: a hook that never answers keeps this
      // closure, and with it `early`, for as long as it does not.
      early = [];
      socket.destroy();
    };
    // A WebSocket client does not half-close before its upgrade is answered: it left.
    const onEnd = () => socket.destroy();
    socket.on("data", onData);
    socket.on("end", onEnd);
    // One timer per upgrade under way, only while its hook thinks.
    let late = false;
    const deadline = setTimeout(() => {
      if (!held) return;
      // Settled before onError is told: a late answer finds nothing to do.
      late = true;
      socket.off("data", onData);
      early = [];
      release();
      this.#refuse(socket, 503, "the upgrade hook did not answer in time");
      onError(new Error(`the upgrade hook did not answer within ${joinTimeout} ms`));
    }, joinTimeout);
    let peer: Peer | undefined;
    try {
      peer = await this.#ask(request, socket, () => !late);
    } catch (error) {
      release();
      onError(error);
      if (!late) this.#refuse(socket, 500, "the upgrade failed");
      return;
    } finally {
      clearTimeout(deadline);
      socket.off("data", onData);
      socket.off("end", onEnd);
    }
    if (!peer || !held) {
      // Refused, or gone: our listeners stay for the socket's last moments.
      release();
      return;
    }
    // From here on all is synchronous again: #open takes the place over, and
    // ws puts its own error listener on the socket.
    socket.off("close", release);
    socket.off("error", this.#onRawSocketError);
    this.#open(request, socket, early.length === 0 ? head : Buffer.concat([head, ...early]), slot, peer);
  }

  /**
   * Hands the socket to ws and accepts the WebSocket it makes, which takes
   * over the place; ws completes the upgrade, or refuses it, synchronously.
   * When it refuses (a malformed handshake, answered 400 without calling
   * back), the place is given back as the socket goes. Never throws.
   */
  #open(request: IncomingMessage, socket: Duplex, head: Buffer, slot: AddressPlaces, peer: Peer): void {
    let conn: Connection | undefined;
    let join: UpgradeJoin | undefined;
    try {
      join = upgradeJoinOf(request.url);
      // A join on the upgrade is answered at once: corked, the 101 response
      // and `Initialize` leave in one write.
      if (join) socket.cork();
      this.#wss.handleUpgrade(request, socket, head, (ws) => {
        conn = this.#accept(ws, slot, peer);
        if (join) joinOnUpgrade(conn, join, this.#seating, this.#counters);
        // Its time to take a seat starts now, unless it took one already:
        // a join on the upgrade is seated at once with a synchronous hook
        // and adapter, and need not enter and leave the deadlines.
        if (conn.seat === undefined) this.#joinDeadlines.add(conn);
      });
    } catch (error) {
      this.#options.onError(error);
      // Once accepted, the socket is the connection's, and so is the place.
      if (conn) conn.socket.terminate();
      else {
        slot.release();
        this.#refuse(socket, 500, "the upgrade failed");
      }
      return;
    } finally {
      if (join) socket.uncork();
    }
    if (conn) return;
    // Refused by ws: the place is held until the socket is gone, as for any other socket.
    if (socket.destroyed) slot.release();
    else socket.once("close", () => slot.release());
  }

  /**
   * Asks the `upgrade` hook who the peer is; refuses the socket and returns
   * `undefined` when the hook refuses, fails or answers nonsense. Once
   * `answerable()` is false (the socket was answered for it: the hook took
   * too long) a refusal is not written or counted again; a failing hook is
   * still reported.
   */
  async #ask(request: IncomingMessage, socket: Duplex, answerable: () => boolean): Promise<Peer | undefined> {
    const { hooks, onError } = this.#options;
    const refuse = (status: number, message: string) => {
      if (answerable()) this.#refuse(socket, status, message);
    };
    let verdict: unknown;
    try {
      verdict = hooks.upgrade ? await hooks.upgrade(request) : undefined;
    } catch (error) {
      onError(error);
      refuse(500, "the upgrade hook failed");
      return undefined;
    }
    if (verdict !== undefined && (typeof verdict !== "object" || verdict === null)) {
      onError(
        new TypeError(`the upgrade hook returned ${verdict === null ? "null" : `a ${typeof verdict}`}; return nothing, { user, metadata } or { status }`),
      );
      refuse(500, "the upgrade hook failed");
      return undefined;
    }
    const answer = verdict as UpgradeAccept | UpgradeRefuse | undefined;
    if (answer && "status" in answer) {
      const status = Number.isInteger(answer.status) && answer.status >= 400 && answer.status <= 599 ? answer.status : 500;
      refuse(status, typeof answer.message === "string" ? answer.message : (STATUS_CODES[status] ?? "refused"));
      return undefined;
    }
    const metadata = checkMetadata(answer?.metadata);
    if (typeof metadata === "string") {
      onError(new TypeError(`the upgrade hook returned invalid metadata: ${metadata}`));
      refuse(500, "the upgrade hook returned invalid metadata");
      return undefined;
    }
    if (this.#closed) {
      refuse(503, "the server is shutting down");
      return undefined;
    }
    if (socket.destroyed) return undefined;
    return { user: answer?.user, metadata };
  }

  #accept(socket: ServerSocket, slot: AddressPlaces, peer: Peer): Connection {
    const { hooks, onError, rateLimit } = this.#options;
    const conn = new Connection({
      socket,
      rateLimit,
      address: slot.address,
      user: peer.user,
      metadata: peer.metadata,
      counters: this.#counters,
      slot,
    });
    this.#connections.add(conn);
    socket.connection = conn;
    if (hooks.open) observe(onError, () => hooks.open?.(conn));
    return conn;
  }

  /**
   * What every accepted socket's events do: one set for the server rather
   * than closures per socket, which were an idle connection's largest cost
   * after ws's own; its sockets ({@link serverSocketClass}) call them with
   * their connection.
   */
  readonly #socketEvents: SocketEvents = ((server: SignalingServer) => ({
    message(conn: Connection, data: RawData, isBinary: boolean): void {
      handleFrame(conn, data, isBinary, server.#relay);
    },
    pong(conn: Connection): void {
      conn.alive = true;
    },
    error(conn: Connection, error: Error): void {
      server.#options.logger.debug({ err: error, address: conn.address }, "socket error");
    },
    close(conn: Connection, code: number, reason: Buffer): void {
      const { hooks, onError } = server.#options;
      server.#joinDeadlines.delete(conn);
      server.#connections.delete(conn);
      if (hooks.close) observe(onError, () => hooks.close?.(conn, { code, reason: reason.toString() }));
      server.#seating.released(conn, code);
    },
  }))(this);

  #addressOf(request: IncomingMessage): string {
    const own = peerAddress(request.socket) ?? "unknown";
    const hops = this.#options.trustProxy;
    if (hops === 0) return own;
    // Each proxy appends the address it got the request from; entries to
    // the left of the proxies' own are the client's to write, and a lie.
    const header = request.headers["x-forwarded-for"];
    const entries = (Array.isArray(header) ? header.join(",") : (header ?? "")).split(",");
    const entry = entries[entries.length - hops]?.trim();
    return entry && isIP(entry) ? entry : own;
  }

  /** Answers an upgrade with an HTTP error and closes the TCP socket: no WebSocket is opened. */
  #refuse(socket: Duplex, status: number, message: string, fields: object = {}): void {
    // What is written may fail (a reset): without a listener that would crash the process.
    if (socket.listenerCount("error", this.#onRawSocketError) === 0) socket.on("error", this.#onRawSocketError);
    Counters.add(this.#counters.upgradesRefused, String(status));
    this.#options.logger.info({ status, reason: message, ...fields }, "upgrade refused");
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const body = `${message}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\n` +
        "Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n" +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
}

/** Who the `upgrade` hook says a peer is. */
interface Peer {
  user: unknown;
  metadata: PeerMetadata | undefined;
}

/** The peer of every upgrade when there is no `upgrade` hook. */
const ANONYMOUS: Peer = Object.freeze({ user: undefined, metadata: undefined });

/** The path of a request's URL, without its query. */
function pathOf(request: IncomingMessage): string {
  const url = request.url ?? "/";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

/** Plain HTTP on a server of our own: say what it is for, as `ws` did. */
function upgradeRequired(_: IncomingMessage, response: import("node:http").ServerResponse): void {
  const body = STATUS_CODES[426] ?? "Upgrade Required";
  response.writeHead(426, { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(body) });
  response.end(body);
}

/** The hook's metadata if it is a JSON object within `Limits.metadata` bytes, else why not. */
function checkMetadata(metadata: unknown): PeerMetadata | undefined | string {
  if (metadata === undefined) return undefined;
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) return "not an object";
  let json: string | undefined;
  try {
    json = JSON.stringify(metadata);
  } catch (error) {
    return `not serialisable as JSON (${(error as Error).message})`;
  }
  // A toJSON may turn the object into anything.
  if (typeof json !== "string" || !json.startsWith("{")) return "not serialisable as a JSON object";
  if (Buffer.byteLength(json) > Limits.metadata) return `${Buffer.byteLength(json)} bytes; the limit is ${Limits.metadata}`;
  // What peers will see: the JSON round trip, checked by the schema they check it with.
  const parsed = PeerMetadataSchema.safeParse(JSON.parse(json));
  return parsed.success ? parsed.data : "keys too long";
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

function listening(http: HttpServer): Promise<AddressInfo> {
  const address = () => http.address() as AddressInfo;
  if (http.listening) return Promise.resolve(address());
  return new Promise((resolve, reject) => {
    // Both listeners go once either fires, so an attached server's later
    // errors still reach its owner's handlers, not a stale one of ours.
    const onListening = () => {
      http.off("error", onError);
      resolve(address());
    };
    const onError = (error: Error) => {
      http.off("listening", onListening);
      reject(error);
    };
    http.once("listening", onListening);
    http.once("error", onError);
  });
}

/** The part of Node's TCP handle that `remoteAddress` reads through (internal, as `_handle` is: read only if present). */
interface PeerNameHandle {
  getpeername?(out: { address?: string }): number;
}

/**
 * The socket's remote address, read once per connection. Through the
 * handle when it has one, because `socket.remoteAddress` keeps what it read
 * on the socket (`_peername`: an object of address, family and port, about
 * 100 bytes held for the socket's life, which is most of an idle
 * connection's life); otherwise, or if that read fails, `remoteAddress`.
 */
function peerAddress(socket: Socket): string | undefined {
  const handle = (socket as unknown as { _handle?: PeerNameHandle | null })._handle;
  if (handle?.getpeername !== undefined) {
    const out: { address?: string } = {};
    if (handle.getpeername(out) === 0 && out.address !== undefined) return out.address;
  }
  return socket.remoteAddress;
}
