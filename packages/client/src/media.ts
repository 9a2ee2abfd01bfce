import { ClientErrorCodes, RealtimeError } from "./errors.js";

/** Which peers a track call concerns: the listed ones (present or future) instead of every peer. */
export interface TrackTarget {
  /** Peer ids; without it, every peer, present and future. */
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

/** Who one local track goes to: every peer but `except`, or only `only`. */
interface Entry {
  streams: readonly MediaStream[];
  all: boolean;
  except: Set<string>;
  only: Set<string>;
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
    let entry = this.#entries.get(track);
    if (!entry) {
      entry = { streams, all: false, except: new Set(), only: new Set() };
      this.#entries.set(track, entry);
    }
    entry.streams = streams;
    if (!target?.peers) {
      entry.all = true;
      entry.except.clear();
      entry.only.clear();
    } else if (entry.all) {
      for (const peerId of target.peers) entry.except.delete(peerId);
    } else {
      for (const peerId of target.peers) entry.only.add(peerId);
    }
  }

  /** Whether the track was added (for any peer). */
  has(track: MediaStreamTrack): boolean {
    return this.#entries.has(track);
  }

  remove(track: MediaStreamTrack, target: TrackTarget | undefined): void {
    const entry = this.#entries.get(track);
    if (!entry) return;
    if (!target?.peers) {
      this.#entries.delete(track);
    } else if (entry.all) {
      for (const peerId of target.peers) entry.except.add(peerId);
    } else {
      for (const peerId of target.peers) entry.only.delete(peerId);
      if (entry.only.size === 0) this.#entries.delete(track);
    }
  }

  /**
   * Puts `next` in place of `old` for the target peers: all of them, or the
   * listed ones (`old` stays for the others). The peers' senders swap the
   * track without renegotiating (see {@link syncSenders}).
   */
  replace(old: MediaStreamTrack, next: MediaStreamTrack, target: TrackTarget | undefined): void {
    const entry = this.#entries.get(old);
    if (!entry) return;
    if (!target?.peers) {
      this.#entries.delete(old);
      this.#entries.set(next, entry);
      return;
    }
    this.remove(old, target);
    this.add(next, entry.streams, target);
  }

  /** The tracks `peerId` should be sent, in the order they were added. */
  tracksFor(peerId: string): LocalTrack[] {
    const tracks: LocalTrack[] = [];
    for (const [track, entry] of this.#entries) {
      if (entry.all ? !entry.except.has(peerId) : entry.only.has(peerId)) tracks.push({ track, streams: entry.streams });
    }
    return tracks;
  }

  /** A peer left for good: its id is no longer worth keeping. */
  forget(peerId: string): void {
    for (const [track, entry] of this.#entries) {
      entry.except.delete(peerId);
      if (entry.only.delete(peerId) && !entry.all && entry.only.size === 0) this.#entries.delete(track);
    }
  }
}

/**
 * Whether this `RTCPeerConnection` carries media. node-datachannel's
 * polyfill has `addTrack` and `getSenders`, but they throw "Not implemented";
 * `getSenders()` is the probe that costs nothing where it works.
 */
export function supportsMedia(pc: RTCPeerConnection): boolean {
  if (typeof pc.addTrack !== "function" || typeof pc.getSenders !== "function") return false;
  try {
    pc.getSenders();
    return true;
  } catch {
    // The answer is "no": the caller raises MEDIA_UNSUPPORTED when media is asked for.
    return false;
  }
}

/** The error `addTrack`, `removeTrack` and `replaceTrack` throw on a WebRTC stack without media. */
export function mediaUnsupported(): RealtimeError {
  return new RealtimeError(
    ClientErrorCodes.MEDIA_UNSUPPORTED,
    "this RTCPeerConnection does not carry media tracks (node-datachannel's polyfill has none; use a browser or @roamhq/wrtc)",
  );
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

/**
 * Brings a connection's senders to the wanted tracks: a sender whose track is
 * no longer wanted takes a wanted track of the same kind in its place
 * (`replaceTrack`: no renegotiation), else it is removed; a wanted track
 * without a sender is added. Returns the `replaceTrack` promises, and
 * whether the connection needs negotiating.
 */
export function syncSenders(
  pc: RTCPeerConnection,
  media: LinkMedia,
  wanted: readonly LocalTrack[],
): { replaced: Promise<void>[]; changed: boolean } {
  const wantedTracks = new Set(wanted.map(({ track }) => track));
  const stale = [...media.senders].filter(([track]) => !wantedTracks.has(track));
  const replaced: Promise<void>[] = [];
  let changed = false;
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
      changed = true;
    }
  }
  for (const [track, sender] of stale) {
    media.senders.delete(track);
    pc.removeTrack(sender);
    changed = true;
  }
  return { replaced, changed };
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
  for (const transceiver of pc.getTransceivers()) {
    const sending = SENDING.has(transceiver.currentDirection);
    const ours = transceiver.sender.track !== null && media.senders.get(transceiver.sender.track) === transceiver.sender;
    if (ours !== sending && !isStopped(transceiver)) return true;
  }
  return false;
}

/** Remote tracks whose transceiver no longer receives (the remote peer removed them): forgotten here, returned for `trackRemoved`. */
export function endedRemoteTracks(media: LinkMedia): MediaStreamTrack[] {
  const ended: MediaStreamTrack[] = [];
  for (const [track, transceiver] of media.remote) {
    if (isStopped(transceiver) || !RECEIVING.has(transceiver.currentDirection)) {
      media.remote.delete(track);
      ended.push(track);
    }
  }
  return ended;
}

function isStopped(transceiver: RTCRtpTransceiver): boolean {
  return (transceiver as { stopped?: boolean }).stopped === true || transceiver.currentDirection === "stopped";
}
