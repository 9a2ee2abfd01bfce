import type { IceCandidate } from "@raycaster/realtime-protocol/client";

/** Whether an ICE candidate line is a relayed one (`typ relay`): an address on a TURN server. */
export function isRelayCandidate(candidate: IceCandidate | RTCIceCandidate | null): boolean {
  return candidate !== null && / typ relay(?: |$)/.test(candidate.candidate);
}

/** Whether an SDP carries at least one relay candidate. */
export function hasRelayCandidate(sdp: string | undefined): boolean {
  return sdp !== undefined && /^a=candidate:.* typ relay(?: |$)/m.test(sdp);
}

/**
 * Whether `PeerConnection` is node-datachannel's polyfill (it has the
 * `ext_*` extensions). Its constructor writes a TURN server's username and
 * credential into a URL (`turn:user:pass@host`) without escaping them, and
 * libdatachannel splits that URL at the first `:`: a TURN REST API username
 * (`expiry:id`) then reaches the TURN server as `expiry` and is refused
 * (401). libdatachannel does percent-decode both parts, so escaping them
 * first gets them through intact.
 */
export function escapesTurnCredentials(PeerConnection: { prototype: object }): boolean {
  return "ext_localCandidates" in PeerConnection.prototype;
}

/** The ICE servers with username and credential percent-escaped (see {@link escapesTurnCredentials}). */
export function escapeCredentials(servers: readonly RTCIceServer[]): RTCIceServer[] {
  return servers.map((server) => ({
    ...server,
    ...(server.username !== undefined && { username: encodeURIComponent(server.username) }),
    ...(typeof server.credential === "string" && { credential: encodeURIComponent(server.credential) }),
  }));
}
