import { ClientErrorCodes, RTCClient, type PeerLeftReason } from "@raycaster/realtime";
import { FileTransfers } from "./files.js";
import { parsePeerMessage, TEXT_MAX_LENGTH, type PeerMessage } from "./protocol.js";
import { VideoCall } from "./video.js";
import { RoomView, showError, showSignalingStatus, type PeerInfo } from "./view.js";

export interface ChatSessionOptions {
  /** Your display name, sent to each peer in a `hello`. */
  name: string;
  room: string;
  /** The signaling server's WebSocket URL. */
  url: string;
}

/**
 * One stay in a room: an {@link RTCClient} and what the page shows of it.
 * Peers introduce themselves with a `hello` once their data channel opens,
 * then chat; the signaling server only ever sees WebRTC negotiation.
 *
 * The client reconnects to the signaling server by itself and resumes its
 * seat; the page only reflects `signalingState`. The people list holds the
 * peers in the room now: a peer that leaves is removed (a notice in the chat
 * says so). The client reports each peer's leave exactly once, whichever
 * comes first (the server's word, or the peer connection closing), and a
 * reloaded tab closes its client on `pagehide`: so a person who reloads is
 * listed once, under their new id.
 */
export class ChatSession {
  readonly #client: RTCClient;
  readonly #view = new RoomView();
  readonly #peers = new Map<string, PeerInfo>();
  readonly #files: FileTransfers;
  readonly #video: VideoCall;
  readonly #name: string;
  readonly #room: string;
  /** Removes the page's handlers: after `close()` nothing of this client may touch the page (another session may own it). */
  readonly #unsubscribe: (() => void)[] = [];
  #seated = false;

  /** Throws if this browser cannot do WebRTC (the client needs `RTCPeerConnection` and `WebSocket`). */
  constructor({ name, room, url }: ChatSessionOptions) {
    this.#name = name;
    this.#room = room;
    // The client's own backoff (full jitter, 0.5 s doubling to 10 s, no limit on
    // attempts; it waits for `online` while the browser is offline).
    this.#client = new RTCClient({
      url,
      room,
      reconnect: {},
      // What goes wrong in normal operation (a lost socket, a refused resume, a
      // stale ICE candidate) is not for the banner, but a developer may want to see it.
      debug: (message, detail) => console.debug("[realtime]", message, detail ?? ""),
    });
    this.#view.show(name, room);
    this.#showStatus();
    // Declared at once, so the "files" channel is on every peer connection.
    const problem = (message: string) => showError(message);
    this.#files = new FileTransfers(this.#client, { nameOf: (peerId) => this.#nameOf(peerId), append: (element) => this.#view.append(element), problem });
    this.#video = new VideoCall(this.#client, (peerId) => this.#nameOf(peerId), problem);

    const client = this.#client;
    const on: RTCClient["on"] = (event, handler) => {
      const off = client.on(event, handler);
      this.#unsubscribe.push(off);
      return off;
    };
    on("signalingState", ({ state, previous }) => {
      this.#showStatus();
      if (previous === "open" && state === "reconnecting") {
        this.#view.addNotice("Lost the signaling server; reconnecting. The chat goes on meanwhile.");
      }
    });
    on("open", ({ id, peers, resumed }) => this.#seatedAs(id, peers.length, resumed));
    on("peerJoined", ({ peerId }) => {
      if (this.#peers.has(peerId)) return;
      this.#peers.set(peerId, { id: peerId, name: undefined, state: "negotiating" });
      this.#peersChanged();
    });
    on("peerConnected", ({ peerId }) => {
      this.#update(peerId, { state: "connected" });
      void this.#send(peerId, { type: "hello", name: this.#name });
    });
    on("message", ({ peerId, data }) => this.#receive(peerId, parsePeerMessage(data)));
    on("track", ({ peerId, track, streams }) => this.#video.addRemote(peerId, track, streams));
    on("trackRemoved", ({ peerId, track }) => this.#video.removeRemote(peerId, track));
    on("peerLeft", ({ peerId, reason }) => {
      this.#files.peerLeft(peerId);
      this.#video.removePeer(peerId);
      const peer = this.#peers.get(peerId);
      this.#peers.delete(peerId);
      this.#peersChanged();
      if (peer?.name) this.#view.addNotice(leftNotice(peer.name, reason));
    });
    on("error", (error) => {
      // A failed peer connection already shows as a line in the chat. (A lost
      // signaling socket is no error while the client retries: the pill shows it.)
      if (error.code === ClientErrorCodes.CONNECTION_FAILED) return;
      // A transfer the sender cancelled: its line in the chat says so.
      if (error.code === ClientErrorCodes.ABORTED) return;
      showError(error.message, error.code);
    });
    on("signalingClosed", ({ code, reason }) => {
      this.#showStatus();
      const why = reason ? `${reason} (${code})` : `code ${code}`;
      this.#view.addNotice(
        this.#client.connectedPeers.length > 0
          ? `The signaling server ended the session: ${why}. You can keep chatting with the people connected; nobody new can join you.`
          : `The signaling server ended the session: ${why}. Leave and join again to reconnect.`,
      );
    });
  }

  /** Sends a chat line to every connected peer; resolves with whether it went anywhere. */
  async say(input: string): Promise<boolean> {
    const text = input.trim().slice(0, TEXT_MAX_LENGTH);
    if (!text) return false;
    const message: PeerMessage = { type: "chat", text };
    let sent: number;
    try {
      sent = await this.#client.broadcast(message);
    } catch (error) {
      showError(error instanceof Error ? error.message : String(error));
      return false;
    }
    if (sent === 0) {
      showError("Nobody is connected yet, so the message was not sent.");
      return false;
    }
    this.#view.addMessage({ senderId: this.#client.id ?? "", senderName: this.#name, text, own: true });
    return true;
  }

  /** Sends files to every connected peer, each with its progress in the chat. */
  sendFiles(files: Iterable<File>): void {
    this.#files.send(files);
  }

  /** Starts your camera and microphone for everyone, or stops them. */
  toggleVideo(): void {
    if (this.#video.active) this.#video.stop();
    else void this.#video.start();
  }

  /**
   * Closes the signaling connection (a clean close, so the server frees the
   * seat at once and the others see you leave) and every peer connection.
   */
  close(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
    this.#files.close();
    this.#video.close();
    this.#client.close();
  }

  /** Leaves the room: {@link close}, and back to the join form. */
  leave(): void {
    this.close();
    this.#view.hide();
  }

  #seatedAs(id: string, present: number, resumed: boolean): void {
    this.#view.showSelfId(id);
    const first = !this.#seated;
    this.#seated = true;
    if (resumed) {
      this.#view.addNotice("Reconnected to the signaling server.");
    } else if (!first) {
      // The seat could not be resumed: the client closed every peer and joined afresh.
      this.#view.addNotice(`Reconnected to #${this.#room} as a new peer.`);
    } else {
      const others = present === 1 ? "1 person is" : `${present} people are`;
      this.#view.addNotice(present ? `You joined #${this.#room}. ${others} here.` : `You joined #${this.#room}.`);
    }
  }

  #receive(peerId: string, message: PeerMessage | undefined): void {
    const peer = this.#peers.get(peerId);
    if (!message || !peer) return;
    if (message.type === "hello") {
      const first = peer.name === undefined;
      this.#update(peerId, { name: message.name });
      if (first) this.#view.addNotice(`${message.name} is here.`);
      this.#video.rename(peerId);
      return;
    }
    this.#view.addMessage({ senderId: peerId, senderName: this.#nameOf(peerId), text: message.text, own: false });
  }

  #nameOf(peerId: string): string {
    return this.#peers.get(peerId)?.name ?? `Peer ${peerId.slice(0, 6)}`;
  }

  async #send(peerId: string, message: PeerMessage): Promise<void> {
    try {
      await this.#client.send(peerId, message);
    } catch (error) {
      showError(error instanceof Error ? error.message : String(error));
    }
  }

  #update(peerId: string, change: Partial<PeerInfo>): void {
    const peer = this.#peers.get(peerId);
    if (!peer) return;
    Object.assign(peer, change);
    this.#peersChanged();
  }

  #peersChanged(): void {
    this.#view.renderPeers([...this.#peers.values()]);
    // "Peers still reachable" depends on who is connected.
    this.#showStatus();
  }

  #showStatus(): void {
    const reachable = this.#client.connectedPeers.length > 0;
    switch (this.#client.signalingState) {
      case "connecting":
        return showSignalingStatus("connecting", "Connecting…");
      case "open":
        return showSignalingStatus("connected", "Connected");
      case "reconnecting":
        return showSignalingStatus("reconnecting", reachable ? "Reconnecting — peers still reachable" : "Reconnecting…");
      case "closed":
        return showSignalingStatus("closed", reachable ? "Signaling closed — peers still reachable" : "Signaling closed");
    }
  }
}

function leftNotice(name: string, reason: PeerLeftReason): string {
  switch (reason) {
    case "left":
      return `${name} left.`;
    case "failed":
      return `The connection to ${name} failed.`;
    case "closed":
      return `${name} disconnected.`;
  }
}
