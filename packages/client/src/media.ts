import { RealtimeError } from "./errors.js";
import type { PeerMedia } from "./extension.js";

/** Which peers a track call concerns: the listed ones (present or future) instead of every peer. */
export interface TrackTarget {
  /**
   * Peer ids (as in `peerJoined`), present or future.
   * @default every peer, present and future
   */
  peers?: readonly string[];
}

/**
 * Splits `addTrack`'s rest arguments: streams, then an optional
 * {@link TrackTarget} (anything that is not a `MediaStream`).
 */
export function splitTarget(args: readonly (MediaStream | TrackTarget)[]): {
  streams: MediaStream[];
  target: TrackTarget | undefined;
} {
  const last = args.at(-1);
  if (last === undefined || isStream(last)) return { streams: args as MediaStream[], target: undefined };
  return { streams: args.slice(0, -1) as MediaStream[], target: last };
}

function isStream(value: MediaStream | TrackTarget): value is MediaStream {
  return typeof (value as MediaStream).getTracks === "function";
}

/** A local track as a peer should send it. */
export interface LocalTrack {
  track: MediaStreamTrack;
  streams: readonly MediaStream[];
}

/**
 * Who one local track goes to: with `all`, every peer but those in `peers`;
 * without, only those in `peers`.
 */
interface Entry {
  streams: readonly MediaStream[];
  all: boolean;
  peers: Set<string>;
}

/**
 * The client's local tracks and who gets each: the wanted state, which
 * every peer connection (present, future, and the fresh ones ICE restarts
 * and collisions make) is brought to by {@link syncSenders}. Ids of peers
 * that left are forgotten, so it holds no more than the tracks and the
 * peers in the room.
 */
export class Media {
  readonly #entries = new Map<MediaStreamTrack, Entry>();

  add(track: MediaStreamTrack, streams: readonly MediaStream[], target: TrackTarget | undefined): void {
    const entry = this.#entries.get(track) ?? { streams, all: false, peers: new Set<string>() };
    this.#entries.set(track, entry);
    entry.streams = streams;
    this.#set(entry, target, true);
  }

  /** Whether the track was added (for any peer). */
  has(track: MediaStreamTrack): boolean {
    return this.#entries.has(track);
  }

  remove(track: MediaStreamTrack, target: TrackTarget | undefined): void {
    const entry = this.#entries.get(track);
    if (entry && this.#set(entry, target, false)) this.#entries.delete(track);
  }

  /**
   * Puts `next` in place of `old` for the target peers: all of them, or the
   * listed ones (`old` stays for the others). The peers' senders swap the
   * track without renegotiating (see {@link syncSenders}).
   */
  replace(old: MediaStreamTrack, next: MediaStreamTrack, target: TrackTarget | undefined): void {
    const entry = this.#entries.get(old);
    if (!entry) return;
    if (target?.peers) {
      this.remove(old, target);
      this.add(next, entry.streams, target);
    } else {
      this.#entries.delete(old);
      this.#entries.set(next, entry);
    }
  }

  /** The tracks `peerId` should be sent, in the order they were added. */
  tracksFor(peerId: string): LocalTrack[] {
    const tracks: LocalTrack[] = [];
    for (const [track, { all, peers, streams }] of this.#entries) {
      if (all !== peers.has(peerId)) tracks.push({ track, streams });
    }
    return tracks;
  }

  /** A peer left for good: its id is no longer worth keeping. */
  forget(peerId: string): void {
    for (const [track, entry] of this.#entries) {
      if (entry.peers.delete(peerId) && !entry.all && entry.peers.size === 0) this.#entries.delete(track);
    }
  }

  /** Gives (`on`) or takes the track for the target peers; returns whether nobody is left to send it to. */
  #set(entry: Entry, target: TrackTarget | undefined, on: boolean): boolean {
    if (!target?.peers) {
      entry.all = on;
      entry.peers.clear();
    } else {
      // For `all`, `peers` are the ones left out; otherwise the ones given it.
      for (const peerId of target.peers) {
        if (on === entry.all) entry.peers.delete(peerId);
        else entry.peers.add(peerId);
      }
    }
    return !entry.all && entry.peers.size === 0;
  }
}

/**
 * Whether this `RTCPeerConnection` carries media. node-datachannel's
 * polyfill has `addTrack` and `getSenders`, but they throw "Not implemented";
 * `getSenders()` is the probe that costs nothing where it works.
 */
export function supportsMedia(pc: RTCPeerConnection): boolean {
  try {
    // A stack without it at all throws a TypeError here.
    pc.getSenders();
    return true;
  } catch {
    // The answer is "no": the caller raises MEDIA_UNSUPPORTED when media is asked for.
    return false;
  }
}

/** The error `addTrack`, `removeTrack` and `replaceTrack` throw on a WebRTC stack without media. */
export function mediaUnsupported(): RealtimeError {
  return new RealtimeError("MEDIA_UNSUPPORTED", "this RTCPeerConnection has no media (node-datachannel)");
}

/**
 * The media side of one `RTCPeerConnection`: the senders of our tracks and
 * the remote tracks reported to the app.
 */
export class LinkMedia {
  readonly senders = new Map<MediaStreamTrack, RTCRtpSender>();
  /** Remote tracks reported with `track`, and the transceiver each arrived on. */
  readonly remote = new Map<MediaStreamTrack, RTCRtpTransceiver>();
}

/** What {@link peerMedia} serves one peer from, and tells. */
export interface PeerMediaContext {
  /** The local tracks the peer should be sent now. */
  tracks(): readonly LocalTrack[];
  /** A remote track arrived on the peer's current connection. */
  track(track: MediaStreamTrack, streams: readonly MediaStream[]): void;
  /** A remote track reported by {@link track} ended: the peer removed it, or its connection was replaced. */
  trackRemoved(track: MediaStreamTrack): void;
}

/** The media hooks of one peer (see extension.ts): each connection's {@link LinkMedia}, kept as long as the connection. */
export function peerMedia(context: PeerMediaContext): PeerMedia {
  const links = new WeakMap<RTCPeerConnection, LinkMedia>();
  const of = (pc: RTCPeerConnection) => {
    let media = links.get(pc);
    if (!media) links.set(pc, (media = new LinkMedia()));
    return media;
  };
  return {
    connection(pc, current) {
      pc.addEventListener("track", ({ track, streams, transceiver }) => {
        const { remote } = of(pc);
        if (!current() || remote.has(track)) return;
        remote.set(track, transceiver);
        context.track(track, streams);
      });
    },
    sync: (pc) => syncSenders(pc, of(pc), context.tracks()),
    negotiated(pc) {
      for (const track of endedRemoteTracks(of(pc))) context.trackRemoved(track);
      return needsNegotiation(pc, of(pc));
    },
    replaced(pc) {
      const { remote } = of(pc);
      for (const track of remote.keys()) context.trackRemoved(track);
      remote.clear();
    },
  };
}

/**
 * Brings a connection's senders to the wanted tracks: a sender whose track is
 * no longer wanted takes a wanted track of the same kind in its place
 * (`replaceTrack`: no renegotiation), else it is removed; a wanted track
 * without a sender is added (either fires `negotiationneeded`). Returns the
 * `replaceTrack` promises.
 */
export function syncSenders(pc: RTCPeerConnection, media: LinkMedia, wanted: readonly LocalTrack[]): Promise<void>[] {
  const wantedTracks = new Set(wanted.map(({ track }) => track));
  const stale = [...media.senders].filter(([track]) => !wantedTracks.has(track));
  const replaced: Promise<void>[] = [];
  for (const { track, streams } of wanted) {
    if (media.senders.has(track)) continue;
    const reusable = stale.findIndex(([old]) => old.kind === track.kind);
    if (reusable >= 0) {
      const [[old, sender]] = stale.splice(reusable, 1) as [[MediaStreamTrack, RTCRtpSender]];
      media.senders.delete(old);
      media.senders.set(track, sender);
      replaced.push(sender.replaceTrack(track));
    } else {
      media.senders.set(track, pc.addTrack(track, ...streams));
    }
  }
  for (const [track, sender] of stale) {
    media.senders.delete(track);
    pc.removeTrack(sender);
  }
  return replaced;
}

const SENDING: ReadonlySet<string | null> = new Set(["sendrecv", "sendonly"]);
const RECEIVING: ReadonlySet<string | null> = new Set(["sendrecv", "recvonly"]);

/**
 * Whether the last completed negotiation left our senders out of date: a
 * track of ours not yet negotiated as sending, or a removed one still
 * negotiated as sending. Read in `stable` state, after an exchange: the
 * `negotiationneeded` event alone is not enough, since it may fire while an
 * offer is out (the offer being made may predate the track) or be dropped
 * while this side waits for the first offer.
 */
export function needsNegotiation(pc: RTCPeerConnection, media: LinkMedia): boolean {
  // A data-only stack may have no transceivers at all; it has no media either.
  if (typeof pc.getTransceivers !== "function") return false;
  for (const transceiver of pc.getTransceivers()) {
    const sending = SENDING.has(transceiver.currentDirection);
    const ours = transceiver.sender.track !== null && media.senders.get(transceiver.sender.track) === transceiver.sender;
    if (ours !== sending && transceiver.currentDirection !== "stopped") return true;
  }
  return false;
}

/** Remote tracks whose transceiver no longer receives (the remote peer removed them): forgotten here, returned for `trackRemoved`. */
export function endedRemoteTracks(media: LinkMedia): MediaStreamTrack[] {
  const ended: MediaStreamTrack[] = [];
  for (const [track, transceiver] of media.remote) {
    if (!RECEIVING.has(transceiver.currentDirection)) {
      media.remote.delete(track);
      ended.push(track);
    }
  }
  return ended;
}
