import { RTCClient } from "@raycaster/realtime-client";
import wrtc from "@roamhq/wrtc";
import WebSocket from "ws";

/**
 * A peer that may only use relay candidates (`iceTransportPolicy:
 * "relay"`): every byte to its peers goes through the TURN server, whose
 * address and credentials come from the signaling server; it gives none of
 * its own addresses away. In a browser, leave out `RTCPeerConnection` and
 * `WebSocket`: the options are the same.
 *
 * Node's WebRTC here is @roamhq/wrtc (libwebrtc, Chromium's stack), which
 * keeps to the policy when it pairs candidates; node-datachannel's agent
 * signals only relay candidates too, but may still pair two local sockets
 * directly on one machine.
 */
export function relayPeer(url: string, room: string): RTCClient {
  return new RTCClient({
    url,
    room,
    rtcConfiguration: { iceTransportPolicy: "relay" },
    RTCPeerConnection: wrtc.RTCPeerConnection,
    WebSocket,
  });
}
