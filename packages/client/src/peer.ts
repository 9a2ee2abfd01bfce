import type { IceCandidate } from "@raycaster/realtime-protocol/client";
import { messageOf, peerError, type RealtimeError } from "./errors.js";
import type { ChannelSpec } from "./channel.js";
import { fingerprintOf, Link, type LinkOptions } from "./link.js";
import type { PeerMedia } from "./extension.js";
import type { CountedTimer, Resources } from "./resources.js";
import { RestartState } from "./restart.js";
import type { PeerConnectionState } from "./webrtcTypes.js";

/**
 * Why a peer went away: it left the room (the server said so), its connection
 * failed (and could not be restored), or it closed while signaling was closed
 * for good, so nothing could restore it or say whether the peer left.
 */
export type PeerLeftReason = "left" | "failed" | "closed";

/** Where messages go that are expected in normal operation but must not vanish. */
export type DebugHook = (message: string, detail?: Record<string, unknown>) => void;

/** What a {@link Peer} needs from its owner: a way to signal, and ears for what happens. */
export interface PeerContext {
  sendOffer(sdp: string): void;
  sendAnswer(sdp: string): void;
  sendCandidate(candidate: IceCandidate | null): void;
  /** Whether signals can still reach the peer (now, or queued until signaling is back). */
  canSignal(): boolean;
  /** The data channel opened for the first time; called once. */
  opened(): void;
  /** The peer is gone for good; called once, never after {@link Peer.close}. */
  gone(reason: PeerLeftReason): void;
  error(error: RealtimeError): void;
}

export interface PeerOptions {
  /** The remote peer's id. */
  id: string;
  /** Whether this side gives way when offers collide: the side with the smaller id. */
  polite: boolean;
  /**
   * Whether this side makes the first offer. The newcomer does (it found the
   * peer in `Initialize.peers`); the other waits for that offer, so a first
   * meeting has no collision and no connection is thrown away.
   */
  initiator: boolean;
  createConnection: () => RTCPeerConnection;
  context: PeerContext;
  /** Milliseconds from `start` for the channel to open first; past it the peer is dropped. `0` waits forever. */
  connectTimeout: number;
  /** Milliseconds a connection may stay `disconnected` before ICE is restarted. */
  iceRestartDelay: number;
  /** Milliseconds an ICE restart has to reconnect; past it the peer is dropped. */
  iceRestartTimeout: number;
  debug: DebugHook;
  resources: Resources;
  /**
   * `iceTransportPolicy: "relay"`: a gathering without a relay candidate is
   * reported as `TURN_UNAVAILABLE`.
   */
  relayOnly: boolean;
  /** The channels each connection carries, the default one first (see {@link LinkOptions.channels}). */
  channels: LinkOptions["channels"];
  /** Hands each connection's channels to their I/O (see {@link LinkOptions.attach}). */
  attach: LinkOptions["attach"];
  /** Media's hooks, when the client has media (see extension.ts); {@link Peer.setMedia} adds them later. */
  media?: PeerMedia | undefined;
}

/**
 * One remote peer: an `RTCPeerConnection`, its pre-negotiated data
 * channels (the default one first, whose state is the peer's), and, when
 * the client has media, the tracks wanted for it, given to each connection
 * as it gets its channels (through the {@link PeerMedia} hooks). Only the
 * negotiation lives here; channel I/O is channel.ts's, media mediaEntry.ts's.
 *
 * First meeting: the initiator (the newcomer) offers; the other side creates
 * its channel only once that offer is applied, so it never has an offer of
 * its own. Later negotiations (ICE restarts) and real collisions follow the
 * perfect negotiation pattern: the impolite side ignores a colliding offer,
 * the polite side gives its own up and answers. Media changes renegotiate
 * the same way: `negotiationneeded`, and after each completed exchange a
 * look at the transceivers (see `needsNegotiation`).
 *
 * ICE restart: a connection `failed`, or `disconnected` for
 * `iceRestartDelay`, restarts ICE with `restartIce()` (browsers,
 * libwebrtc); where the stack has none (node-datachannel throws "Not
 * implemented") a fresh connection is negotiated in its place, with a new
 * negotiated channel of the same id. The remote side sees the new DTLS
 * fingerprint in the offer and answers with a fresh connection too. Either
 * way the app sees no `peerLeft`, and `peerConnected` does not fire again:
 * it means "first connected"; `connectedPeers` says whether `send` works now.
 */
export class Peer {
  readonly id: string;
  readonly #options: PeerOptions;
  readonly #context: PeerContext;
  #link: Link;
  readonly #restarts: RestartState;
  #makingOffer = false;
  /** Remote signals are applied one at a time, in arrival order. */
  #signals: Promise<void> = Promise.resolve();
  #closed = false;
  /** Whether `opened` was reported. */
  #opened = false;
  #connectTimer: CountedTimer | undefined;
  #media: PeerMedia | undefined;

  constructor(options: PeerOptions) {
    this.id = options.id;
    this.#options = options;
    this.#context = options.context;
    this.#media = options.media;
    this.#restarts = new RestartState({
      resources: options.resources,
      delay: options.iceRestartDelay,
      timeout: options.iceRestartTimeout,
      restart: (reason) => this.#restart(reason),
      expired: (reason) => this.#drop(`no reconnection within iceRestartTimeout (${reason})`),
      check: () => this.#onRestartCheck(),
    });
    this.#link = this.#newLink();
    if (options.initiator) this.#openChannel(this.#link);
  }

  /** Whether the data channel is open. */
  get connected(): boolean {
    return this.#link.channel?.readyState === "open";
  }

  /** The current `RTCPeerConnection` (a restart may replace it); `undefined` once closed. */
  get connection(): RTCPeerConnection | undefined {
    return this.#closed ? undefined : this.#link.pc;
  }

  /** Starts the connect timeout, and the first offer if this side is the initiator. */
  start(): void {
    const { connectTimeout, initiator } = this.#options;
    if (connectTimeout > 0) {
      this.#connectTimer = this.#options.resources.timeout(() => {
        this.#connectTimer = undefined;
        this.#drop("no connection within connectTimeout");
      }, connectTimeout);
    }
    if (initiator) void this.#negotiate();
  }

  /**
   * Restarts ICE (the signaling side calls this after a resume, for a peer
   * that is not connected). A restart already under way is tried again: its
   * offer or answer may have been lost with the old socket. Does nothing
   * while this side still waits for the first offer.
   */
  restartIce(): void {
    this.#restart("requested", { again: true });
  }

  /** Applies an offer or answer from the remote peer. */
  receiveDescription(type: "offer" | "answer", sdp: string): void {
    this.#enqueue(async () => {
      let link = this.#link;
      this.#options.debug(`${type} received`, { peerId: this.id, signalingState: link.pc.signalingState });
      if (type === "offer") {
        const collision = this.#makingOffer || link.pc.signalingState !== "stable";
        // The impolite side ignores a colliding offer; its own offer wins.
        // Unless its own has waited for an answer longer than
        // `iceRestartDelay`: then it was lost (with a signaling socket that
        // died), and ignoring theirs would leave both waiting forever.
        const stale = link.offerOut && Date.now() - link.offerSentAt > this.#options.iceRestartDelay;
        if (collision && !this.#options.polite && !stale) {
          this.#options.debug("ignored an offer that collided with ours", { peerId: this.id });
          return;
        }
        const fresh = link.hasRemoteDescription && fingerprintOf(sdp) !== link.remoteFingerprint;
        if (fresh) {
          // The remote side replaced its connection (an ICE restart on a
          // stack without restartIce): a connection cannot change its DTLS
          // peer, so a fresh one answers.
          const reason = "the peer has a fresh connection";
          if (this.#restarts.begin(reason)) this.#options.debug("ICE restart begun", { peerId: this.id, reason });
          this.#replace(false);
        } else if (collision && !link.hasRemoteDescription) {
          // A first-offer collision: see #replace for why not a rollback.
          this.#replace(false);
        }
        link = this.#link;
        // On a later collision the polite side rolls its own offer back,
        // explicitly: libwebrtc in Node (@roamhq/wrtc) refuses an offer in
        // have-local-offer rather than rolling back implicitly.
        if (link.pc.signalingState === "have-local-offer") {
          await link.pc.setLocalDescription({ type: "rollback" });
          link.offerOut = false;
        }
        link.candidates.hold();
      } else if (!link.offerOut) {
        this.#options.debug("ignored an answer to no offer of ours", { peerId: this.id });
        return;
      }
      const pc = link.pc;
      await pc.setRemoteDescription({ type, sdp });
      link.hasRemoteDescription = true;
      link.remoteFingerprint = fingerprintOf(sdp);
      if (link !== this.#link) return;
      if (type === "offer") {
        // The answering side's channels (and tracks) exist only from here, so it never had an offer of its own.
        this.#openChannel(link);
        const answer = await pc.createAnswer();
        await pc.setLocalDescription(answer);
        if (link !== this.#link) return;
        this.#context.sendAnswer(answer.sdp ?? "");
      } else {
        link.offerOut = false;
      }
      link.negotiatedAt = Date.now();
      // Ours go out only now (see CandidateQueues), and theirs are applied
      // after our answer went out.
      link.candidates.release();
      await link.candidates.flush();
      this.#checkRestarted();
      this.#negotiated(link);
    });
  }

  /**
   * An exchange completed: remote tracks it ended are reported, and if our
   * tracks changed since the offer (or a rolled-back offer of ours carried
   * them, or the remote offer had no place for them) we offer again: media
   * renegotiation follows perfect negotiation like everything else.
   */
  #negotiated(link: Link): void {
    if (link !== this.#link || this.#closed) return;
    if (this.#media?.negotiated(link.pc) && link.pc.signalingState === "stable") {
      this.#options.debug("renegotiating media", { peerId: this.id });
      void this.#negotiate();
    }
  }

  /** Opens the link's channel and gives it our tracks: from here on it may offer. */
  #openChannel(link: Link): void {
    link.openChannels();
    void this.#syncLink(link);
  }

  #syncLink(link: Link): Promise<void> {
    try {
      const replaced = this.#media?.sync(link.pc) ?? [];
      // A change that needs negotiating fires `negotiationneeded` (or is found by #negotiated).
      return Promise.all(replaced).then(
        () => undefined,
        (error: unknown) => {
          if (link === this.#link) this.#fail(error);
        },
      );
    } catch (error) {
      this.#fail(error);
      return Promise.resolve();
    }
  }

  /** Adds a remote ICE candidate, or holds it until the remote description is set. */
  receiveCandidate(candidate: IceCandidate | null): void {
    this.#enqueue(async () => {
      const link = this.#link;
      if (link.hasRemoteDescription) await link.candidates.apply(candidate);
      else link.candidates.pend(candidate);
    });
  }

  /** Creates a channel declared after this peer was met, on the current connection at once (fresh ones get it anyway). */
  addChannel(spec: ChannelSpec): void {
    if (!this.#closed) this.#link.addChannel(spec);
  }

  /** Closes a channel the app closed, on every connection of this peer. */
  removeChannel(name: string): void {
    this.#link.removeChannel(name);
    this.#restarts.removeChannel(name);
  }

  /**
   * Media was attached to a client that had this peer already: its hooks
   * take the current connection from here.
   */
  setMedia(media: PeerMedia): void {
    const link = this.#link;
    this.#media = media;
    media.connection(link.pc, () => link === this.#link && !this.#closed);
  }

  /**
   * Brings the current connection's senders to the tracks wanted now
   * (media's `sync`): adds, removes, or swaps them.
   * A connection still waiting for the first offer gets them once that offer
   * is applied. Resolves when swapped tracks are in place; a failure is
   * reported as `NEGOTIATION_FAILED`, never thrown.
   */
  syncTracks(): Promise<void> {
    if (this.#closed || !this.#link.channel) return Promise.resolve();
    return this.#syncLink(this.#link);
  }

  /** Applies renewed ICE servers to the current connection (see {@link Link.setConfiguration}); fresh ones are created with them anyway. */
  setConfiguration(configuration: RTCConfiguration): void {
    if (!this.#closed) this.#link.setConfiguration(configuration);
  }

  /** Closes every connection and timer of this peer. The owner is not told (it asked). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#connectTimer?.clear();
    this.#connectTimer = undefined;
    this.#restarts.close();
    this.#link.close();
  }

  #newLink(): Link {
    const { createConnection, resources, debug, relayOnly, channels, attach } = this.#options;
    const current = (link: Link) => link === this.#link && !this.#closed;
    const link: Link = new Link({
      createConnection,
      resources,
      relayOnly,
      channels,
      attach,
      debug: (message, detail) => debug(message, { peerId: this.id, ...detail }),
      events: {
        candidate: (link, candidate) => {
          if (current(link)) this.#context.sendCandidate(candidate);
        },
        connectionState: (link, state) => {
          if (current(link)) this.#onConnectionState(link, state);
        },
        negotiationNeeded: (link) => {
          if (current(link)) void this.#negotiate();
        },
        channelOpen: (link) => {
          if (current(link)) this.#onOpen();
        },
        channelClose: (link) => {
          if (current(link)) this.#endUnasked("the data channel closed");
        },
        noRelay: (link, detail) => {
          if (current(link)) this.#onNoRelay(detail);
        },
      },
    });
    this.#media?.connection(link.pc, () => current(link));
    return link;
  }

  #onConnectionState(link: Link, state: PeerConnectionState): void {
    switch (state) {
      case "connected":
        this.#restarts.connected();
        this.#checkRestarted();
        break;
      case "disconnected":
        if (this.#opened) this.#restarts.disconnected();
        break;
      case "failed":
        // Before the first connection a failure is reported, not retried: a
        // first meeting must connect by design, and a retry would hide it.
        // During a restart it is tried again, within the same deadline: once
        // both ICE agents have given up, neither sends checks any more, and a
        // path that comes back would never be found.
        if (this.#opened) this.#restart("failed", { again: true });
        else this.#drop("connection failed");
        break;
      case "closed":
        // Our own close detaches this handler, so someone else closed it:
        // the remote side, or libdatachannel after a failed DTLS handshake
        // (it goes failed, then closed at once, before JS reads the state).
        this.#endUnasked("the connection closed");
        break;
      default:
        break;
    }
  }

  /**
   * Relay only, and this gathering found no relay: this connection cannot
   * connect, and the app hears why at once. The peer is not dropped here:
   * the negotiation goes on, so that the remote side, which may be the one
   * waiting for our offer, gathers too and learns its own reason; the
   * connect timeout (or a restart's deadline) ends it as before.
   */
  #onNoRelay(detail: string): void {
    this.#context.error(peerError("TURN_UNAVAILABLE", this.id, `no TURN relay (iceTransportPolicy "relay"): ${detail}`));
  }

  #onOpen(): void {
    this.#connectTimer?.clear();
    this.#connectTimer = undefined;
    if (!this.#opened) {
      this.#opened = true;
      this.#context.opened();
    }
    this.#checkRestarted();
  }

  /**
   * The current connection or its channel ended and we did not ask. Before
   * the first connection that is a failure. After it, it is recovered like
   * a failed connection, with a fresh one (a closed channel or connection
   * cannot be restarted), within `iceRestartTimeout`: libdatachannel reports
   * a dead path only as `closed`, about 30 s on, and a peer that really left
   * is announced by the server (`UserDisconnected`, reason "left") well
   * within that bound; one that vanished is dropped as failed, with an error.
   */
  #endUnasked(what: string): void {
    if (!this.#opened) {
      this.#drop(`${what} before connecting`);
    } else if (!this.#context.canSignal()) {
      // Nobody left to negotiate a fresh connection through, nor to say whether the peer left.
      this.#context.error(peerError("CONNECTION_FAILED", this.id, `${what}, signaling closed: cannot restore`));
      this.#end("closed");
    } else {
      this.#restart(what, { again: true, fresh: true });
    }
  }

  /**
   * Restarts ICE: `restartIce()` where the stack has it, else (or with
   * `fresh`) a fresh connection. `again`: also while a restart is under way,
   * which keeps that restart's deadline.
   */
  #restart(reason: string, { again = false, fresh = false } = {}): void {
    const link = this.#link;
    // Waiting for their first offer: there is nothing of ours to restart.
    if (this.#closed || !link.channel) return;
    if (this.#restarts.begin(reason)) this.#options.debug("ICE restart begun", { peerId: this.id, reason });
    else if (again) this.#options.debug("ICE restart tried again", { peerId: this.id, reason });
    else return;
    // Behind the remote descriptions being applied: a rollback must not cross one.
    this.#enqueue(async () => {
      const current = this.#link;
      if (!fresh && current.offerOut && current.pc.signalingState === "have-local-offer") {
        // An offer of ours went unanswered: lost with a signaling socket
        // that died, or ignored by an impolite peer waiting on its own lost
        // one. Take it back, so that a new one can go out.
        await current.pc.setLocalDescription({ type: "rollback" });
        current.offerOut = false;
      }
      if (fresh) {
        this.#replace(true);
      } else {
        try {
          current.pc.restartIce();
        } catch (error) {
          this.#options.debug("no restartIce: a fresh connection", { peerId: this.id, error });
          this.#replace(true);
        }
      }
      await this.#negotiate();
    });
  }

  /**
   * The restart's periodic look: is it complete, and has our offer waited
   * longer than `iceRestartDelay` for an answer? Then it was lost, and the
   * restart offers again (still within its deadline).
   */
  #onRestartCheck(): void {
    this.#checkRestarted();
    const link = this.#link;
    if (!this.#restarts.active) return;
    const now = Date.now();
    const { iceRestartDelay } = this.#options;
    if (link.offerOut && now - link.offerSentAt > iceRestartDelay) {
      this.#restart("our offer got no answer", { again: true });
    } else if (!link.offerOut && link.negotiatedAt > 0 && now - link.negotiatedAt > 2 * iceRestartDelay && link.pc.connectionState !== "connected") {
      // Negotiated, yet not connected: the checks of that round may all have
      // been spent while the path was still down (libdatachannel then sits
      // in `connecting` for good). A new round starts checks afresh.
      this.#restart("not connected after negotiating", { again: true });
    }
  }

  /** Ends a restart once the current connection is connected, its channel open and no negotiation pending. */
  #checkRestarted(): void {
    if (!this.#restarts.active) return;
    const { pc, channel } = this.#link;
    if (pc.connectionState !== "connected" || channel?.readyState !== "open" || pc.signalingState !== "stable") return;
    // An offer on its way: the restart is complete once it is answered.
    if (this.#makingOffer || this.#link.offerOut) return;
    this.#restarts.complete();
    this.#options.debug("ICE restart complete", { peerId: this.id });
  }

  /**
   * Puts a fresh connection in place of the current one: for a restart on a
   * stack without `restartIce` (`offering`: with its channel, so it offers),
   * or to answer a first-offer collision (without: its channel comes once
   * the remote offer is applied, so it never holds an offer of its own).
   * Rolling that first offer back is what perfect negotiation prescribes,
   * but neither stack does it reliably: Chromium then sometimes gathers no
   * ICE candidates, and libdatachannel sometimes keeps its offerer's ICE
   * role and fails DTLS.
   */
  #replace(offering: boolean): void {
    const old = this.#link;
    this.#makingOffer = false;
    this.#link = this.#newLink();
    if (offering) this.#openChannel(this.#link);
    // Its remote tracks go with it; the fresh connection brings them anew.
    this.#media?.replaced(old.pc);
    // One that carried the channel stays open until the fresh one does.
    if (old.channelOpened) this.#restarts.retire(old);
    else old.close();
  }

  async #negotiate(): Promise<void> {
    const link = this.#link;
    const pc = link.pc;
    // No channel: this side waits for the remote offer. An offer out: wait for its answer.
    if (this.#makingOffer || this.#closed || !link.channel || link.offerOut) return;
    try {
      this.#makingOffer = true;
      const offer = await pc.createOffer();
      // A remote offer may have been applied meanwhile (or this connection
      // replaced); then we answer it instead.
      if (link !== this.#link || this.#closed || pc.signalingState === "have-remote-offer") return;
      link.candidates.hold();
      await pc.setLocalDescription(offer);
      if (link !== this.#link || this.#closed) return;
      link.offerOut = true;
      link.offerSentAt = Date.now();
      this.#context.sendOffer(offer.sdp ?? "");
      this.#options.debug("offer sent", { peerId: this.id });
    } catch (error) {
      if (link === this.#link) this.#fail(error);
    } finally {
      if (link === this.#link) this.#makingOffer = false;
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

  #fail(cause: unknown): void {
    if (this.#closed) return;
    this.#context.error(peerError("NEGOTIATION_FAILED", this.id, `negotiation failed: ${messageOf(cause)}`, cause));
  }

  /** Drops the peer as failed: `error` CONNECTION_FAILED, then `gone("failed")`. */
  #drop(what: string): void {
    if (this.#closed) return;
    this.#context.error(peerError("CONNECTION_FAILED", this.id, what));
    this.#end("failed");
  }

  #end(reason: PeerLeftReason): void {
    if (this.#closed) return;
    this.close();
    this.#context.gone(reason);
  }
}
