import { SignalingServer } from "@raycaster/realtime-server";

/** A signaling server that hands each seat short-lived credentials for the TURN server. */
export interface TurnSignalingOptions {
  port: number;
  host?: string;
  /** The TURN server's URLs, e.g. `"turn:turn.example.com:3478"`. */
  turnUrls: string | string[];
  /** coturn's `static-auth-secret`. */
  turnSecret: string;
}

/**
 * The server mints a username (`expiry:seatId`) and an HMAC-SHA1 credential
 * per seat, as coturn's `use-auth-secret` expects, sends them in
 * `Initialize` and renews them before they expire: no TURN password ever
 * reaches a client, and a leaked credential is worth a day at most.
 */
export function startSignaling({ port, host, turnUrls, turnSecret }: TurnSignalingOptions): SignalingServer {
  return new SignalingServer({ port, ...(host === undefined ? {} : { host }), turn: { urls: turnUrls, secret: turnSecret } });
}
