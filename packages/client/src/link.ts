import type { IceCandidate } from "@raycaster/realtime-protocol/client";
import { CandidateQueues } from "./candidates.js";
import type { ChannelSpec } from "./channel.js";
import type { Resources } from "./resources.js";
import { hasRelayCandidate, isRelayCandidate } from "./turn.js";
import type { PeerConnectionState } from "./webrtcTypes.js";

/** What a {@link Link} reports; each call names the link, so its owner can tell a current one from a retired one. */
export interface LinkEvents {
  candidate(link: Link, candidate: IceCandidate | null): void;
  connectionState(link: Link, state: PeerConnectionState): void;
  negotiationNeeded(link: Link): void;
  channelOpen(link: Link): void;
  channelClose(link: Link): void;
  /** With `relayOnly`: a round of ICE gathering finished without a relay candidate; `detail` says what is known of why. */
  noRelay(link: Link, detail: string): void;
}

export interface LinkOptions {
  createConnection: () => RTCPeerConnection;
  resources: Resources;
  events: LinkEvents;
  debug: (message: string, detail?: Record<string, unknown>) => void;
  /** `iceTransportPolicy: "relay"`: a gathering without a relay candidate is reported (`noRelay`). */
  relayOnly: boolean;
  /** The channels every connection carries; the first is the default one, whose state is the peer's. */
  channels: () => ChannelSpec[];
  /** Hands a channel to its I/O (channel.ts); returns what detaches it when this connection closes. */
  attach: (spec: ChannelSpec, channel: RTCDataChannel, sctp: () => RTCSctpTransport | null | undefined) => () => void;
}

/**
 * One `RTCPeerConnection` to a peer, its data channel and its candidate
 * queues. A peer normally has one for its whole life; it gets a fresh one
 * when a first-offer collision or an ICE restart on a stack without
 * `restartIce` (node-datachannel) needs it. The link only wires and
 * releases; the negotiation itself is the peer's.
 */
export class Link {
  readonly pc: RTCPeerConnection;
  /** The default channel (the first spec); undefined until {@link openChannels}. */
  channel: RTCDataChannel | undefined;
  /** Every channel of this connection by name, with what detaches it from its I/O. */
  readonly #channels = new Map<string, { channel: RTCDataChannel; detach: () => void }>();
  readonly candidates: CandidateQueues;
  /** Whether a remote description was applied to this connection. */
  hasRemoteDescription = false;
  /** The remote DTLS fingerprint of the last description applied: a new one means the remote made a fresh connection. */
  remoteFingerprint: string | undefined;
  /** Whether we sent an offer that is not answered yet. */
  offerOut = false;
  /** When the unanswered offer went out (ms since the epoch). */
  offerSentAt = 0;
  /** When the last offer/answer exchange on this connection completed (ms since the epoch; 0: none yet). */
  negotiatedAt = 0;
  /** Whether its channel ever opened. */
  channelOpened = false;
  closed = false;
  readonly #resources: Resources;
  readonly #events: LinkEvents;
  /** This gathering round: whether a relay candidate came, and whether its end was handled. */
  #relayGathered = false;
  #gatheringEnded = false;
  /** The last error a TURN server answered with (`icecandidateerror`), for the `noRelay` report. */
  #turnError: string | undefined;
  readonly #debug: LinkOptions["debug"];
  readonly #options: LinkOptions;

  constructor(options: LinkOptions) {
    const { createConnection, resources, events, debug, relayOnly } = options;
    this.#options = options;
    this.#resources = resources;
    this.#events = events;
    this.#debug = debug;
    const pc = createConnection();
    this.pc = pc;
    resources.connectionCreated(pc);
    this.candidates = new CandidateQueues({
      send: (candidate) => {
        if (!this.closed) events.candidate(this, candidate);
      },
      apply: async (candidate) => {
        // libwebrtc in Node (@roamhq/wrtc) never settles addIceCandidate on
        // a closed connection, which would stall every later signal of the
        // peer; one closed under us is being replaced anyway.
        if (pc.signalingState === "closed") return debug("remote candidate dropped: connection closed", { candidate });
        try {
          await pc.addIceCandidate(candidate ?? undefined);
        } catch (error) {
          // Expected now and then: a candidate of an offer that was ignored
          // (glare) or of an ICE generation that ended. A connection that
          // really cannot be made surfaces as CONNECTION_FAILED.
          debug("remote candidate not applied", { candidate, error });
        }
      },
      debug,
    });
    pc.onicecandidate = ({ candidate }) => {
      if (this.closed) return;
      if (candidate === null) {
        if (relayOnly) this.#gatheringEnd();
      } else if (isRelayCandidate(candidate)) {
        this.#relayGathered = true;
      }
      this.candidates.local(
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
      if (!this.closed) events.connectionState(this, pc.connectionState);
    };
    pc.onnegotiationneeded = () => {
      if (!this.closed) events.negotiationNeeded(this);
    };
    if (relayOnly) {
      pc.onicegatheringstatechange = () => {
        if (this.closed) return;
        if (pc.iceGatheringState === "gathering") {
          // A new round (an ICE restart): judged afresh.
          this.#relayGathered = this.#gatheringEnded = false;
          this.#turnError = undefined;
        } else if (pc.iceGatheringState === "complete") {
          this.#gatheringEnd();
        }
      };
      // Where the stack reports them (browsers, libwebrtc; not
      // libdatachannel). 701 (a server not reached on some interface) is
      // routine; a TURN server's own answer, 401 above all, is the reason.
      pc.onicecandidateerror = (event) => {
        if (this.closed) return;
        const { url, errorCode, errorText } = event as RTCPeerConnectionIceErrorEvent;
        debug("ICE candidate error", { url, errorCode, errorText });
        if (/^turns?:/.test(url ?? "") && errorCode !== 701) {
          this.#turnError = `${url} answered ${errorCode}${errorText ? ` (${errorText})` : ""}${errorCode === 401 ? ": the credentials were refused" : ""}`;
        }
      };
    }
  }

  /**
   * Applies fresh ICE servers to the live connection, where the stack can:
   * browsers and libwebrtc use them for the next ICE restart.
   * node-datachannel's `setConfiguration` only stores them, but its ICE
   * restarts make a fresh connection, which is created with them.
   */
  setConfiguration(configuration: RTCConfiguration): void {
    if (this.closed) return;
    const debug = this.#debug;
    if (typeof this.pc.setConfiguration !== "function") {
      debug("no setConfiguration: renewed ICE servers apply to new connections");
      return;
    }
    try {
      this.pc.setConfiguration(configuration);
    } catch (error) {
      debug("setConfiguration failed: renewed ICE servers apply to new connections", { error });
    }
  }

  /** A gathering round ended (end-of-candidates, or its state says complete): was there a relay candidate? Once per round. */
  #gatheringEnd(): void {
    if (this.#gatheringEnded) return;
    this.#gatheringEnded = true;
    // libdatachannel reports the end before its last candidates' events,
    // but by then they are in the local description.
    if (this.#relayGathered || hasRelayCandidate(this.pc.localDescription?.sdp)) return;
    this.#events.noRelay(this, this.#turnError ?? "none gathered: no TURN server configured or reachable, or it refused the credentials");
  }

  /**
   * Creates every channel, pre-negotiated (both sides do, with the same ids,
   * so neither waits for a `datachannel` event). The default one's state is
   * the peer's: its open and close are reported.
   */
  openChannels(): void {
    if (this.channel || this.closed) return;
    const [first, ...rest] = this.#options.channels();
    if (!first) return;
    const channel = this.#create(first);
    this.channel = channel;
    channel.onopen = () => {
      if (this.closed) return;
      this.channelOpened = true;
      this.#events.channelOpen(this);
    };
    channel.onclose = () => {
      if (!this.closed) this.#events.channelClose(this);
    };
    for (const spec of rest) this.#create(spec);
  }

  /**
   * Creates one more channel on this connection, if its channels exist
   * already (else {@link openChannels} will): a pre-negotiated channel
   * needs no renegotiation.
   */
  addChannel(spec: ChannelSpec): void {
    if (this.channel && !this.closed && !this.#channels.has(spec.name)) this.#create(spec);
  }

  /** Closes the channel named `name`, if this connection has it. */
  removeChannel(name: string): void {
    const entry = this.#channels.get(name);
    if (!entry) return;
    this.#channels.delete(name);
    entry.detach();
    entry.channel.close();
    this.#resources.channelClosed(entry.channel);
  }

  #create(spec: ChannelSpec): RTCDataChannel {
    const { name, id, ordered, maxRetransmits, maxPacketLifeTime } = spec;
    const init: RTCDataChannelInit = { negotiated: true, id, ordered };
    if (maxRetransmits !== undefined) init.maxRetransmits = maxRetransmits;
    if (maxPacketLifeTime !== undefined) init.maxPacketLifeTime = maxPacketLifeTime;
    const channel = this.pc.createDataChannel(name, init);
    this.#resources.channelCreated(channel);
    channel.addEventListener("close", () => this.#resources.channelClosed(channel));
    const detach = this.#options.attach(spec, channel, () => this.pc.sctp);
    this.#channels.set(name, { channel, detach });
    return channel;
  }

  /** Closes the channel and the connection, detaches every handler, and releases their counts. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.candidates.clear();
    const { pc, channel } = this;
    pc.onicecandidate = pc.onconnectionstatechange = pc.onnegotiationneeded = null;
    pc.onicegatheringstatechange = pc.onicecandidateerror = null;
    if (channel) channel.onopen = channel.onclose = null;
    // Deleting the entry being visited is safe in a Map iteration.
    for (const name of this.#channels.keys()) this.removeChannel(name);
    pc.close();
    this.#resources.connectionClosed(pc);
  }
}

/** The DTLS fingerprint an SDP carries (session or first media level), if any. */
export function fingerprintOf(sdp: string): string | undefined {
  return /^a=fingerprint:(.+)$/m.exec(sdp)?.[1]?.trim();
}
