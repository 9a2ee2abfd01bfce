import { RTCClient, type RTCClientEvents } from "@raycaster/realtime-client";
import { Recorder } from "@raycaster/realtime-test-harness";
import { RTCPeerConnection } from "node-datachannel/polyfill";
import { onTestFinished } from "vitest";
import { WebSocket } from "ws";

const EVENTS = ["open", "peerJoined", "peerConnected", "message", "peerLeft", "error", "signalingState", "signalingClosed"] as const;

/** A real peer: the client with node-datachannel and ws, its events recorded from the start, closed when the test ends. */
export interface Peer {
  name: string;
  client: RTCClient;
  events: Recorder<RTCClientEvents>;
  id: string;
}

export async function startPeer(name: string, url: string, room: string): Promise<Peer> {
  const client = new RTCClient({
    url,
    room,
    RTCPeerConnection,
    WebSocket: WebSocket as never,
    connectTimeout: 10_000,
    iceRestartTimeout: 10_000,
    reconnect: { initialDelay: 200, maxDelay: 1000 },
  });
  onTestFinished(() => client.close());
  const events = Recorder.listen<RTCClientEvents>(client, EVENTS, { within: 15_000, subject: () => name });
  const { id } = await events.when("open", () => true, { label: `${name} seated` });
  return { name, client, events, id };
}

/** Resolves once every peer has a data channel open to every other. */
export async function meshed(peers: Peer[]): Promise<void> {
  await Promise.all(
    peers.flatMap((a) =>
      peers.filter((b) => b !== a).map((b) => a.events.when("peerConnected", (e) => e.peerId === b.id, { label: `${a.name} connected to ${b.name}` })),
    ),
  );
}

/** Every peer sends `tag` to every other, and each message arrives. */
export async function exchange(peers: Peer[], tag: string): Promise<void> {
  const arrivals = peers.flatMap((a) =>
    peers
      .filter((b) => b !== a)
      .map((b) =>
        b.events.when("message", (e) => e.peerId === a.id && (e.data as { tag?: string }).tag === tag, { label: `${tag} from ${a.name} to ${b.name}` }),
      ),
  );
  const sends = peers.flatMap((a) => peers.filter((b) => b !== a).map((b) => a.client.send(b.id, { tag })));
  await Promise.all([...sends, ...arrivals]);
}

/** Every `peerLeft` any of `peers` saw. */
export const leaves = (peers: Peer[]) =>
  peers.flatMap((p) => p.events.events.filter((e) => e.name === "peerLeft").map((e) => ({ at: p.name, ...(e.payload as object) })));
