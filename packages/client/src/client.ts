import {
  ErrorCodes,
  SignalingEvents,
  type IceServer,
  type InitializeMessage,
  type PeerMetadata,
  type ServerMessage,
} from "@raycaster/realtime-protocol/client";
import type { Channel, SendOptions, TransferProgress } from "./channel.js";
import { connectionInfo, type ConnectionInfo } from "./connectionInfo.js";
import { asyncDisposeSymbol, disposeSymbol } from "./dispose.js";
import { Emitter } from "./emitter.js";
import { Media, mediaUnsupported, splitTarget, supportsMedia, type TrackTarget } from "./media.js";
import { ClientErrorCodes, messageOf, peerError, RealtimeError } from "./errors.js";
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

/** The events of {@link RTCClient}, each with its payload. */
export interface RTCClientEvents {
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
   * A remote media track arrived, with the streams the peer added it to
   * (attach `streams[0]` to a `<video>`). The same track is not reported
   * twice while it lasts; a connection replaced by an ICE restart or a
   * collision brings its tracks again as new objects.
   */
  track: { peerId: string; track: MediaStreamTrack; streams: readonly MediaStream[] };
  /**
   * A remote track reported by `track` ended: the peer removed it (seen
   * when the renegotiation that removed it completes), or the connection it
   * came on was replaced. Not fired for a peer that leaves: `peerLeft`
   * ends all of its tracks.
   */
  trackRemoved: { peerId: string; track: MediaStreamTrack };
  /**
   * A message from a peer on the default channel: a JSON value (parsed), an
   * `ArrayBuffer` (binary sent), or a `Blob` (with its `type`).
   */
  message: { peerId: string; data: unknown };
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
 *
 * @example
 * ```ts
 * const client = new RTCClient({ url: "ws://localhost:3000", room: "lobby" });
 * client.on("peerConnected", ({ peerId }) => client.send(peerId, { hello: "world" }));
 * client.on("message", ({ peerId, data }) => console.log(peerId, data));
 * ```
 */
export class RTCClient extends Emitter<RTCClientEvents> {
  readonly #options: ResolvedClientOptions;
  readonly #signaling: SignalingConnection;
  readonly #peers = new Map<string, Peer>();
  readonly #resources = new Resources();
  readonly #media = new Media();
  /** Whether this RTCPeerConnection carries media (not node-datachannel's polyfill). */
  readonly #mediaSupported: boolean;
  readonly #channels: ChannelRegistry;
  /** ICE servers from the server (`Initialize.iceServers`, renewed by `IceServers`): TURN with credentials for this seat. */
  #serverIceServers: RTCIceServer[] = [];
  /** node-datachannel's polyfill needs TURN credentials escaped (see escapesTurnCredentials). */
  readonly #escapeCredentials: boolean;
  #id: string | undefined;
  #closed = false;
  readonly #joined: Promise<RTCClientEvents["open"]>;
  #settleJoined: { resolve(open: RTCClientEvents["open"]): void; reject(error: RealtimeError): void } | undefined;

  constructor(options: RTCClientOptions) {
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
    // WebSocket callback where nobody could catch it.
    const probe = new this.#options.RTCPeerConnection(this.#options.rtcConfiguration) as RTCPeerConnection;
    this.#mediaSupported = supportsMedia(probe);
    probe.close();
    this.#escapeCredentials = escapesTurnCredentials(this.#options.RTCPeerConnection);
    this.#channels = new ChannelRegistry({
      maxMessageSize: this.#options.maxMessageSize,
      error: (error) => this.#error(error),
      added: (spec) => {
        for (const peer of this.#peers.values()) peer.addChannel(spec);
      },
      removed: (name) => {
        for (const peer of this.#peers.values()) peer.removeChannel(name);
      },
    });
    this.#channels.default.on("message", (event) => this.emit("message", event));
    this.#channels.default.on("progress", (event) => this.emit("progress", event));
    this.#signaling = new SignalingConnection(this.#options, {
      seated: (message) => this.#onSignal(message),
      message: (message) => this.#onSignal(message),
      refused: () => this.#onResumeRefused(),
      error: (error) => {
        if (error.code === ClientErrorCodes.SIGNALING_FAILED) this.#rejectJoined(error);
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
   */
  send(peerId: string, data: unknown, options?: SendOptions): Promise<void> {
    return this.#channels.default.send(peerId, data, options);
  }

  /**
   * Sends `data` to every connected peer on the default channel; resolves
   * with how many peers it was handed to. A peer that cannot take it is
   * reported with an `error` event and not counted.
   */
  broadcast(data: unknown, options?: SendOptions): Promise<number> {
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
   * How this client reaches `peerId` now: the ICE candidate pair in use
   * (`"host"`: direct; `"srflx"`/`"prflx"`: through a NAT; `"relay"`:
   * through TURN) and its round-trip time, from the connection's
   * `getStats()`. Rejects with `PEER_NOT_CONNECTED` for a peer not in the
   * room or with no selected pair (still connecting, or restarting).
   */
  async connectionInfo(peerId: string): Promise<ConnectionInfo> {
    const connection = this.#peers.get(peerId)?.connection;
    if (!connection) {
      throw peerError(ClientErrorCodes.PEER_NOT_CONNECTED, peerId, "not in the room");
    }
    return connectionInfo(connection, peerId);
  }

  /**
   * Sends a media track to every peer, present and future (including the
   * fresh connections ICE restarts make), or with `{ peers }` as last
   * argument to those peers only. `streams` are what the remote side's
   * `track` event reports (give one to keep audio and video of a camera
   * together). Each connection renegotiates through perfect negotiation;
   * tracks added at once on both sides all arrive. Adding a track again
   * extends it to more peers. Throws `MEDIA_UNSUPPORTED` on a WebRTC stack
   * without media (node-datachannel's polyfill).
   *
   * @example
   * ```ts
   * const media = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
   * for (const track of media.getTracks()) client.addTrack(track, media);
   * client.on("track", ({ streams }) => (video.srcObject = streams[0] ?? null));
   * ```
   */
  addTrack(track: MediaStreamTrack, ...streams: MediaStream[]): void;
  addTrack(track: MediaStreamTrack, ...streamsAndTarget: [...streams: MediaStream[], target: TrackTarget]): void;
  addTrack(track: MediaStreamTrack, ...args: (MediaStream | TrackTarget)[]): void {
    this.#checkMedia();
    const { streams, target } = splitTarget(args);
    this.#media.add(track, streams, target);
    void this.#syncTracks(target);
  }

  /**
   * Stops sending a track to every peer (and future ones), or with
   * `{ peers }` to those only; each connection renegotiates, and the remote
   * side gets `trackRemoved`. The track itself is yours: it is not stopped.
   * A track that was not added is ignored. Throws `MEDIA_UNSUPPORTED` on a
   * stack without media.
   */
  removeTrack(track: MediaStreamTrack, target?: TrackTarget): void {
    this.#checkMedia();
    this.#media.remove(track, target);
    void this.#syncTracks(target);
  }

  /**
   * Puts `newTrack` in place of `oldTrack` (a camera switch), for every peer
   * sending it or with `{ peers }` for those only; future peers get the new
   * one. Of the same kind, the senders swap it without renegotiating;
   * otherwise it is removed and added. Resolves when every connection
   * swapped it (a connection that fails reports `NEGOTIATION_FAILED` as an
   * `error` event). Throws `TRACK_NOT_ADDED` when `oldTrack` was never
   * added, `MEDIA_UNSUPPORTED` on a stack without media.
   */
  replaceTrack(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack, target?: TrackTarget): Promise<void> {
    this.#checkMedia();
    if (!this.#media.has(oldTrack)) {
      throw new RealtimeError(ClientErrorCodes.TRACK_NOT_ADDED, `track ${oldTrack.id} was not added with addTrack`);
    }
    this.#media.replace(oldTrack, newTrack, target);
    return this.#syncTracks(target);
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
    this.removeAllListeners();
    this.#rejectJoined(new RealtimeError(ClientErrorCodes.CLIENT_CLOSED, "the client closed before joining"));
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

  #checkMedia(): void {
    if (!this.#mediaSupported) throw mediaUnsupported();
  }

  /** Brings the target peers' connections (every peer when none) to the wanted tracks. */
  async #syncTracks(target: TrackTarget | undefined): Promise<void> {
    const peers = target?.peers ? target.peers.map((id) => this.#peers.get(id)) : [...this.#peers.values()];
    await Promise.all(peers.map(async (peer) => peer?.syncTracks()));
  }

  #onSignal(message: ServerMessage): void {
    if (this.#closed) return;
    switch (message.event) {
      case SignalingEvents.Initialize:
        this.#onSeated(message);
        break;
      case SignalingEvents.UserConnected:
        this.#peer(message.id, false, message.metadata);
        break;
      case SignalingEvents.UserDisconnected:
        this.#drop(message.id, "left");
        break;
      case SignalingEvents.ReceiveOffer:
        this.#peer(message.from, false)?.receiveDescription("offer", message.sdp);
        break;
      case SignalingEvents.ReceiveAnswer:
        this.#peers.get(message.from)?.receiveDescription("answer", message.sdp);
        break;
      case SignalingEvents.ReceiveCandidate:
        this.#peers.get(message.from)?.receiveCandidate(message.candidate);
        break;
      case SignalingEvents.Error:
        // A signal racing a peer's departure comes back as PEER_NOT_FOUND
        // after we already dropped that peer: expected, not worth an error.
        if (message.code === ErrorCodes.PEER_NOT_FOUND && message.peer && !this.#peers.has(message.peer)) break;
        this.#error(
          new RealtimeError(message.code as RealtimeError["code"], message.message, { peerId: message.peer }),
        );
        break;
      case SignalingEvents.IceServers:
        this.#setServerIceServers(message.iceServers);
        break;
      case SignalingEvents.Token:
      case SignalingEvents.Pong:
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
    const { RTCPeerConnection, rtcConfiguration, connectTimeout, iceRestartDelay, iceRestartTimeout, debug } =
      this.#options;
    const peer = new Peer({
      id: peerId,
      // Deterministic roles: both sides compare the same two ids.
      polite: (this.#id ?? "") < peerId,
      initiator,
      // Read at each creation: a fresh connection (a restart) gets the latest credentials.
      createConnection: () => new RTCPeerConnection(this.#configuration()),
      relayOnly: rtcConfiguration.iceTransportPolicy === "relay",
      context: {
        sendOffer: (sdp) => signaling.send({ event: SignalingEvents.SendOffer, to: peerId, sdp }),
        sendAnswer: (sdp) => signaling.send({ event: SignalingEvents.SendAnswer, to: peerId, sdp }),
        sendCandidate: (candidate) => signaling.send({ event: SignalingEvents.SendCandidate, to: peerId, candidate }),
        canSignal: () => signaling.state !== "closed",
        opened: () => this.emit("peerConnected", { peerId }),
        tracks: () => this.#media.tracksFor(peerId),
        track: (track, streams) => this.emit("track", { peerId, track, streams }),
        trackRemoved: (track) => this.emit("trackRemoved", { peerId, track }),
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
      this.#error(
        new RealtimeError(
          ClientErrorCodes.INVALID_SERVER_MESSAGE,
          `RTCPeerConnection refused the server's ICE servers: ${messageOf(cause)}`,
          { cause },
        ),
      );
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
    this.#media.forget(peerId);
    peer.close();
    this.emit("peerLeft", { peerId, reason });
  }

  #error(error: RealtimeError): void {
    if (this.#closed) return;
    // An error nobody listens to should not vanish.
    if (!this.emit("error", error)) console.error(error);
  }
}
