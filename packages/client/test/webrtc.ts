// The WebRTC implementation this run of the suite uses: every client test
// runs once per implementation (see vitest.config.ts), so the negotiation is
// proven against libdatachannel (node-datachannel) and against libwebrtc,
// Chromium's own stack (@roamhq/wrtc), which follows the spec's state machine.
// Only the chosen one is loaded: two native WebRTC stacks in one process
// (each with its own SCTP and DTLS) interfere with each other.
import type { RTCPeerConnection as DataChannelPeerConnection } from "node-datachannel/polyfill";

export const implementation = process.env.REALTIME_WEBRTC === "wrtc" ? "wrtc" : "node-datachannel";

export const RTCPeerConnection: typeof DataChannelPeerConnection =
  implementation === "wrtc"
    ? ((await import("@roamhq/wrtc")).default.RTCPeerConnection as unknown as typeof DataChannelPeerConnection)
    : (await import("node-datachannel/polyfill")).RTCPeerConnection;
