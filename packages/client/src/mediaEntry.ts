import type { RTCClient } from "./client.js";
import { RealtimeError } from "./errors.js";
import { extend, type ExtensionHost } from "./extension.js";
import { Media, mediaUnsupported, peerMedia, splitTarget, supportsMedia, type TrackTarget } from "./media.js";

// `@raycaster/realtime-client/media`: audio and video tracks, opt in. A
// client without it negotiates data channels only and its bundle carries
// none of this; `mediaOf(client)` hooks media into every peer connection
// (see extension.ts).

export type { TrackTarget } from "./media.js";

const attached = new WeakMap<object, ClientMedia>();

/**
 * The media of `client`: `addTrack`, `removeTrack`, `replaceTrack`, and from
 * the first call on, the client's `track` and `trackRemoved` events. Call it
 * once, right after creating the client (also in an app that only
 * receives): tracks that arrived on a connection before it are not
 * reported. Later calls return the same object.
 *
 * @example
 * ```ts
 * import { RTCClient } from "@raycaster/realtime-client";
 * import { mediaOf } from "@raycaster/realtime-client/media";
 *
 * const client = new RTCClient({ url });
 * const media = mediaOf(client);
 * const camera = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
 * for (const track of camera.getTracks()) media.addTrack(track, camera);
 * client.on("track", ({ streams }) => (video.srcObject = streams[0] ?? null));
 * ```
 */
export function mediaOf(client: RTCClient<never>): ClientMedia {
  let media = attached.get(client);
  if (!media) {
    media = new ClientMedia(client);
    attached.set(client, media);
  }
  return media;
}

/** A client's media tracks (see {@link mediaOf}). */
export class ClientMedia {
  /** Which local tracks go to which peers. */
  readonly #wanted = new Media();
  /** The client's side of the seam; `undefined` on a stack without media, which is then not hooked in. */
  readonly #host: ExtensionHost | undefined;

  /** @internal Use {@link mediaOf}. */
  constructor(client: RTCClient<never>) {
    const host = client[extend]();
    const probe = new host.RTCPeerConnection();
    const supported = supportsMedia(probe);
    probe.close();
    // A stack without media is not hooked in: its methods throw MEDIA_UNSUPPORTED.
    if (!supported) return;
    this.#host = host;
    host.attach({
      peer: (peerId) =>
        peerMedia({
          tracks: () => this.#wanted.tracksFor(peerId),
          track: (track, streams) => host.emit("track", { peerId, track, streams }),
          trackRemoved: (track) => host.emit("trackRemoved", { peerId, track }),
        }),
      left: (peerId) => this.#wanted.forget(peerId),
    });
  }

  /**
   * Sends a media track to every peer, present and future (including the
   * fresh connections ICE restarts make), or with `{ peers }` as last
   * argument to those peers only. `streams` are what the remote side's
   * `track` event reports (give one to keep audio and video of a camera
   * together). Each connection renegotiates through perfect negotiation;
   * tracks added at once on both sides all arrive. Adding a track again
   * extends it to more peers.
   *
   * @throws {RealtimeError} `MEDIA_UNSUPPORTED` on a WebRTC stack without media (node-datachannel's polyfill).
   */
  addTrack(track: MediaStreamTrack, ...streams: MediaStream[]): void;
  addTrack(track: MediaStreamTrack, ...streamsAndTarget: [...streams: MediaStream[], target: TrackTarget]): void;
  addTrack(track: MediaStreamTrack, ...args: (MediaStream | TrackTarget)[]): void {
    const host = this.#supported();
    const { streams, target } = splitTarget(args);
    this.#wanted.add(track, streams, target);
    void host.sync(target?.peers);
  }

  /**
   * Stops sending a track to every peer (and future ones), or with
   * `{ peers }` to those only; each connection renegotiates, and the remote
   * side gets `trackRemoved`. The track itself is yours: it is not stopped.
   * A track that was not added is ignored.
   *
   * @throws {RealtimeError} `MEDIA_UNSUPPORTED` on a stack without media.
   */
  removeTrack(track: MediaStreamTrack, target?: TrackTarget): void {
    const host = this.#supported();
    this.#wanted.remove(track, target);
    void host.sync(target?.peers);
  }

  /**
   * Puts `newTrack` in place of `oldTrack` (a camera switch), for every peer
   * sending it or with `{ peers }` for those only; future peers get the new
   * one. Of the same kind, the senders swap it without renegotiating;
   * otherwise it is removed and added. Resolves when every connection
   * swapped it (a connection that fails reports `NEGOTIATION_FAILED` as an
   * `error` event).
   *
   * @throws {RealtimeError} `TRACK_NOT_ADDED` when `oldTrack` was never added, `MEDIA_UNSUPPORTED` on a stack without media.
   */
  replaceTrack(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack, target?: TrackTarget): Promise<void> {
    const host = this.#supported();
    if (!this.#wanted.has(oldTrack)) {
      throw new RealtimeError("TRACK_NOT_ADDED", `track ${oldTrack.id} was not added with addTrack`);
    }
    this.#wanted.replace(oldTrack, newTrack, target);
    return host.sync(target?.peers);
  }

  #supported(): ExtensionHost {
    if (!this.#host) throw mediaUnsupported();
    return this.#host;
  }
}
