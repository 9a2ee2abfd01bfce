// A Node peer in a project compiled without the DOM lib (lib: ["ES2022"])
// and with every declaration file checked: the client's own types stand
// alone. (node-datachannel's and @roamhq/wrtc's declarations need the DOM
// lib themselves, so the stack is loaded untyped here and given the
// client's own constructor type.)
import { createRequire } from "node:module";
import { connectionInfo, RTCClient, type RTCClientOptions, type RTCPeerConnectionConstructor } from "@raycaster/realtime-client";
import { mediaOf } from "@raycaster/realtime-client/media";
import WebSocket from "ws";

const stack = createRequire(import.meta.url)("node-datachannel/polyfill") as { RTCPeerConnection: RTCPeerConnectionConstructor };
const options: RTCClientOptions<{ text: string }> = {
  url: "ws://localhost:3000",
  room: "bots",
  RTCPeerConnection: stack.RTCPeerConnection,
  WebSocket,
  iceServers: [{ urls: "stun:stun.example.com:3478" }],
  rtcConfiguration: { iceTransportPolicy: "all" },
};
const client = new RTCClient(options);
client.on("message", ({ peerId, data }) => console.log(peerId, data.text.length));
client.on("peerConnected", ({ peerId }) => {
  void connectionInfo(client, peerId).then((info) => console.log(info.type, info.rtt));
});
const state = client.channel<{ x: number }>("state", { ordered: false, maxRetransmits: 0 });
state.on("message", ({ data }) => console.log(data.x));
console.log(mediaOf(client).removeTrack.length);
await client.send("someone", { text: "hi" });
client.close();
