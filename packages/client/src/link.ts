import type { IceCandidate } from "@raycaster/realtime-protocol";
import { CandidateQueues } from "./candidates.js";
import type { Resources } from "./resources.js";

/** What a {@link Link} reports; each call names the link, so its owner can tell a current one from a retired one. */
export interface LinkEvents {
  candidate(link: Link, candidate: IceCandidate | null): void;
  connectionState(link: Link, state: RTCPeerConnectionState): void;
  negotiationNeeded(link: Link): void;
  channelOpen(link: Link): void;
  channelClose(link: Link): void;
  message(link: Link, data: unknown): void;
}

export interface LinkOptions {
  createConnection: () => RTCPeerConnection;
  resources: Resources;
  events: LinkEvents;
  debug: (message: string, detail?: Record<string, unknown>) => void;
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

  constructor({ createConnection, resources, events, debug }: LinkOptions) {
    this.#resources = resources;
    this.#events = events;
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
    pc.onicecandidate = pc.onconnectionstatechange = pc.onnegotiationneeded = null;
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
