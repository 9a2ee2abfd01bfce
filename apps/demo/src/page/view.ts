import { byTestId, h } from "./dom.js";

export type PeerState = "negotiating" | "connected";
/** What the status pill shows: the client's `signalingState`, plus "idle" before you join. */
export type StatusState = "idle" | "connecting" | "connected" | "reconnecting" | "closed";

export interface PeerInfo {
  id: string;
  name: string | undefined;
  state: PeerState;
}

const PEER_STATE_LABELS: Record<PeerState, string> = {
  negotiating: "negotiating",
  connected: "connected",
};

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

/** The top bar's signaling status pill. */
export function showSignalingStatus(state: StatusState, text: string): void {
  const status = byTestId("signaling-status");
  status.dataset.state = state;
  byTestId("signaling-status-text").textContent = text;
}

/** The discreet error banner under the top bar; the latest error replaces the previous one. */
export function showError(message: string, code?: string): void {
  // The client's messages start in lower case ("the WebSocket to … failed").
  byTestId("error-message").textContent = message.charAt(0).toUpperCase() + message.slice(1);
  const codeElement = byTestId("error-code");
  codeElement.textContent = code ?? "";
  codeElement.hidden = !code;
  byTestId("error-banner").hidden = false;
}

export function hideError(): void {
  byTestId("error-banner").hidden = true;
}

/** The room: who you are, who is there, and the chat. */
export class RoomView {
  readonly #peerList = byTestId<HTMLUListElement>("peer-list");
  readonly #messages = byTestId<HTMLOListElement>("message-list");
  readonly #sendButton = byTestId<HTMLButtonElement>("send-button");
  readonly #chatInput = byTestId<HTMLInputElement>("chat-input");
  readonly #attachButton = byTestId<HTMLButtonElement>("attach-button");

  show(name: string, room: string): void {
    byTestId("join-view").hidden = true;
    byTestId("room-view").hidden = false;
    byTestId("self-name").textContent = name;
    const avatar = byTestId("self-avatar");
    avatar.textContent = initial(name);
    avatar.style.setProperty("--hue", String(hue(name)));
    byTestId("self-id").textContent = "…";
    byTestId("room-name").textContent = room;
    byTestId("chat-room").textContent = room;
    this.#peerList.replaceChildren();
    this.#messages.replaceChildren();
    this.#chatInput.value = "";
    this.renderPeers([]);
  }

  hide(): void {
    byTestId("room-view").hidden = true;
    byTestId("join-view").hidden = false;
  }

  showSelfId(id: string): void {
    byTestId("self-id").textContent = id;
  }

  /** Redraws the people list: the peers in the room now (a peer that leaves is removed). */
  renderPeers(peers: PeerInfo[]): void {
    this.#peerList.replaceChildren(...peers.map(peerItem));
    byTestId("peer-count").textContent = String(peers.length);
    byTestId("peers-empty").hidden = peers.length > 0;
    const connected = peers.some((peer) => peer.state === "connected");
    this.#sendButton.disabled = !connected;
    this.#attachButton.disabled = !connected;
    this.#chatInput.placeholder = connected ? "Write a message…" : "Waiting for someone to connect…";
  }

  /** A chat line, yours or a peer's. */
  addMessage(message: { senderId: string; senderName: string; text: string; own: boolean }): void {
    this.append(
      h(
        "li",
        {
          class: message.own ? "message message--own" : "message",
          "data-testid": "message",
          "data-sender-id": message.senderId,
        },
        h(
          "div",
          { class: "message__meta" },
          h("span", { class: "message__sender", "data-testid": "message-sender" }, message.senderName),
          h("time", { class: "message__time", datetime: new Date().toISOString() }, timeFormat.format(new Date())),
        ),
        h("p", { class: "message__text", "data-testid": "message-text" }, message.text),
      ),
    );
  }

  /** A quiet line about what happened: someone joined, the server went away. */
  addNotice(text: string): void {
    this.append(h("li", { class: "notice", "data-testid": "notice" }, text));
  }

  /** Adds a line at the end of the chat, and keeps it in view if the reader was at the bottom. */
  append(item: HTMLElement): void {
    const list = this.#messages;
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 48;
    list.append(item);
    if (atBottom) list.scrollTop = list.scrollHeight;
  }
}

function peerItem(peer: PeerInfo): HTMLLIElement {
  const name = peer.name ?? "New peer";
  const avatar = h("span", { class: "avatar", "aria-hidden": "true" }, peer.name ? initial(peer.name) : "?");
  avatar.style.setProperty("--hue", String(hue(peer.name ?? peer.id)));
  return h(
    "li",
    { class: "peer", "data-testid": "peer-item", "data-peer-id": peer.id, "data-state": peer.state },
    avatar,
    h(
      "span",
      { class: "person__main" },
      h("span", { class: peer.name ? "person__name" : "person__name person__name--unknown", "data-testid": "peer-name" }, name),
      h("span", { class: "person__id" }, h("code", {}, peer.id)),
    ),
    h("span", { class: `badge badge--${peer.state}`, "data-testid": "peer-state" }, PEER_STATE_LABELS[peer.state]),
  );
}

function initial(name: string): string {
  return (Array.from(name.trim())[0] ?? "?").toUpperCase();
}

/** A stable hue per name, so a person keeps their colour. */
function hue(seed: string): number {
  let hash = 0;
  for (const char of seed) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return hash % 360;
}
