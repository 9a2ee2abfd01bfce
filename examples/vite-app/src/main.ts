import { RTCClient } from "@raycaster/realtime";

// The signaling server: ?signal=ws://host:port, else VITE_SIGNALING_URL at
// build time, else port 3000 of the host that served this page.
const params = new URLSearchParams(location.search);
const url = params.get("signal") ?? import.meta.env.VITE_SIGNALING_URL ?? `ws://${location.hostname}:3000`;
const room = params.get("room") ?? "vite";

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = element<HTMLParagraphElement>("status");
const peers = element<HTMLUListElement>("peers");
const log = element<HTMLOListElement>("log");
const form = element<HTMLFormElement>("send");
const input = element<HTMLInputElement>("text");

function write(line: string): void {
  const item = document.createElement("li");
  item.textContent = line; // text, never HTML: peers' words are not trusted
  log.append(item);
}

function peerItem(peerId: string): HTMLLIElement {
  let item = peers.querySelector<HTMLLIElement>(`li[data-peer="${CSS.escape(peerId)}"]`);
  if (!item) {
    item = document.createElement("li");
    item.dataset.peer = peerId;
    item.textContent = peerId;
    peers.append(item);
  }
  return item;
}

const client = new RTCClient({ url, room });
// A named channel of chat lines; every peer declares it the same way.
const chat = client.channel<string>("chat");

client.on("open", ({ id }) => (status.textContent = `You are ${id} in room "${room}".`));
client.on("signalingState", ({ state }) => {
  if (state === "reconnecting") status.textContent = "Signaling lost, reconnecting… (connected peers stay connected)";
});
client.on("peerJoined", ({ peerId }) => (peerItem(peerId).dataset.state = "connecting"));
client.on("peerConnected", ({ peerId }) => (peerItem(peerId).dataset.state = "connected"));
client.on("peerLeft", ({ peerId, reason }) => {
  peerItem(peerId).remove();
  write(`${peerId} left (${reason})`);
});
client.on("error", (error) => write(`[${error.code}] ${error.message}`));
chat.on("message", ({ peerId, data }) => write(`${peerId}: ${data}`));

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value;
  input.value = "";
  chat.broadcast(text).then(
    (count) => write(`me (to ${count} peer${count === 1 ? "" : "s"}): ${text}`),
    (error: unknown) => write(`not sent: ${String(error)}`),
  );
});

// Leave the room cleanly when the page goes: the others see it at once.
addEventListener("pagehide", () => client.close());
