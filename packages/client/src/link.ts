import type { IceCandidate } from "@raycaster/realtime-protocol";
import { CandidateQueues } from "./candidates.js";
import { LinkMedia } from "./media.js";
import type { Resources } from "./resources.js";
import { hasRelayCandidate, isRelayCandidate } from "./turn.js";

/** What a {@link Link} reports; each call names the link, so its owner can tell a current one from a retired one. */
export interface LinkEvents {
  candidate(link: Link, candidate: IceCandidate | null): void;
  connectionState(link: Link, state: RTCPeerConnectionState): void;
  negotiationNeeded(link: Link): void;
  channelOpen(link: Link): void;
  channelClose(link: Link): void;
  message(link: Link, data: unknown): void;
  /** A remote track arrived (`ontrack`). */
  track(link: Link, event: RTCTrackEvent): void;
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
}

/** The label and id both sides give their negotiated channel. */
const CHANNEL_LABEL = "realtime";
const CHANNEL_ID = 0;

/**
 * One `RTCPeerConnection` to a peer, its data channel and its candidate
 * queues. A peer normally has one for its whole life; it gets a fresh one
 * when a first-offer collision or an ICE restart on a stack without
 * `restartIce` (node-datachannel) needs it. The link only wires and
 * releases; the negotiation itself is the peer's.
 */
export class Link {
  readonly pc: RTCPeerConnection;
  channel: RTCDataChannel | undefined;
  readonly candidates: CandidateQueues;
  /** Our tracks' senders on this connection, and the remote tracks reported. */
  readonly media = new LinkMedia();
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

  constructor({ createConnection, resources, events, debug, relayOnly }: LinkOptions) {
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
        try {
          await pc.addIceCandidate(candidate ?? undefined);
        } catch (error) {
          // Expected now and then: a candidate of an offer that was ignored
          // (glare) or of an ICE generation that ended. A connection that
          // really cannot be made surfaces as CONNECTION_FAILED.
          debug("a remote ICE candidate could not be applied", { candidate, error });
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
    pc.ontrack = (event) => {
      if (!this.closed) events.track(this, event);
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
      debug("this RTCPeerConnection has no setConfiguration: renewed ICE servers apply to new connections only");
      return;
    }
    try {
      this.pc.setConfiguration(configuration);
    } catch (error) {
      debug("setConfiguration refused the renewed ICE servers: they apply to new connections only", { error });
    }
  }

  /** A gathering round ended (end-of-candidates, or its state says complete): was there a relay candidate? Once per round. */
  #gatheringEnd(): void {
    if (this.#gatheringEnded) return;
    this.#gatheringEnded = true;
    // libdatachannel reports the end before its last candidates' events,
    // but by then they are in the local description.
    if (this.#relayGathered || hasRelayCandidate(this.pc.localDescription?.sdp)) return;
    this.#events.noRelay(
      this,
      this.#turnError ??
        "ICE gathering completed without one: no TURN server is configured, it could not be reached, or it refused the credentials",
    );
  }

  /** Creates the negotiated channel (both sides do, with the same id, so neither waits for a `datachannel` event). */
  openChannel(): void {
    if (this.channel || this.closed) return;
    const channel = this.pc.createDataChannel(CHANNEL_LABEL, { negotiated: true, id: CHANNEL_ID, ordered: true });
    this.channel = channel;
    this.#resources.channelCreated(channel);
    channel.onopen = () => {
      if (this.closed) return;
      this.channelOpened = true;
      this.#events.channelOpen(this);
    };
    channel.onmessage = ({ data }) => {
      if (!this.closed) this.#events.message(this, data);
    };
    channel.onclose = () => {
      this.#resources.channelClosed(channel);
      if (!this.closed) this.#events.channelClose(this);
    };
  }

  /** Closes the channel and the connection, detaches every handler, and releases their counts. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.candidates.clear();
    const { pc, channel } = this;
    pc.onicecandidate = pc.onconnectionstatechange = pc.onnegotiationneeded = pc.ontrack = null;
    pc.onicegatheringstatechange = pc.onicecandidateerror = null;
    if (channel) {
      channel.onopen = channel.onmessage = channel.onclose = null;
      channel.close();
      this.#resources.channelClosed(channel);
    }
    pc.close();
    this.#resources.connectionClosed(pc);
  }
}

/** The DTLS fingerprint an SDP carries (session or first media level), if any. */
export function fingerprintOf(sdp: string): string | undefined {
  return /^a=fingerprint:(.+)$/m.exec(sdp)?.[1]?.trim();
}
