import { RTCClient } from "@raycaster/realtime-client";
import { RTCPeerConnection } from "node-datachannel/polyfill";
import WebSocket from "ws";

/** Where the bot goes. */
export interface BotOptions {
  /** The signaling server, e.g. `"ws://localhost:3000"`. */
  url: string;
  /** The room to join. */
  room: string;
}

/**
 * A peer in Node that echoes: whatever a peer sends it on the default
 * channel comes back to that peer, as it was sent (JSON, or binary).
 * Node has no WebRTC of its own: node-datachannel's polyfill gives it
 * `RTCPeerConnection`; `ws` gives Node 20 a `WebSocket` (22 has one).
 */
export function startBot({ url, room }: BotOptions): RTCClient {
  const client = new RTCClient({ url, room, RTCPeerConnection, WebSocket });
  client.on("message", ({ peerId, data }) => {
    // A peer may leave before its echo is sent: send() then rejects with
    // PEER_NOT_CONNECTED, which the bot reports and shrugs off.
    client.send(peerId, data).catch((error: unknown) => console.warn(`echo to ${peerId} failed:`, error));
  });
  client.on("error", (error) => console.warn(`[${error.code}] ${error.message}`));
  return client;
}
