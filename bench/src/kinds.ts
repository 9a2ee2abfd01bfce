/** How a load generator speaks to each server under test: where to connect, how to join a pair, what a signal looks like. */
import { JoinQuery, PROTOCOL_VERSION } from "@raycaster/realtime-protocol";

export type Kind = "splice" | "json" | "ours" | "peerjs" | "ywebrtc";
export const KINDS: readonly Kind[] = process.env.BENCH_ONLY ? (process.env.BENCH_ONLY.split(",") as Kind[]) : ["splice", "json", "ours", "peerjs", "ywebrtc"];
export const LABELS: Record<Kind, string> = {
  splice: "bare ws relay, byte splice",
  json: "bare ws relay, JSON parse + stringify",
  ours: "ours (SignalingServer)",
  peerjs: "PeerJS server (peer 1.0.2)",
  ywebrtc: "y-webrtc 10.3 signaling server",
};

/** A realistic SDP offer body for a data-channel-only session, cut so that every frame is about 650 bytes. */
const SDP_LINES = [
  "v=0",
  "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
  "s=-",
  "t=0 0",
  "a=group:BUNDLE 0",
  "a=extmap-allow-mixed",
  "a=msid-semantic: WMS",
  "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
  "c=IN IP4 0.0.0.0",
  "a=ice-ufrag:Wq3N",
  "a=ice-pwd:k0CC0gqDBnmZsMgXq7AXzpb7",
  "a=ice-options:trickle",
  "a=fingerprint:sha-256 5B:D3:8A:2F:1C:9E:44:07:AB:61:3E:F2:90:7D:C8:15:62:0B:E4:39:AF:D1:56:C7:28:8E:03:B4:7F:19:6A:E0",
  "a=setup:actpass",
  "a=mid:0",
  "a=sctp-port:5000",
  "a=max-message-size:262144",
  "a=candidate:1467250027 1 udp 2122260223 192.168.1.23 54321 typ host generation 0 network-id 1",
  "a=end-of-candidates",
];
export const SDP = SDP_LINES.join("\r\n") + "\r\n";

export interface Endpoint {
  url: string;
  /** Frames to send once open, in order; `await` names a substring of the frame that ends the set-up. */
  hello: string[];
  ready: string | undefined;
}

/** The set-up of side `side` of pair `pair`. */
export function endpoint(kind: Kind, port: number, pair: number, side: "a" | "b"): Endpoint {
  const base = `ws://127.0.0.1:${port}`;
  const id = `${side}${pair}`;
  switch (kind) {
    case "splice":
      return { url: `${base}/?pair=${pair}&side=${side}`, hello: [], ready: undefined };
    case "json":
      return { url: `${base}/?id=${id}`, hello: [], ready: undefined };
    case "ours":
      // As RTCClient joins without a resume token: on the upgrade request, no Join frame.
      return { url: `${base}/?${JoinQuery.protocol}=${PROTOCOL_VERSION}&${JoinQuery.room}=pair-${pair}`, hello: [], ready: '"Initialize"' };
    case "peerjs":
      return { url: `${base}/peerjs?key=peerjs&id=${id}&token=t${id}`, hello: [], ready: '"OPEN"' };
    case "ywebrtc":
      return {
        url: base,
        hello: [JSON.stringify({ type: "subscribe", topics: [`pair-${pair}`] }), JSON.stringify({ type: "ping" })],
        ready: '"pong"',
      };
  }
}

/** The id the server knows side `side` of pair `pair` by (ours: minted by the server, read from `Initialize`). */
export function idFromReady(kind: Kind, frame: string, pair: number, side: "a" | "b"): string {
  if (kind === "ours") return (JSON.parse(frame) as { id: string }).id;
  return `${side}${pair}`;
}

/** One signal from `from` (side) to `to` (the server's id of the other side), about 650 bytes on the wire. */
export function signal(kind: Kind, pair: number, side: "a" | "b", to: string): string {
  switch (kind) {
    case "splice":
    case "json":
    case "ours":
      return JSON.stringify({ event: "SendOffer", to, sdp: SDP });
    case "peerjs":
      return JSON.stringify({
        type: "OFFER",
        dst: to,
        payload: { sdp: { type: "offer", sdp: SDP.slice(0, SDP.length - 46) }, type: "data", connectionId: "dc_bench0001" },
      });
    case "ywebrtc":
      return JSON.stringify({
        type: "publish",
        topic: `pair-${pair}`,
        data: { type: "signal", from: side, to, signal: { type: "offer", sdp: SDP.slice(0, SDP.length - 64) } },
      });
  }
}

/** y-webrtc echoes a publish to its sender too: a side skips frames it sent itself. */
export function echoMarker(kind: Kind, side: "a" | "b"): string | undefined {
  return kind === "ywebrtc" ? `"from":"${side}"` : undefined;
}
