/**
 * The WebRTC types the client's declarations name, for projects compiled
 * without the DOM lib (a Node app with `lib: ["ES2022"]`).
 *
 * With the DOM lib these empty interfaces merge into the DOM's own and change
 * nothing. Without it they stand in for them, empty: the client's signatures
 * still typecheck, and what a Node app hands over (node-datachannel's or
 * @roamhq/wrtc's `RTCPeerConnection`, a plain configuration object) fits
 * them. The same stub pattern as `@types/node` uses for web globals.
 * Only interfaces can merge this way; a DOM type alias is restated below.
 */
declare global {
  /* oxlint-disable typescript/no-empty-object-type, typescript/no-empty-interface -- stubs, filled by the DOM lib where present */
  interface RTCPeerConnection {}
  interface RTCDataChannel {}
  interface RTCConfiguration {}
  interface RTCIceServer {}
  interface RTCSctpTransport {}
  interface MediaStream {}
  interface MediaStreamTrack {}
  interface RTCRtpSender {}
  interface RTCRtpTransceiver {}
  /* oxlint-enable typescript/no-empty-object-type, typescript/no-empty-interface */
}

/** An `RTCPeerConnection`'s `connectionState` (the DOM's `RTCPeerConnectionState`, which is a type alias and cannot be stubbed). */
export type PeerConnectionState = "closed" | "connected" | "connecting" | "disconnected" | "failed" | "new";
