import { Recorder, type Recorded } from "@raycaster/realtime-test-harness";
import { onTestFinished } from "vitest";
import { RTCPeerConnection } from "./webrtc.js";
import { Peer, type PeerLeftReason } from "../src/peer.js";
import { Resources } from "../src/resources.js";
import { Channel, type ChannelSpec } from "../src/channel.js";
import { DEFAULT_CHANNEL } from "../src/registry.js";
import type { RealtimeError } from "../src/errors.js";
import { peerMedia, type LocalTrack } from "../src/media.js";

/** How long a wait of a wired side lasts: longer than any product timeout these tests set, shorter than the test timeout. */
const DEADLINE = 15_000;

type Signal = { kind: "description"; type: "offer" | "answer"; sdp: string } | { kind: "candidate"; candidate: Parameters<Peer["receiveCandidate"]>[0] };

/** What a side's peer reports through its context, by name. */
export interface SideEvents {
  opened: undefined;
  gone: PeerLeftReason;
  error: RealtimeError;
  message: unknown;
  debug: string;
  track: MediaStreamTrack;
  trackRemoved: MediaStreamTrack;
}

/** One side of a wired pair: the peer and everything it reported. */
export interface Side {
  peer: Peer;
  /** The default channel's I/O, as the client has it. */
  channel: Channel;
  /** The named channel's, with `named`. */
  named: Channel | undefined;
  resources: Resources;
  /** Every RTCPeerConnection this side created. */
  created: InstanceType<typeof RTCPeerConnection>[];
  sent: Signal[];
  /** The local tracks this side's peer is to send (change it, then call `peer.syncTracks()`). */
  tracks: LocalTrack[];
  events: Recorded<SideEvents>[];
  /**
   * Resolves with the first event of `name` that `match` accepts, past or
   * future; rejects, naming what it waited for and what it saw, when the
   * peer is gone first or after a deadline shorter than the test timeout.
   */
  when<K extends keyof SideEvents>(name: K, match?: (value: SideEvents[K]) => boolean): Promise<SideEvents[K]>;
}

/**
 * Two {@link Peer}s with real RTCPeerConnections, signaling each other
 * directly (each signal one macrotask later, as a socket would deliver it):
 * the negotiation logic alone, with roles the server would never hand out,
 * such as both sides initiating. `holdOffers`: an offer is held back until
 * the receiving side has sent its own, so the offers cross by construction.
 */
export function wiredPeers(options: {
  aId?: string;
  bId?: string;
  aInitiator: boolean;
  bInitiator: boolean;
  holdOffers?: boolean;
  iceRestartDelay?: number;
  iceRestartTimeout?: number;
  connectTimeout?: number;
  /** A named channel both sides carry beside the default one. */
  named?: ChannelSpec;
}) {
  const { aId = "a", bId = "b" } = options;
  let holding = options.holdOffers ?? false;
  const sides: Side[] = [];
  /** Offers each side had sent when holding began: an offer is held until the receiver sent one more. */
  let offersAt = [0, 0];
  const held: (() => void)[][] = [[], []];

  let cut = false;
  const deliver = (to: number, signal: Signal) => {
    if (cut) return;
    const target = sides[to]!.peer;
    const apply = () =>
      setTimeout(() => (signal.kind === "description" ? target.receiveDescription(signal.type, signal.sdp) : target.receiveCandidate(signal.candidate)));
    const receiverOffered = descriptions(sides[to]!, "offer") > offersAt[to]!;
    if (holding && signal.kind === "description" && signal.type === "offer" && !receiverOffered) held[to]!.push(apply);
    else apply();
  };

  const make = (index: number, id: string, remoteId: string, initiator: boolean): Side => {
    const resources = new Resources();
    const created: Side["created"] = [];
    const recorder = new Recorder<SideEvents>({
      within: DEADLINE,
      ends: ["gone"],
      show: ({ name, payload }) => (payload === undefined ? name : `${name} ${payload instanceof Error ? payload.message : JSON.stringify(payload)}`),
    });
    const record = recorder.record.bind(recorder);
    const sent: Signal[] = [];
    const tracks: LocalTrack[] = [];
    const send = (signal: Signal) => {
      sent.push(signal);
      deliver(1 - index, signal);
      // Once this side has sent its offer, an offer held for it may go.
      if (signal.kind === "description" && signal.type === "offer") for (const go of held[index]!.splice(0)) go();
    };
    const io = (spec: ChannelSpec) =>
      new Channel({ spec, maxMessageSize: 64 * 1024 * 1024, context: { error: (error) => record("error", error), closed: () => undefined } });
    const channel = io(DEFAULT_CHANNEL);
    channel.on("message", ({ data }) => record("message", data));
    const named = options.named && io(options.named);
    named?.on("message", ({ data }) => record("message", data));
    const peer = new Peer({
      id: remoteId,
      polite: id < remoteId,
      initiator,
      relayOnly: false,
      createConnection: () => {
        const pc = new RTCPeerConnection();
        created.push(pc);
        return pc as unknown as globalThis.RTCPeerConnection;
      },
      context: {
        sendOffer: (sdp) => send({ kind: "description", type: "offer", sdp }),
        sendAnswer: (sdp) => send({ kind: "description", type: "answer", sdp }),
        sendCandidate: (candidate) => send({ kind: "candidate", candidate }),
        canSignal: () => true,
        opened: () => record("opened", undefined),
        gone: (reason: PeerLeftReason) => record("gone", reason),
        error: (error: RealtimeError) => record("error", error),
      },
      media: peerMedia({
        tracks: () => tracks,
        track: (track) => record("track", track),
        trackRemoved: (track) => record("trackRemoved", track),
      }),
      connectTimeout: options.connectTimeout ?? 10_000,
      iceRestartDelay: options.iceRestartDelay ?? 1_000,
      iceRestartTimeout: options.iceRestartTimeout ?? 10_000,
      debug: (message) => record("debug", message),
      resources,
      channels: () => (options.named ? [DEFAULT_CHANNEL, options.named] : [DEFAULT_CHANNEL]),
      attach: (spec, dc, sctp) => (spec === options.named ? named! : channel).attach(remoteId, dc, sctp),
    });
    onTestFinished(() => peer.close());
    const when: Side["when"] = (name, match = () => true) =>
      recorder.when(name, match, { label: `side ${id} waiting for ${name}${match.toString().length > 12 ? ` ${match.toString()}` : ""}` });
    return { peer, channel, named, resources, created, sent, tracks, events: recorder.events, when };
  };

  sides.push(make(0, aId, bId, options.aInitiator), make(1, bId, aId, options.bInitiator));
  const [a, b] = sides as [Side, Side];
  return {
    a,
    b,
    start() {
      a.peer.start();
      b.peer.start();
    },
    /** Signaling is lost from now on, both ways. */
    cutSignaling() {
      cut = true;
    },
    /** Signaling works again; what was sent meanwhile stays lost. */
    restoreSignaling() {
      cut = false;
    },
    /** From now on offers are held until the receiver has sent its own (or released at once). */
    holdOffers(on: boolean) {
      holding = on;
      offersAt = [descriptions(a, "offer"), descriptions(b, "offer")];
    },
  };
}

/** How many offers or answers a side sent. */
export function descriptions(side: Side, type: "offer" | "answer"): number {
  return side.sent.filter((s) => s.kind === "description" && s.type === type).length;
}
