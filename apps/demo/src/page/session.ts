import { ClientErrorCodes, RTCClient, type PeerLeftReason } from "@raycaster/realtime";
import { parsePeerMessage, TEXT_MAX_LENGTH, type PeerMessage } from "./protocol.js";
import { RoomView, showError, showSignalingStatus, type PeerInfo, type SignalingState } from "./view.js";

/**
 * One stay in a room: an {@link RTCClient} and what the page shows of it.
 * Peers introduce themselves with a `hello` once their data channel opens,
 * then chat; the signaling server only ever sees WebRTC negotiation.
 */
export class ChatSession {
  readonly #client: RTCClient;
  readonly #view = new RoomView();
  readonly #peers = new Map<string, PeerInfo>();
  readonly #name: string;
  #signaling: SignalingState = "connecting";

  /** Throws if this browser cannot do WebRTC (the client needs `RTCPeerConnection` and `WebSocket`). */
  constructor(name: string, room: string, url: string) {
    this.#name = name;
    this.#client = new RTCClient({ url, room });
    this.#view.show(name, room);
    this.#showStatus();

    const client = this.#client;
    client.on("open", ({ id, peers }) => {
      this.#signaling = "connected";
      this.#view.showSelfId(id);
      this.#showStatus();
      const others = peers.length === 1 ? "1 person is" : `${peers.length} people are`;
      this.#view.addNotice(peers.length ? `You joined #${room}. ${others} here.` : `You joined #${room}.`);
    });
    client.on("peerJoined", ({ peerId }) => {
      this.#peers.set(peerId, { id: peerId, name: undefined, state: "negotiating" });
      this.#peersChanged();
    });
    client.on("peerConnected", ({ peerId }) => {
      this.#update(peerId, { state: "connected" });
      this.#send(peerId, { type: "hello", name: this.#name });
    });
    client.on("message", ({ peerId, data }) => this.#receive(peerId, parsePeerMessage(data)));
    client.on("peerLeft", ({ peerId, reason }) => {
      const peer = this.#peers.get(peerId);
      this.#update(peerId, { state: "left" });
      if (peer?.name) this.#view.addNotice(leftNotice(peer.name, reason));
    });
    client.on("error", (error) => {
      // A failed peer connection already shows as "left" and as a line in the chat.
      if (error.code === ClientErrorCodes.CONNECTION_FAILED) return;
      showError(error.message, error.code);
    });
    client.on("signalingClosed", () => {
      this.#signaling = "closed";
      this.#showStatus();
      this.#view.addNotice(
        this.#client.connectedPeers.length > 0
          ? "The signaling server went away. You can keep chatting with the people connected; nobody new can join you."
          : "The signaling server went away. Leave and join again to reconnect.",
      );
    });
  }

  /** Sends a chat line to every connected peer; returns whether it went anywhere. */
  say(input: string): boolean {
    const text = input.trim().slice(0, TEXT_MAX_LENGTH);
    if (!text) return false;
    const message: PeerMessage = { type: "chat", text };
    const sent = this.#client.broadcast(message);
    if (sent === 0) {
      showError("Nobody is connected yet, so the message was not sent.");
      return false;
    }
    this.#view.addMessage({ senderId: this.#client.id ?? "", senderName: this.#name, text, own: true });
    return true;
  }

  /** Leaves the room: closes the signaling connection and every peer connection. */
  leave(): void {
    this.#client.close();
    this.#view.hide();
  }

  #receive(peerId: string, message: PeerMessage | undefined): void {
    const peer = this.#peers.get(peerId);
    if (!message || !peer) return;
    if (message.type === "hello") {
      const first = peer.name === undefined;
      this.#update(peerId, { name: message.name });
      if (first) this.#view.addNotice(`${message.name} is here.`);
      return;
    }
    this.#view.addMessage({ senderId: peerId, senderName: peer.name ?? `Peer ${peerId.slice(0, 6)}`, text: message.text, own: false });
  }

  #send(peerId: string, message: PeerMessage): void {
    try {
      this.#client.send(peerId, message);
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
    if (this.#signaling === "closed") this.#showStatus();
  }

  #showStatus(): void {
    switch (this.#signaling) {
      case "idle":
      case "connecting":
        showSignalingStatus("connecting", "Connecting…");
        break;
      case "connected":
        showSignalingStatus("connected", "Connected");
        break;
      case "closed":
        showSignalingStatus(
          "closed",
          this.#client.connectedPeers.length > 0 ? "Signaling closed — peers still reachable" : "Signaling closed",
        );
        break;
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
