// node dist/peer.js: a relay-only peer in ROOM at SIGNALING_URL; prints how it reaches each peer.
import { connectionInfo } from "@raycaster/realtime-client";
import { relayPeer } from "./relayPeer.js";

const url = process.env.SIGNALING_URL ?? "ws://localhost:3000";
const peer = relayPeer(url, process.env.ROOM ?? "default");
peer.on("open", ({ id }) => console.log(`${id} joined; relay only`));
peer.on("peerConnected", ({ peerId }) => {
  connectionInfo(peer, peerId).then(
    (info) => console.log(`connected to ${peerId} through ${info.local.type} ${info.local.address ?? ""}:${info.local.port ?? ""}`),
    (error: unknown) => console.warn(`no connection info for ${peerId}:`, error),
  );
  peer.send(peerId, `hello from ${peer.id}, through the relay`).catch((error: unknown) => console.warn(`send to ${peerId} failed:`, error));
});
peer.on("message", ({ peerId, data }) => console.log(`${peerId}: ${String(data)}`));
peer.on("error", (error) => console.warn(`[${error.code}] ${error.message}`));
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    peer.close();
    process.exit(0);
  });
}
