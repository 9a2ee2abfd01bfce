import { createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from "node:crypto";
import { ErrorCodes, Limits } from "@raycaster/realtime-protocol";

/** What a genuine token says: whose seat it is, until when, and which server instance issued it. */
export interface TokenClaims {
  /** The seat's peer id. */
  id: string;
  /** Milliseconds since the epoch after which the token is refused. */
  exp: number;
  /** The random id of the server instance that signed it (see {@link TokenSigner.bootId}). */
  boot: string;
}

/** The result of {@link TokenSigner.verify}: the claims, or the code and reason to refuse with. */
export type VerifyResult =
  { ok: true; claims: TokenClaims } | { ok: false; code: typeof ErrorCodes.INVALID_TOKEN | typeof ErrorCodes.TOKEN_EXPIRED; reason: string };

/** Separates this use of the secret from any other the application makes of it. */
const DOMAIN = "raycaster-realtime/seat/v1";

/** Claims, a dot, and the 32 bytes of HMAC-SHA256 as 43 base64url characters. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/;

/**
 * Signs and checks resume tokens: `base64url(JSON claims) + "." +
 * base64url(HMAC-SHA256(secret, domain, room, claims))`.
 *
 * The room is bound by the MAC but not carried in the claims: a room name
 * may be 128 characters of three UTF-8 bytes each, which would push a token
 * past `Limits.token`; the client names its room in `Join` anyway, and a
 * token presented for any other room fails the MAC like a tampered one.
 */
export class TokenSigner {
  /**
   * Random per instance, so a token says whether this very server issued
   * it: a genuine token for a seat unknown here is then either one that
   * ended here (same boot) or one from before a restart (another boot).
   */
  readonly bootId = randomBytes(12).toString("base64url");
  readonly #key: KeyObject;

  constructor(secret: Uint8Array) {
    // A KeyObject copies the bytes, so a caller mutating its buffer later changes nothing.
    this.#key = createSecretKey(secret);
  }

  /** A token for seat `id` of `room`, valid until `exp` (ms since the epoch). */
  sign(id: string, room: string, exp: number): string {
    const claims = Buffer.from(JSON.stringify({ id, exp, boot: this.bootId })).toString("base64url");
    return `${claims}.${this.#mac(room, claims)}`;
  }

  /** Checks `token` for `room` at time `now`. Never throws. */
  verify(token: string, room: string, now: number): VerifyResult {
    if (token.length > Limits.token || !TOKEN_SHAPE.test(token)) {
      return invalid("the token is malformed");
    }
    const dot = token.indexOf(".");
    const claimsPart = token.slice(0, dot);
    // Compared as text, not decoded bytes: base64url has several spellings
    // of the same last byte, and only the one this server writes is genuine.
    const given = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.#mac(room, claimsPart));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return invalid("the token was not signed by this server's secret for this room, or was altered");
    }
    const claims = parseClaims(claimsPart);
    // Only a holder of the secret can sign claims this server cannot read.
    if (!claims) return invalid("the token's claims are malformed");
    if (claims.exp <= now) {
      return { ok: false, code: ErrorCodes.TOKEN_EXPIRED, reason: "the token has expired; join without it" };
    }
    return { ok: true, claims };
  }

  #mac(room: string, claims: string): string {
    // Room names hold no control characters, so "\n" separates unambiguously.
    return createHmac("sha256", this.#key).update(`${DOMAIN}\n${room}\n${claims}`).digest("base64url");
  }
}

function invalid(reason: string): VerifyResult {
  return { ok: false, code: ErrorCodes.INVALID_TOKEN, reason };
}

function parseClaims(part: string): TokenClaims | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, "base64url").toString());
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { id, exp, boot } = value as Record<string, unknown>;
  if (typeof id !== "string" || id.length === 0 || id.length > Limits.peerId) return undefined;
  if (typeof exp !== "number" || !Number.isSafeInteger(exp)) return undefined;
  if (typeof boot !== "string") return undefined;
  return { id, exp, boot };
}
