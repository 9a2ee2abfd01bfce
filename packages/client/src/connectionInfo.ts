import type { RTCClient } from "./client.js";
import { peerError } from "./errors.js";
import { extend } from "./extension.js";

/** The kind of an ICE candidate: a local address, one a STUN server saw, one learnt from a peer's check, or a TURN relay. */
export type CandidateType = "host" | "srflx" | "prflx" | "relay";

/** One end of the selected candidate pair, as the stack's `getStats()` reports it. */
export interface CandidateInfo {
  type: CandidateType;
  /** Its IP address (or mDNS name); absent where the stack hides it (libwebrtc hides a peer-reflexive remote's). */
  address?: string | undefined;
  port?: number | undefined;
  /** `"udp"` or `"tcp"`; node-datachannel does not report it. */
  protocol?: string | undefined;
}

/** How this client reaches a peer right now: the ICE candidate pair in use. */
export interface ConnectionInfo {
  /**
   * How the path goes: `"relay"` when either end is a TURN relay, else the
   * remote end's type if it is server- or peer-reflexive, else the local
   * end's (`"host"`: a direct path on a local network). A direct path may
   * show as `"prflx"` when the remote's connectivity check arrived before
   * its candidate was signaled (common on a LAN or loopback).
   */
  type: CandidateType;
  local: CandidateInfo;
  remote: CandidateInfo;
  /**
   * Round-trip time in milliseconds, `undefined` until the stack has
   * measured one. libwebrtc (browsers, @roamhq/wrtc) measures it on STUN
   * checks; libdatachannel (node-datachannel) reports its SCTP round trip.
   */
  rtt?: number | undefined;
}

type Stats = Record<string, unknown>;

/**
 * How `client` reaches `peerId` now: the ICE candidate pair in use
 * (`"host"`: direct; `"srflx"`/`"prflx"`: through a NAT; `"relay"`:
 * through TURN) and its round-trip time, from the connection's
 * `getStats()`: the transport's `selectedCandidatePairId`, else (Firefox
 * has no transport stats) the nominated pair that succeeded. A function
 * rather than a method, so that an app that never calls it does not ship it.
 *
 * @throws {RealtimeError} (the promise rejects) `PEER_NOT_CONNECTED` for a peer not in the room or with no selected pair (still connecting, or restarting).
 *
 * @example
 * ```ts
 * import { connectionInfo } from "@raycaster/realtime-client";
 * const { type, rtt } = await connectionInfo(client, peerId); // "host", 3
 * ```
 */
export async function connectionInfo(client: RTCClient<never>, peerId: string): Promise<ConnectionInfo> {
  const pc = client[extend]().connection(peerId);
  if (!pc) throw peerError("PEER_NOT_CONNECTED", peerId, "not in the room");
  const report = (await pc.getStats()) as Map<string, Stats>;
  const all = [...report.values()];
  const selectedId = all.find((stats) => stats.type === "transport" && stats.selectedCandidatePairId)?.selectedCandidatePairId as string | undefined;
  const pair = report.get(selectedId as string) ?? all.find((stats) => stats.type === "candidate-pair" && stats.nominated && stats.state === "succeeded");
  const local = candidate(report.get(pair?.localCandidateId as string));
  const remote = candidate(report.get(pair?.remoteCandidateId as string));
  if (!pair || !local || !remote) {
    throw peerError("PEER_NOT_CONNECTED", peerId, "no selected candidate pair");
  }
  const type = [local.type, remote.type].includes("relay") ? "relay" : remote.type === "host" ? local.type : remote.type;
  return { type, local, remote, rtt: rttOf(pc, pair) };
}

function candidate(stats: Stats | undefined): CandidateInfo | undefined {
  if (!stats) return undefined;
  return {
    type: stats.candidateType as CandidateType,
    // `ip` is the older name (node-datachannel still uses it). libwebrtc
    // hides a peer-reflexive remote's address (as the spec asks) as "".
    address: ((stats.address ?? stats.ip) as string | undefined) || undefined,
    port: stats.port as number | undefined,
    protocol: stats.protocol as string | undefined,
  };
}

/** The pair's round trip in milliseconds, or undefined where none was measured. */
function rttOf(pc: RTCPeerConnection, pair: Stats): number | undefined {
  const current = pair.currentRoundTripTime as number | undefined;
  // node-datachannel's polyfill (it has the `ext_*` extensions, see
  // escapesTurnCredentials) puts libdatachannel's SCTP round trip there in
  // milliseconds, -1 when unknown, where the spec has seconds.
  if ("ext_localCandidates" in pc) return current === undefined || current < 0 ? undefined : current;
  return current === undefined ? undefined : current * 1000;
}
