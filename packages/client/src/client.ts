import { ErrorCodes, SignalingEvents, type ServerMessage } from "@raycaster/realtime-protocol";
import { Emitter } from "./emitter.js";
import { ClientErrorCodes, RealtimeError } from "./errors.js";
import { resolveClientOptions, type ResolvedClientOptions, type RTCClientOptions } from "./options.js";
import { Peer, type PeerLeftReason } from "./peer.js";
import { Resources, type ResourceCounts } from "./resources.js";
import { SignalingConnection } from "./signaling.js";

/** The events of {@link RTCClient}, each with its payload. */
export interface RTCClientEvents {
  /** Joined the room: your id, and the peers already there (each also gets `peerJoined`). */
  open: { id: string; room: string; peers: string[] };
  /** A peer is in the room; negotiation with it has begun. */
  peerJoined: { peerId: string };
  /**
   * The data channel to a peer is open: `send` to it works from now on.
   * Fires once per peer: not again after an ICE restart (the peer never
   * left); `connectedPeers` says whether a channel is open right now.
   */
  peerConnected: { peerId: string };
  /** A message from a peer, already parsed from JSON. */
  message: { peerId: string; data: unknown };
  /** A peer is gone: it left the room, its connection failed, or it closed. */
  peerLeft: { peerId: string; reason: PeerLeftReason };
  /** Something went wrong; `error.code` says what. The client carries on. */
  error: RealtimeError;
  /**
   * The connection to the signaling server closed. Peers already connected
   * stay connected (data flows peer to peer); new peers cannot join you
   * until a new client connects.
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
  #id: string | undefined;
  #closed = false;

  constructor(options: RTCClientOptions) {
    super();
    this.#options = resolveClientOptions(options);
    // A bad configuration (a TURN server without credentials, a malformed
    // URL) throws here, from the constructor, rather than later inside a
    // WebSocket callback where nobody could catch it.
    new this.#options.RTCPeerConnection(this.#options.rtcConfiguration).close();
    this.#signaling = new SignalingConnection(this.#options.url, this.#options.room, this.#options.WebSocket, {
      message: (message) => this.#onSignal(message),
      error: (error) => this.#error(error),
      closed: (code, reason) => this.emit("signalingClosed", { code, reason }),
    });
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
   * Sends a JSON-serialisable value to one peer. Throws a
   * {@link RealtimeError}: `PEER_NOT_CONNECTED` before `peerConnected` (or
   * after `peerLeft`), `NOT_SERIALIZABLE`, `MESSAGE_TOO_LARGE` or `BUFFER_FULL`.
   */
  send(peerId: string, value: unknown): void {
    const peer = this.#peers.get(peerId);
    if (!peer) {
      throw new RealtimeError(ClientErrorCodes.PEER_NOT_CONNECTED, `no peer ${peerId} in the room`, { peerId });
    }
    peer.send(serialize(value));
  }

  /**
   * Sends a JSON-serialisable value to every connected peer; returns how many
   * it was sent to. A peer that cannot take it is reported with an `error`
   * event and skipped.
   */
  broadcast(value: unknown): number {
    const text = serialize(value);
    let sent = 0;
    for (const peer of this.#peers.values()) {
      if (!peer.connected) continue;
      try {
        peer.send(text);
        sent++;
      } catch (error) {
        this.#error(error as RealtimeError); // Peer.send throws nothing else
      }
    }
    return sent;
  }

  /**
   * Counts of live resources: peers, and the peer connections, data channels
   * and timers behind them. All zero after `close()`; a count that only
   * grows while peers come and go is a leak.
   */
  stats(): { peers: number } & ResourceCounts {
    return { peers: this.#peers.size, ...this.#resources.counts() };
  }

  /** Leaves the room and closes every peer connection. Events stop. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#signaling.close();
    for (const peer of this.#peers.values()) peer.close();
    this.#peers.clear();
    this.removeAllListeners();
  }

  #onSignal(message: ServerMessage): void {
    if (this.#closed) return;
    switch (message.event) {
      case SignalingEvents.Initialize:
        this.#id = message.id;
        this.emit("open", { id: message.id, room: message.room, peers: message.peers });
        // A handler may have closed the client; #peer then creates nothing.
        // We are the newcomer: we make the first offer to each of them.
        for (const peerId of message.peers) this.#peer(peerId, true);
        break;
      case SignalingEvents.UserConnected:
        this.#peer(message.id, false);
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
      case SignalingEvents.Token:
      case SignalingEvents.Pong:
        break;
    }
  }

  /**
   * The peer with this id, created (and negotiation started) on first sight.
   * The server only relays within a room, so a signal from an id we have not
   * seen yet is from a peer in our room whose `UserConnected` we raced.
   * `initiator`: we make the first offer (we are the newcomer); otherwise we
   * wait for theirs.
   */
  #peer(peerId: string, initiator: boolean): Peer | undefined {
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
      createConnection: () => new RTCPeerConnection(rtcConfiguration),
      context: {
        sendOffer: (sdp) => signaling.send({ event: SignalingEvents.SendOffer, to: peerId, sdp }),
        sendAnswer: (sdp) => signaling.send({ event: SignalingEvents.SendAnswer, to: peerId, sdp }),
        sendCandidate: (candidate) => signaling.send({ event: SignalingEvents.SendCandidate, to: peerId, candidate }),
        opened: () => this.emit("peerConnected", { peerId }),
        message: (data) => this.emit("message", { peerId, data }),
        gone: (reason) => this.#drop(peerId, reason),
        error: (error) => this.#error(error),
      },
      connectTimeout,
      iceRestartDelay,
      iceRestartTimeout,
      debug,
      resources: this.#resources,
    });
    this.#peers.set(peerId, peer);
    this.emit("peerJoined", { peerId });
    peer.start();
    return peer;
  }

  #drop(peerId: string, reason: PeerLeftReason): void {
    const peer = this.#peers.get(peerId);
    if (!peer) return;
    this.#peers.delete(peerId);
    peer.close();
    this.emit("peerLeft", { peerId, reason });
  }

  #error(error: RealtimeError): void {
    if (this.#closed) return;
    // An error nobody listens to should not vanish.
    if (!this.emit("error", error)) console.error(error);
  }
}

function serialize(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw new RealtimeError(ClientErrorCodes.NOT_SERIALIZABLE, "the value cannot be serialised to JSON", { cause });
  }
  if (text === undefined) {
    throw new RealtimeError(ClientErrorCodes.NOT_SERIALIZABLE, `a value of type ${typeof value} has no JSON form`);
  }
  return text;
}
