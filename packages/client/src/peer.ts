import type { IceCandidate } from "@raycaster/realtime-protocol";
import { ClientErrorCodes, RealtimeError } from "./errors.js";

/** Why a peer went away: it left the room, its connection failed, or it closed. */
export type PeerLeftReason = "left" | "failed" | "closed";

/** What a {@link Peer} needs from its owner: a way to signal, and ears for what happens. */
export interface PeerContext {
  sendOffer(sdp: string): void;
  sendAnswer(sdp: string): void;
  sendCandidate(candidate: IceCandidate | null): void;
  opened(): void;
  message(data: unknown): void;
  /** The peer is gone for good; called once, never after {@link Peer.close}. */
  gone(reason: PeerLeftReason): void;
  error(error: RealtimeError): void;
}

/**
 * Candidates that arrive before the remote description are held until it is
 * set. A peer sends a few per network interface; past this many, the rest
 * are dropped rather than letting a misbehaving peer grow the queue.
 */
const MAX_PENDING_CANDIDATES = 64;

/**
 * Bytes the data channel may hold unsent before `send` refuses more; this
 * bounds memory when the remote peer reads slower than we write.
 */
export const MAX_BUFFERED_AMOUNT = 8 * 1024 * 1024;

/** Chrome's and libdatachannel's default when the SCTP transport does not say. */
const DEFAULT_MAX_MESSAGE_SIZE = 256 * 1024;

/**
 * One remote peer: an `RTCPeerConnection` negotiated with the perfect
 * negotiation pattern, and one reliable, ordered data channel carrying JSON.
 *
 * Both sides create the channel as a negotiated channel (same id), so neither
 * waits for the other's `datachannel` event, and both may start negotiating
 * at once. The glare that follows is resolved the perfect-negotiation way:
 * the impolite side ignores the polite side's offer, and the polite side
 * gives its own up and answers.
 */
export class Peer {
  readonly id: string;
  readonly #polite: boolean;
  readonly #context: PeerContext;
  readonly #createConnection: () => RTCPeerConnection;
  #pc!: RTCPeerConnection;
  /** Undefined only between a replacement connection and its remote offer. */
  #channel: RTCDataChannel | undefined;
  #makingOffer = false;
  #hasRemoteDescription = false;
  #pendingCandidates: IceCandidate[] = [];
  /** Remote signals are applied one at a time, in arrival order. */
  #signals: Promise<void> = Promise.resolve();
  #closed = false;
  readonly #connectTimeout: number;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param connectTimeout Milliseconds from `start` for the data channel to
   * open; past it the peer is dropped as failed, so a negotiation that
   * stalled (a lost signal, a failure, the signaling server gone) does not
   * leave it pending forever. `0` waits forever.
   */
  constructor(
    id: string,
    polite: boolean,
    createConnection: () => RTCPeerConnection,
    context: PeerContext,
    connectTimeout: number,
  ) {
    this.id = id;
    this.#polite = polite;
    this.#context = context;
    this.#createConnection = createConnection;
    this.#connectTimeout = connectTimeout;
    this.#connect();
  }

  /** Creates the connection (and its channel, unless told not to), listening to them while they are current. */
  #connect(withChannel = true): void {
    const pc = this.#createConnection();
    const context = this.#context;
    const current = () => this.#isCurrent(pc);
    this.#pc = pc;
    this.#channel = undefined;

    pc.onicecandidate = ({ candidate }) => {
      if (!current()) return;
      context.sendCandidate(
        candidate
          ? {
              candidate: candidate.candidate,
              sdpMid: candidate.sdpMid,
              sdpMLineIndex: candidate.sdpMLineIndex,
              usernameFragment: candidate.usernameFragment,
            }
          : null,
      );
    };
    pc.onconnectionstatechange = () => {
      if (!current() || pc.connectionState !== "failed") return;
      context.error(
        new RealtimeError(ClientErrorCodes.CONNECTION_FAILED, `the connection to peer ${this.id} failed`, {
          peerId: this.id,
        }),
      );
      this.#end("failed");
    };
    // Renegotiation (tracks, ICE restarts) comes through here. When, and
    // whether, implementations fire it for the first offer differs (browsers
    // after a task, node-datachannel inside createDataChannel); `start`
    // makes sure the first offer goes out either way.
    pc.onnegotiationneeded = () => {
      if (current()) void this.#negotiate();
    };
    if (withChannel) this.#openChannel();
  }

  #openChannel(): void {
    const pc = this.#pc;
    const context = this.#context;
    const current = () => this.#isCurrent(pc);
    const channel = pc.createDataChannel("realtime", { negotiated: true, id: 0, ordered: true });
    this.#channel = channel;
    channel.onopen = () => {
      if (!current()) return;
      clearTimeout(this.#connectTimer);
      context.opened();
    };
    channel.onmessage = ({ data }) => {
      if (current()) this.#receive(data);
    };
    channel.onclose = () => {
      if (current()) this.#end("closed");
    };
  }

  /** Whether events of `pc` still matter: it was not replaced, and the peer is not closed. */
  #isCurrent(pc: RTCPeerConnection): boolean {
    return pc === this.#pc && !this.#closed;
  }

  /**
   * Gives up a connection whose first offer collided, for a fresh one that
   * answers. Rolling that first offer back is what perfect negotiation
   * prescribes, but neither stack does it reliably: Chromium then sometimes
   * gathers no ICE candidates (1 in 4 first meetings with Chromium 156), and
   * libdatachannel sometimes keeps its offerer's ICE role and fails DTLS. The
   * fresh connection gets its channel only once the remote offer is applied,
   * so it never holds an offer of its own (libdatachannel makes one as soon
   * as a channel exists) and has nothing to roll back.
   */
  #reconnect(): void {
    const old = this.#pc;
    this.#makingOffer = false;
    this.#connect(false);
    old.close();
  }

  /** Whether the data channel is open. */
  get connected(): boolean {
    return this.#channel?.readyState === "open";
  }

  /** Sends the first offer. Safe to race with `negotiationneeded`: one of them wins. */
  start(): void {
    if (this.#connectTimeout > 0) {
      this.#connectTimer = setTimeout(() => {
        this.#context.error(
          new RealtimeError(
            ClientErrorCodes.CONNECTION_FAILED,
            `peer ${this.id} did not connect within ${this.#connectTimeout} ms`,
            { peerId: this.id },
          ),
        );
        this.#end("failed");
      }, this.#connectTimeout);
    }
    void this.#negotiate();
  }

  /** Applies an offer or answer from the remote peer. */
  receiveDescription(type: "offer" | "answer", sdp: string): void {
    this.#enqueue(async () => {
      const collision =
        type === "offer" && (this.#makingOffer || this.#pc.signalingState !== "stable");
      // The impolite side ignores a colliding offer; its own offer wins.
      if (collision && !this.#polite) return;
      if (collision && !this.#hasRemoteDescription) this.#reconnect();
      // On a later collision the polite side's pending offer is rolled back
      // implicitly by setRemoteDescription (browsers and libdatachannel alike).
      const pc = this.#pc;
      await pc.setRemoteDescription({ type, sdp });
      this.#hasRemoteDescription = true;
      if (pc === this.#pc && !this.#channel) this.#openChannel();
      await this.#flushCandidates();
      if (type === "offer") {
        const answer = await pc.createAnswer();
        await pc.setLocalDescription(answer);
        this.#context.sendAnswer(answer.sdp ?? "");
      }
    });
  }

  /** Adds a remote ICE candidate, or holds it until the remote description is set. */
  receiveCandidate(candidate: IceCandidate | null): void {
    this.#enqueue(async () => {
      if (!this.#hasRemoteDescription) {
        if (candidate && this.#pendingCandidates.length < MAX_PENDING_CANDIDATES) {
          this.#pendingCandidates.push(candidate);
        }
        return;
      }
      await this.#addCandidate(candidate);
    });
  }

  /** Sends one already-serialised JSON text. Throws a {@link RealtimeError} when it cannot. */
  send(text: string): void {
    const channel = this.#channel;
    if (channel?.readyState !== "open") {
      throw new RealtimeError(ClientErrorCodes.PEER_NOT_CONNECTED, `peer ${this.id} is not connected`, {
        peerId: this.id,
      });
    }
    // UTF-8 takes at most 3 bytes per UTF-16 unit: measure only when it could matter.
    const limit = this.#pc.sctp?.maxMessageSize || DEFAULT_MAX_MESSAGE_SIZE;
    const size = text.length * 3 <= limit ? text.length : new TextEncoder().encode(text).length;
    if (size > limit) {
      throw new RealtimeError(
        ClientErrorCodes.MESSAGE_TOO_LARGE,
        `the message is ${size} bytes; the channel to peer ${this.id} carries at most ${limit}`,
        { peerId: this.id },
      );
    }
    if (channel.bufferedAmount + size > MAX_BUFFERED_AMOUNT) {
      throw new RealtimeError(
        ClientErrorCodes.BUFFER_FULL,
        `${channel.bufferedAmount} bytes are still waiting to be sent to peer ${this.id}`,
        { peerId: this.id },
      );
    }
    try {
      channel.send(text);
    } catch (cause) {
      // The channel closed between the check above and now.
      throw new RealtimeError(ClientErrorCodes.PEER_NOT_CONNECTED, `peer ${this.id} is not connected`, {
        peerId: this.id,
        cause,
      });
    }
  }

  /** Restarts ICE. STUB on the reconnect branch: a no-op until the peer rewrite replaces it. */
  restartIce(): void {
    // Intentionally empty (see above).
  }

  /** Closes the connection. The owner is not told (it asked). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#connectTimer);
    this.#pendingCandidates = [];
    this.#channel?.close();
    this.#pc.close();
  }

  async #negotiate(): Promise<void> {
    if (this.#makingOffer || this.#closed) return;
    const pc = this.#pc;
    try {
      this.#makingOffer = true;
      const offer = await pc.createOffer();
      // A remote offer may have been applied meanwhile (or this connection
      // replaced); then we answer it instead.
      if (pc !== this.#pc || this.#closed || pc.signalingState === "have-remote-offer") return;
      await pc.setLocalDescription(offer);
      if (pc !== this.#pc) return;
      this.#context.sendOffer(offer.sdp ?? "");
    } catch (error) {
      if (pc === this.#pc) this.#fail(error);
    } finally {
      if (pc === this.#pc) this.#makingOffer = false;
    }
  }

  #enqueue(step: () => Promise<void>): void {
    this.#signals = this.#signals.then(async () => {
      if (this.#closed) return;
      try {
        await step();
      } catch (error) {
        this.#fail(error);
      }
    });
  }

  async #flushCandidates(): Promise<void> {
    const pending = this.#pendingCandidates;
    this.#pendingCandidates = [];
    for (const candidate of pending) await this.#addCandidate(candidate);
  }

  async #addCandidate(candidate: IceCandidate | null): Promise<void> {
    try {
      await this.#pc.addIceCandidate(candidate ?? undefined);
    } catch {
      // Candidates of an offer we ignored (glare), or of a generation that
      // ended, fail to apply; that is expected. A connection that really
      // cannot be made surfaces as CONNECTION_FAILED.
    }
  }

  #receive(data: unknown): void {
    if (typeof data !== "string") {
      this.#context.error(
        new RealtimeError(ClientErrorCodes.INVALID_PEER_MESSAGE, `peer ${this.id} sent binary data`, {
          peerId: this.id,
        }),
      );
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch (cause) {
      this.#context.error(
        new RealtimeError(ClientErrorCodes.INVALID_PEER_MESSAGE, `peer ${this.id} sent a message that is not JSON`, {
          peerId: this.id,
          cause,
        }),
      );
      return;
    }
    this.#context.message(value);
  }

  #fail(cause: unknown): void {
    if (this.#closed) return;
    const reason = cause instanceof Error ? cause.message : String(cause);
    this.#context.error(
      new RealtimeError(ClientErrorCodes.NEGOTIATION_FAILED, `negotiation with peer ${this.id} failed: ${reason}`, {
        peerId: this.id,
        cause,
      }),
    );
  }

  #end(reason: PeerLeftReason): void {
    if (this.#closed) return;
    this.close();
    this.#context.gone(reason);
  }
}
