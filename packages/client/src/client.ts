import type { IceServer, InitializeMessage, PeerMetadata, ServerMessage } from "@raycaster/realtime-protocol/client";
import type { Channel, SendOptions, TransferProgress } from "./channel.js";
import { asyncDisposeSymbol, disposeSymbol } from "./dispose.js";
import { Emitter } from "./emitter.js";
import { extend, type ExtensionHost, type MediaExtension } from "./extension.js";
import { messageOf, RealtimeError } from "./errors.js";
import { resolveClientOptions, type ResolvedClientOptions, type RTCClientOptions } from "./options.js";
import { Peer, type PeerLeftReason } from "./peer.js";
import { SignalingConnection, type SignalingState } from "./connection.js";
import { ChannelRegistry, type ChannelOptions } from "./registry.js";
import { Resources, type ResourceCounts } from "./resources.js";
import type { InferOutput, StandardSchemaV1 } from "./schema.js";
import { escapeCredentials, escapesTurnCredentials } from "./turn.js";

/** Messages under way and the bytes they hold, across every channel and peer; see `RTCClient.stats()`. */
export interface TransferCounts {
  /** Messages queued or being sent, and transfers being received. */
  transfers: number;
  /** Bytes handed to data channels and not yet sent. */
  sendBuffered: number;
  /** Bytes held for transfers being received. */
  receiveBuffered: number;
}

/** The events of {@link RTCClient}, each with its payload; `T` is the type of the default channel's messages. */
export interface RTCClientEvents<T = unknown> {
  /**
   * Seated in the room: your id, and the peers there (each new one also gets
   * `peerJoined`). Fires again on every seating after a reconnect: with
   * `resumed: true` the seat was taken back (same id, peer connections
   * kept); with `resumed: false` it is a fresh seat with a new id, and every
   * earlier peer has had its `peerLeft`.
   */
  open: { id: string; room: string; peers: string[]; resumed: boolean };
  /** The link to the signaling server changed state; see {@link RTCClient.signalingState}. */
  signalingState: { state: SignalingState; previous: SignalingState };
  /** A peer is in the room; negotiation with it has begun. */
  peerJoined: {
    peerId: string;
    /** Its public metadata, as the server's `upgrade` hook set it (a name, say); `{}` when none. */
    metadata: PeerMetadata;
  };
  /**
   * The data channel to a peer is open: `send` to it works from now on.
   * Fires once per peer: not again after an ICE restart (the peer never
   * left); `connectedPeers` says whether a channel is open right now.
   */
  peerConnected: { peerId: string };
  /**
   * With media only (`mediaOf(client)`, from `@raycaster/realtime-client/media`):
   * a remote media track arrived, with the streams the peer added it to
   * (attach `streams[0]` to a `<video>`). The same track is not reported
   * twice while it lasts; a connection replaced by an ICE restart or a
   * collision brings its tracks again as new objects.
   */
  track: { peerId: string; track: MediaStreamTrack; streams: readonly MediaStream[] };
  /**
   * With media only: a remote track reported by `track` ended: the peer removed it (seen
   * when the renegotiation that removed it completes), or the connection it
   * came on was replaced. Not fired for a peer that leaves: `peerLeft`
   * ends all of its tracks.
   */
  trackRemoved: { peerId: string; track: MediaStreamTrack };
  /**
   * A message from a peer on the default channel: a JSON value (parsed), an
   * `ArrayBuffer` (binary sent), or a `Blob` (with its `type`); validated
   * by the client's `schema` if it has one.
   */
  message: { peerId: string; data: T };
  /** A chunked transfer on the default channel moved on, on either end; `bytes === total` when it is done. */
  progress: TransferProgress;
  /** A peer is gone: it left the room, its connection failed, or it closed. */
  peerLeft: { peerId: string; reason: PeerLeftReason };
  /** Something went wrong; `error.code` says what. The client carries on. */
  error: RealtimeError;
  /**
   * Signaling ended for good, once: `close()` (code 1000), a close code
   * after which the client must not retry (see `FinalCloseCodes`),
   * reconnect off, or every attempt spent (these three after an `error`
   * with `SIGNALING_FAILED`). A socket lost while reconnecting is on does
   * not fire it (see `signalingState`). Peers already connected stay
   * connected (data flows peer to peer); new peers cannot reach you.
   */
  signalingClosed: { code: number; reason: string };
}

/**
 * A WebRTC client: joins a room through the signaling server, connects to
 * every peer in it, and sends JSON to them over data channels, peer to peer.
 * `T` types the default channel's messages (`send`, `broadcast`, the
 * `message` event): given, or inferred from the `schema` option; `unknown`
 * without either.
 *
 * @example
 * ```ts
 * const client = new RTCClient({ url: "ws://localhost:3000", room: "lobby" });
 * client.on("peerConnected", ({ peerId }) => client.send(peerId, { hello: "world" }));
 * client.on("message", ({ peerId, data }) => console.log(peerId, data));
 *
 * const typed = new RTCClient({ url, schema: z.object({ x: z.number() }) }); // data: { x: number }
 * ```
 */
export class RTCClient<T = unknown> extends Emitter<RTCClientEvents<T>> {
  readonly #options: ResolvedClientOptions;
  readonly #signaling: SignalingConnection;
  readonly #peers = new Map<string, Peer>();
  readonly #resources = new Resources();
  /** Media, once `mediaOf(client)` (the `/media` entry) hooked it in. */
  #media: MediaExtension | undefined;
  readonly #channels: ChannelRegistry;
  /** ICE servers from the server (`Initialize.iceServers`, renewed by `IceServers`): TURN with credentials for this seat. */
  #serverIceServers: RTCIceServer[] = [];
  /** node-datachannel's polyfill needs TURN credentials escaped (see escapesTurnCredentials). */
  readonly #escapeCredentials: boolean;
  #id: string | undefined;
  #closed = false;
  readonly #joined: Promise<RTCClientEvents["open"]>;
  #settleJoined: { resolve(open: RTCClientEvents["open"]): void; reject(error: RealtimeError): void } | undefined;

  /**
   * Connects to the signaling server at once and joins `options.room`.
   * @throws TypeError or RangeError on a bad option (one that is not a
   * number of the right range, a `debug` that is not a function), or when no
   * `RTCPeerConnection` or `WebSocket` is given and the runtime has none.
   */
  constructor(options: RTCClientOptions<T>) {
    super();
    this.#joined = new Promise((resolve, reject) => {
      this.#settleJoined = { resolve, reject };
    });
    // Marked handled: whoever awaits `joined` still gets the rejection, and
    // the cause has its own report (the `error` event, or your `close()`);
    // an app that never looks at `joined` must not crash on it.
    this.#joined.catch(() => undefined);
    this.#options = resolveClientOptions(options);
    // A bad configuration (a TURN server without credentials, a malformed
    // URL) throws here, from the constructor, rather than later inside a
    // WebSocket callback where nobody could catch it. Only when there is
    // something to check: a probe connection costs 1 to 3 ms of blocked
    // event loop on some stacks (@roamhq/wrtc), which the first meeting
    // would wait for.
    const { iceServers, ...rest } = this.#options.rtcConfiguration;
    if (iceServers!.length > 0 || Object.keys(rest).length > 0) new this.#options.RTCPeerConnection(this.#options.rtcConfiguration).close();
    this.#escapeCredentials = escapesTurnCredentials(this.#options.RTCPeerConnection);
    this.#channels = new ChannelRegistry({
      maxMessageSize: this.#options.maxMessageSize,
      schema: options.schema,
      error: (error) => this.#error(error),
      added: (spec) => {
        for (const peer of this.#peers.values()) peer.addChannel(spec);
      },
      removed: (name) => {
        for (const peer of this.#peers.values()) peer.removeChannel(name);
      },
    });
    this.#channels.default.on("message", (event) => this.emit("message", event as RTCClientEvents<T>["message"]));
    this.#channels.default.on("progress", (event) => this.emit("progress", event));
    this.#signaling = new SignalingConnection(this.#options, {
      seated: (message) => this.#onSignal(message),
      message: (message) => this.#onSignal(message),
      refused: () => this.#onResumeRefused(),
      error: (error) => {
        if (error.code === "SIGNALING_FAILED") this.#rejectJoined(error);
        this.#error(error);
      },
      state: (state, previous) => {
        if (!this.#closed) this.emit("signalingState", { state, previous });
      },
      ended: (code, reason) => {
        if (!this.#closed) this.emit("signalingClosed", { code, reason });
      },
    });
  }

  /**
   * Where the client stands with the signaling server: `"connecting"` the
   * first time, `"open"` while seated in the room, `"reconnecting"` after
   * losing it, `"closed"` for good (after `signalingClosed`). Peer
   * connections do not depend on it: data keeps flowing peer to peer.
   */
  get signalingState(): SignalingState {
    return this.#signaling.state;
  }

  /**
   * The first seating in the room: resolves with the first `open` payload
   * (at once if it already came). Rejects with the `SIGNALING_FAILED` error
   * if signaling ends for good first, or with `CLIENT_CLOSED` if `close()`
   * comes first. An unobserved rejection is not reported as unhandled.
   *
   * @example
   * ```ts
   * const { id, peers } = await client.joined;
   * ```
   */
  get joined(): Promise<RTCClientEvents["open"]> {
    return this.#joined;
  }

  /** Your peer id, minted by the server; `undefined` until `open`. */
  get id(): string | undefined {
    return this.#id;
  }

  /** The room this client joins. */
  get room(): string {
    return this.#options.room;
  }

  /** Ids of the peers in the room with you, connected or still negotiating. */
  get peers(): string[] {
    return [...this.#peers.keys()];
  }

  /** Ids of the peers whose data channel is open. */
  get connectedPeers(): string[] {
    return [...this.#peers.values()].filter((peer) => peer.connected).map((peer) => peer.id);
  }

  /**
   * Sends `data` to one peer on the default channel: a string or JSON value,
   * an `ArrayBuffer`, typed array or `DataView`, or a `Blob`. Resolves when
   * its last byte is handed to the data channel: messages over the SCTP max
   * message size go in chunks, and no more than the high watermark (1 MiB)
   * plus one 64 KiB frame waits in the channel per peer and channel, so
   * sending a large message holds no copy of it. Rejects with a
   * {@link RealtimeError}: `PEER_NOT_CONNECTED` before `peerConnected` (or
   * after `peerLeft`), `NOT_SERIALIZABLE`, `ABORTED` (`options.signal`),
   * `TRANSFER_FAILED` (the connection was replaced or closed meanwhile), or
   * `MESSAGE_TOO_LARGE` (the peer refused it: over its `maxMessageSize`).
   * @throws {@link RealtimeError} as a rejection, never synchronously.
   */
  send(peerId: string, data: T, options?: SendOptions): Promise<void> {
    return this.#channels.default.send(peerId, data, options);
  }

  /**
   * Sends `data` to every connected peer on the default channel; resolves
   * with how many peers it was handed to. A peer that cannot take it is
   * reported with an `error` event and not counted.
   */
  broadcast(data: T, options?: SendOptions): Promise<number> {
    return this.#channels.default.broadcast(data, options);
  }

  /**
   * Declares a named data channel, made on every peer connection, present
   * and future. Pre-negotiated: both peers must declare it (same name, same
   * options); its id is derived from the name, so opening it costs no round
   * trip, and declaring it after peers connected opens it on their
   * connections at once. Throws `CHANNEL_CONFLICT` for a name declared
   * already (or `"realtime"`, the default channel's), or one whose id
   * another name has.
   * @throws {@link RealtimeError} `CHANNEL_CONFLICT` as above; TypeError when
   * both `maxRetransmits` and `maxPacketLifeTime` are given, RangeError when
   * either is not a whole number from 0 to 65535.
   *
   * @example
   * ```ts
   * const state = client.channel<{ x: number }>("state", { ordered: false, maxRetransmits: 0 });
   * state.on("message", ({ peerId, data }) => move(peerId, data.x));
   * ```
   */
  channel<S extends StandardSchemaV1>(name: string, options: ChannelOptions<InferOutput<S>> & { schema: S }): Channel<InferOutput<S>>;
  channel<T = unknown>(name: string, options?: ChannelOptions<T>): Channel<T>;
  channel<T>(name: string, options?: ChannelOptions<T>): Channel<T> {
    return this.#channels.declare(name, options);
  }

  /**
   * Counts of live resources: peers, and the peer connections, data channels
   * and timers behind them, and the messages under way (see
   * {@link TransferCounts}). All zero after `close()`; a count that only
   * grows while peers come and go is a leak.
   */
  stats(): { peers: number } & ResourceCounts & TransferCounts {
    const counts = this.#resources.counts();
    // The signaling link's own timers (keep-alive, backoff) count too.
    return { peers: this.#peers.size, ...counts, timers: counts.timers + this.#signaling.timers, ...this.#channels.stats() };
  }

  /**
   * Leaves the room (the server frees the seat at once) and closes every peer
   * connection, without `peerLeft` for them: you asked. Unless signaling had
   * already ended, `signalingState` (`"closed"`) and `signalingClosed` (code
   * 1000) fire before this returns; nothing fires after it.
   */
  close(): void {
    if (this.#closed) return;
    const previous = this.#signaling.state;
    this.#signaling.close();
    this.#closed = true;
    for (const peer of this.#peers.values()) peer.close();
    this.#peers.clear();
    if (previous !== "closed") {
      this.emit("signalingState", { state: "closed", previous });
      this.emit("signalingClosed", { code: 1000, reason: "client closed" });
    }
    // Nothing listens to a closed client: every handler goes, on named
    // channels too, and what awaits it (`joined`, `once()`) is rejected.
    const closed = new RealtimeError("CLIENT_CLOSED", "the client closed");
    this.#channels.close();
    this.end(closed);
    this.#rejectJoined(closed);
  }

  /** {@link close}, for `using client = new RTCClient(...)`. */
  [disposeSymbol](): void {
    this.close();
  }

  /**
   * {@link close}, for `await using`. Closing is synchronous, so this
   * resolves once everything is closed (`stats()` all zero).
   */
  async [asyncDisposeSymbol](): Promise<void> {
    this.close();
  }

  #rejectJoined(error: RealtimeError): void {
    this.#settleJoined?.reject(error);
    this.#settleJoined = undefined;
  }

  /**
   * The seam of the `/media` entry and of `connectionInfo` (see
   * extension.ts): what they need of the client.
   * @internal
   */
  [extend](): ExtensionHost {
    return {
      RTCPeerConnection: this.#options.RTCPeerConnection,
      attach: (media) => {
        this.#media = media;
        for (const peer of this.#peers.values()) peer.setMedia(media.peer(peer.id));
      },
      emit: (event, payload) => {
        if (!this.#closed) this.emit(event, payload as never);
      },
      sync: async (peerIds) => {
        const peers = peerIds ? peerIds.map((id) => this.#peers.get(id)) : [...this.#peers.values()];
        await Promise.all(peers.map(async (peer) => peer?.syncTracks()));
      },
      connection: (peerId) => this.#peers.get(peerId)?.connection,
    };
  }

  #onSignal(message: ServerMessage): void {
    if (this.#closed) return;
    switch (message.event) {
      case "Initialize":
        this.#onSeated(message);
        break;
      case "UserConnected":
        this.#peer(message.id, false, message.metadata);
        break;
      case "UserDisconnected":
        this.#drop(message.id, "left");
        break;
      case "ReceiveOffer":
        this.#peer(message.from, false)?.receiveDescription("offer", message.sdp);
        break;
      case "ReceiveAnswer":
        this.#peers.get(message.from)?.receiveDescription("answer", message.sdp);
        break;
      case "ReceiveCandidate":
        this.#peers.get(message.from)?.receiveCandidate(message.candidate);
        break;
      case "Error":
        // A signal racing a peer's departure comes back as PEER_NOT_FOUND
        // after we already dropped that peer: expected, not worth an error.
        if (message.code === "PEER_NOT_FOUND" && message.peer && !this.#peers.has(message.peer)) break;
        this.#error(new RealtimeError(message.code as RealtimeError["code"], message.message, { peerId: message.peer }));
        break;
      case "IceServers":
        this.#setServerIceServers(message.iceServers);
        break;
      case "Token":
      case "Pong":
        break;
    }
  }

  #onSeated({ id, room, peers, resumed, iceServers }: InitializeMessage): void {
    // A fresh seat: the peers we had knew us by the old id. The server
    // refuses a resume with an error first (see #onResumeRefused); this
    // covers a server that seats us afresh without one.
    if (!resumed) this.#dropAll();
    // Fresh on every seating; before any peer connection of this seating is made.
    this.#setServerIceServers(iceServers ?? []);
    this.#id = id;
    const open = { id, room, peers: peers.map((peer) => peer.id), resumed };
    this.#settleJoined?.resolve(open);
    this.#settleJoined = undefined;
    this.emit("open", open);
    if (this.#closed) return; // closed by an `open` handler
    // A resume keeps every peer connection; one that is not connected (it
    // broke while we were away, or was still negotiating) gets an ICE
    // restart, now that its signals can flow again.
    if (resumed) for (const peer of this.#peers.values()) if (!peer.connected) peer.restartIce();
    // Peers we do not know yet (they came while we were away): we are their
    // newcomer. #peer returns the known ones untouched.
    for (const { id: peerId, metadata } of peers) this.#peer(peerId, true, metadata);
  }

  /**
   * The server would not give our seat back (the token was from a server with
   * another secret, expired, or the seat ended): every peer knew us by an id
   * that is gone, so each connection closes and its peer leaves, once. The
   * client then joins as a new peer and meets everyone anew.
   */
  #onResumeRefused(): void {
    if (this.#closed) return;
    this.#dropAll();
  }

  #dropAll(): void {
    // Deleting the entry being visited is safe in a Map iteration.
    for (const peerId of this.#peers.keys()) this.#drop(peerId, "left");
  }

  /**
   * The peer with this id, created (and negotiation started) on first sight.
   * The server only relays within a room, so a signal from an id we have not
   * seen yet is from a peer in our room whose `UserConnected` we raced.
   * `initiator`: we make the first offer (we are the newcomer); otherwise we
   * wait for theirs.
   */
  #peer(peerId: string, initiator: boolean, metadata?: PeerMetadata): Peer | undefined {
    if (this.#closed) return undefined;
    const existing = this.#peers.get(peerId);
    if (existing) return existing;
    const signaling = this.#signaling;
    const { RTCPeerConnection, rtcConfiguration, connectTimeout, iceRestartDelay, iceRestartTimeout, debug } = this.#options;
    const peer = new Peer({
      id: peerId,
      // Deterministic roles: both sides compare the same two ids.
      polite: (this.#id ?? "") < peerId,
      initiator,
      // Read at each creation: a fresh connection (a restart) gets the latest credentials.
      createConnection: () => new RTCPeerConnection(this.#configuration()),
      relayOnly: rtcConfiguration.iceTransportPolicy === "relay",
      context: {
        sendOffer: (sdp) => signaling.send({ event: "SendOffer", to: peerId, sdp }),
        sendAnswer: (sdp) => signaling.send({ event: "SendAnswer", to: peerId, sdp }),
        sendCandidate: (candidate) => signaling.send({ event: "SendCandidate", to: peerId, candidate }),
        canSignal: () => signaling.state !== "closed",
        opened: () => this.emit("peerConnected", { peerId }),
        gone: (reason) => this.#drop(peerId, reason),
        error: (error) => this.#error(error),
      },
      connectTimeout,
      iceRestartDelay,
      iceRestartTimeout,
      debug,
      resources: this.#resources,
      channels: () => this.#channels.specs(),
      attach: (spec, channel, sctp) => this.#channels.get(spec.name)?.attach(peerId, channel, sctp) ?? (() => undefined),
      media: this.#media?.peer(peerId),
    });
    this.#peers.set(peerId, peer);
    this.emit("peerJoined", { peerId, metadata: metadata ?? {} });
    peer.start();
    return peer;
  }

  /** The configuration of a new peer connection: the client's own, its ICE servers followed by the server's. */
  #configuration(): RTCConfiguration {
    const { rtcConfiguration } = this.#options;
    const server = this.#escapeCredentials ? escapeCredentials(this.#serverIceServers) : this.#serverIceServers;
    if (server.length === 0) return rtcConfiguration;
    return { ...rtcConfiguration, iceServers: [...(rtcConfiguration.iceServers ?? []), ...server] };
  }

  /**
   * Takes the server's ICE servers (they replace the last ones) and applies
   * them to every live connection where the stack can. A set this stack
   * refuses (a malformed URL) is reported and ignored: the connections are
   * made with the client's own ICE servers.
   */
  #setServerIceServers(servers: IceServer[]): void {
    if (servers.length === 0 && this.#serverIceServers.length === 0) return;
    const previous = this.#serverIceServers;
    this.#serverIceServers = servers;
    const configuration = this.#configuration();
    try {
      // Checked as the constructor checks the client's own: here, rather
      // than throwing later inside a peer's creation.
      new this.#options.RTCPeerConnection(configuration).close();
    } catch (cause) {
      this.#serverIceServers = previous;
      this.#error(new RealtimeError("INVALID_SERVER_MESSAGE", `RTCPeerConnection refused the server's ICE servers: ${messageOf(cause)}`, { cause }));
      return;
    }
    this.#options.debug("ICE servers from the server", {
      urls: servers.map((server) => server.urls),
      peers: this.#peers.size,
    });
    for (const peer of this.#peers.values()) peer.setConfiguration(configuration);
  }

  #drop(peerId: string, reason: PeerLeftReason): void {
    const peer = this.#peers.get(peerId);
    if (!peer) return;
    this.#peers.delete(peerId);
    this.#media?.left(peerId);
    peer.close();
    this.emit("peerLeft", { peerId, reason });
  }

  #error(error: RealtimeError): void {
    if (this.#closed) return;
    // An error nobody listens to should not vanish.
    if (!this.emit("error", error)) console.error(error);
  }
}
