import { expect } from "vitest";
import type { PeerProcess } from "./peerProcess.js";
import type { Timeline, TimelineEvent } from "./timeline.js";

/**
 * Product timeouts of the fault tests, all well below the 60 s test timeout
 * (vitest.config.ts), so that when recovery fails the product says so (an
 * `error`, a `peerLeft`) or a labeled wait does, never the bare test timeout.
 */
export const clientOptions = {
  // Reconnect quickly: the tests measure behaviour, not backoff.
  reconnect: { initialDelay: 100, maxDelay: 1_000 },
  // A half-open socket is noticed within 1.5 s.
  pingInterval: 500,
  pingTimeout: 1_000,
  // A peer connection `disconnected` for 1 s restarts ICE. The restart has
  // 25 s to succeed: the peer-link cut lasts 17 s after it began (past
  // libwebrtc's own ICE timeout), and recovery (tens of ms once the path is
  // back, at most one retry round of 2 s) must still fall inside it.
  iceRestartDelay: 1_000,
  iceRestartTimeout: 25_000,
  connectTimeout: 10_000,
};

export const serverOptions = {
  secret: "reliability-suite-secret-0123456789abcdef",
  // Long enough for any cut a test makes (the longest signaling cut is a few
  // seconds plus a TCP SYN retransmission), short against the test timeout.
  seatGrace: 20_000,
  // Sockets silent for a heartbeat interval are terminated: the server
  // notices a cut peer within 2 s.
  heartbeatInterval: 1_000,
};

type PcEvent = { pc: number; kind: string; state?: string };

/** Whether an event is a `pc` report of this kind (and state). */
export function isPc(event: TimelineEvent, kind: string, states?: string[]): boolean {
  if (event.name !== "pc") return false;
  const payload = event.payload as PcEvent;
  return payload.kind === kind && (states === undefined || states.includes(payload.state ?? ""));
}

/** The number of the newest RTCPeerConnection `peer` created (its pc reports count from 1). */
export function latestPc(timeline: Timeline, peer: PeerProcess): number {
  const created = timeline.all(peer.name, "pc").filter((e) => isPc(e, "created"));
  return (created.at(-1)?.payload as PcEvent | undefined)?.pc ?? 0;
}

/**
 * Sends `count` numbered messages from `from` to `to` and waits for the
 * last; returns the numbers `to` received, in arrival order, for the caller
 * to compare with what was sent.
 */
export async function exchange(
  timeline: Timeline,
  from: PeerProcess,
  to: PeerProcess,
  { tag, count, within }: { tag: string; count: number; within: number },
): Promise<number[]> {
  const after = timeline.mark();
  for (let n = 1; n <= count; n++) await from.send(to.id!, { tag, n });
  type Message = { peerId: string; data: { tag?: string; n?: number } };
  const fromUs = (p: Message) => p.peerId === from.id && p.data.tag === tag;
  await to.waitFor(`${to.name} receives ${from.name}'s message ${tag} #${count}`, "message", (p: Message) => fromUs(p) && p.data.n === count, {
    within,
    after,
  });
  return timeline
    .all(to.name, "message", after)
    .map((e) => e.payload as Message)
    .filter(fromUs)
    .map((p) => p.data.n!);
}

/** Asserts that nobody reported `peerLeft`: with the whole timeline when someone did. */
export function expectNobodyLeft(timeline: Timeline): void {
  const left = timeline.events.filter((e) => e.name === "peerLeft");
  expect(left, `nobody may see peerLeft\n${timeline.describe()}`).toEqual([]);
}

/** Asserts that no peer process crashed or exited on its own. */
export function expectNoCrash(timeline: Timeline): void {
  const crashes = timeline.events.filter((e) => e.name === "crash" || (e.name === "unexpectedExit" && e.actor !== "server"));
  expect(crashes, `no peer may crash\n${timeline.describe()}`).toEqual([]);
}

/** The numbers 1..count: what an in-order delivery of `count` messages looks like. */
export function upTo(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i + 1);
}

/**
 * Asserts what each peer holds once things settled: one peer connection and
 * one data channel per remote peer and nothing more, so a restart or a
 * resume left no retired connection, channel or stray peer behind.
 */
export async function expectHolding(timeline: Timeline, peers: PeerProcess[], remotePeers: number): Promise<void> {
  for (const peer of peers) {
    const stats = await peer.request("stats");
    expect(stats, `${peer.name}'s resources\n${timeline.describe()}`).toMatchObject({
      peers: remotePeers,
      peerConnections: remotePeers,
      dataChannels: remotePeers,
    });
  }
}
