// The video call: your camera and microphone to every peer (present and
// future: the client adds the tracks to each new connection), and a tile per
// peer who sends theirs.
import type { RTCClient } from "@raycaster/realtime";
import { mediaOf, type ClientMedia } from "@raycaster/realtime/media";
import { byTestId, h } from "./dom.js";

interface Tile {
  element: HTMLElement;
  video: HTMLVideoElement;
  label: HTMLElement;
  stream: MediaStream;
}

/**
 * Videos autoplay muted (browsers block unmuted autoplay); each remote tile
 * has its own button to turn the sound on, which is the user gesture that
 * allows it.
 */
export class VideoCall {
  readonly #media: ClientMedia;
  readonly #nameOf: (peerId: string) => string;
  readonly #problem: (message: string) => void;
  readonly #tiles = new Map<string, Tile>();
  readonly #stage = byTestId("video-stage");
  readonly #grid = byTestId("video-grid");
  readonly #localVideo = byTestId<HTMLVideoElement>("local-video");
  readonly #toggle = byTestId<HTMLButtonElement>("video-toggle");
  #local: MediaStream | undefined;
  #starting = false;
  #closed = false;

  constructor(client: RTCClient, nameOf: (peerId: string) => string, problem: (message: string) => void) {
    // Hooked in before the client meets anyone: from here its `track` events fire.
    this.#media = mediaOf(client);
    this.#nameOf = nameOf;
    this.#problem = problem;
    this.#grid.replaceChildren();
    this.#render();
  }

  get active(): boolean {
    return this.#local !== undefined;
  }

  /** Asks for the camera and microphone and sends them to everyone. */
  async start(): Promise<void> {
    if (this.#local || this.#starting) return;
    this.#starting = true;
    this.#render();
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: true });
      if (this.#closed) return stopAll(stream);
      this.#local = stream;
      for (const track of stream.getTracks()) this.#media.addTrack(track, stream);
      this.#localVideo.srcObject = stream;
    } catch (error) {
      this.#problem(`Could not start the camera: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.#starting = false;
      this.#render();
    }
  }

  /** Takes your tracks off every connection and turns the camera off. */
  stop(): void {
    const stream = this.#local;
    if (!stream) return;
    this.#local = undefined;
    for (const track of stream.getTracks()) this.#media.removeTrack(track);
    stopAll(stream);
    this.#localVideo.srcObject = null;
    this.#render();
  }

  /** The client's `track` event: a peer's camera or microphone. */
  addRemote(peerId: string, track: MediaStreamTrack, streams: readonly MediaStream[]): void {
    let tile = this.#tiles.get(peerId);
    const stream = streams[0];
    if (!tile || (stream && tile.stream !== stream)) {
      if (tile) this.removePeer(peerId);
      tile = this.#tile(peerId, stream ?? new MediaStream());
    }
    if (!tile.stream.getTracks().includes(track)) tile.stream.addTrack(track);
    this.#render();
  }

  /**
   * The client's `trackRemoved`: the peer stopped sending it, or its
   * connection was replaced (the new one brings the tracks again, maybe
   * first). The tile goes when its last track does.
   */
  removeRemote(peerId: string, track: MediaStreamTrack): void {
    const tile = this.#tiles.get(peerId);
    if (!tile) return;
    // The browser may have taken it out of the peer's stream already.
    if (tile.stream.getTracks().includes(track)) tile.stream.removeTrack(track);
    if (tile.stream.getTracks().length === 0) this.removePeer(peerId);
  }

  /** Shows the peer's name on their tile once their hello arrives. */
  rename(peerId: string): void {
    const tile = this.#tiles.get(peerId);
    if (tile) tile.label.textContent = this.#nameOf(peerId);
  }

  removePeer(peerId: string): void {
    const tile = this.#tiles.get(peerId);
    if (!tile) return;
    this.#tiles.delete(peerId);
    tile.video.srcObject = null;
    tile.element.remove();
    this.#render();
  }

  close(): void {
    this.#closed = true;
    this.stop();
    for (const peerId of this.#tiles.keys()) this.removePeer(peerId);
  }

  #tile(peerId: string, stream: MediaStream): Tile {
    const video = h("video", { class: "tile__video", "data-testid": "remote-video", "data-peer-id": peerId, autoplay: true, playsinline: true });
    video.muted = true;
    video.srcObject = stream;
    const label = h("span", { class: "tile__name", "data-testid": "tile-name" }, this.#nameOf(peerId));
    const sound = h("button", { type: "button", class: "tile__sound", "data-testid": "tile-sound", "aria-pressed": "false" }, "Unmute");
    sound.addEventListener("click", () => {
      video.muted = !video.muted;
      sound.textContent = video.muted ? "Unmute" : "Mute";
      sound.setAttribute("aria-pressed", String(!video.muted));
    });
    const element = h(
      "figure",
      { class: "tile", "data-testid": "video-tile", "data-peer-id": peerId },
      video,
      h("figcaption", { class: "tile__caption" }, label, sound),
    );
    const tile = { element, video, label, stream };
    this.#tiles.set(peerId, tile);
    this.#grid.append(element);
    return tile;
  }

  #render(): void {
    const live = this.#local !== undefined;
    this.#toggle.textContent = this.#starting ? "Starting…" : live ? "Stop video" : "Start video";
    this.#toggle.setAttribute("aria-pressed", String(live));
    this.#toggle.disabled = this.#starting;
    byTestId("local-tile").hidden = !live;
    this.#stage.hidden = !live && this.#tiles.size === 0;
  }
}

function stopAll(stream: MediaStream): void {
  for (const track of stream.getTracks()) track.stop();
}
