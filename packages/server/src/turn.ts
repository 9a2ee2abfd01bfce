import { createHmac } from "node:crypto";
import { Limits, type IceServer } from "@raycaster/realtime-protocol";

/**
 * TURN servers whose credentials the signaling server mints per seat, by the
 * TURN REST API convention that coturn accepts with `use-auth-secret` and
 * `static-auth-secret`: the username is `expiry:seatId` (`expiry` in Unix
 * seconds) and the credential is base64(HMAC-SHA1(secret, username)). The
 * TURN server checks the MAC with the same secret and refuses the username
 * once `expiry` has passed; no database is shared, and no long-lived
 * password reaches a page.
 */
export interface TurnOptions {
  /**
   * The TURN server's URLs, e.g. `"turn:turn.example.com:3478"` or
   * `["turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349?transport=tcp"]`.
   * Each must start with `turn:` or `turns:`; at most `Limits.iceUrls`, each
   * at most `Limits.iceUrl` characters.
   */
  urls: string | string[];
  /** coturn's `static-auth-secret`: the HMAC-SHA1 key of the credentials. Keep it secret. */
  secret: string;
  /**
   * Seconds the credentials of one seating are valid. A connected seat is
   * sent fresh ones (`IceServers`) once its last ones have passed half this
   * life, and a resumed seat gets fresh ones in `Initialize`. From 2 to
   * 604800 (a week); below a few minutes only makes sense in tests.
   *
   * Why a day: a TURN allocation is refreshed (every few minutes) with the
   * credentials it was made with, and coturn refuses those once expired, so
   * a relayed peer connection lives at most about `ttl` before it needs an
   * ICE restart (which uses the renewed credentials). Shorter limits how
   * long leaked credentials are worth something; a day keeps relayed
   * sessions alive through a working day, as coturn's own examples do.
   * @default 86400 (a day)
   */
  ttl?: number;
}

/** {@link TurnOptions} validated, with the default filled in. */
export interface ResolvedTurnOptions {
  urls: string[];
  secret: string;
  /** Seconds. */
  ttl: number;
}

/** Whole seconds: the renewal check runs every quarter of it, so 2 s renews within 1.5 s. */
const MIN_TTL = 2;
const MAX_TTL = 7 * 24 * 3600;

/** Validates the `turn` option of the server; `undefined` when there is none. */
export function resolveTurn(value: TurnOptions | undefined): ResolvedTurnOptions | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null) {
    throw new TypeError("`turn` must be an object { urls, secret, ttl? }");
  }
  const urls = typeof value.urls === "string" ? [value.urls] : value.urls;
  if (!Array.isArray(urls) || urls.length === 0) {
    throw new TypeError("`turn.urls` must be a TURN URL or a non-empty array of them");
  }
  if (urls.length > Limits.iceUrls) {
    throw new RangeError(`\`turn.urls\` holds at most ${Limits.iceUrls} URLs, got ${urls.length}`);
  }
  for (const url of urls) {
    if (typeof url !== "string" || !/^turns?:[^\s]+$/.test(url)) {
      throw new TypeError(`\`turn.urls\` must be turn: or turns: URLs, got ${JSON.stringify(url)}`);
    }
    if (url.length > Limits.iceUrl) {
      throw new RangeError(`a \`turn.urls\` URL is at most ${Limits.iceUrl} characters, got ${url.length}`);
    }
  }
  if (typeof value.secret !== "string" || value.secret.length === 0) {
    throw new TypeError("`turn.secret` must be a non-empty string (coturn's static-auth-secret)");
  }
  const ttl = value.ttl ?? 86_400;
  if (!Number.isInteger(ttl) || ttl < MIN_TTL || ttl > MAX_TTL) {
    throw new RangeError(`\`turn.ttl\` must be a whole number of seconds from ${MIN_TTL} to ${MAX_TTL}, got ${ttl}`);
  }
  return { urls: [...urls], secret: value.secret, ttl };
}

/**
 * One TURN REST API credential pair: username `expiry:id` (expiry in Unix
 * seconds), credential base64(HMAC-SHA1(secret, username)).
 */
export function turnCredential(secret: string, id: string, expiresAt: number): { username: string; credential: string } {
  const username = `${expiresAt}:${id}`;
  const credential = createHmac("sha1", secret).update(username).digest("base64");
  return { username, credential };
}

/**
 * Mints the ICE servers of each seat and remembers when, so that a single
 * shared timer can renew them at half their life.
 */
export class TurnMinter {
  readonly #options: ResolvedTurnOptions;
  /** When each seat's current credentials were minted (ms since the epoch); gone with the seat. */
  readonly #mintedAt = new WeakMap<object, number>();

  constructor(options: ResolvedTurnOptions) {
    this.#options = options;
  }

  /**
   * How often the shared timer looks for credentials to renew, in ms: a
   * quarter of their life, so each is renewed between half and three
   * quarters of it and a client always holds some with a quarter left.
   */
  get checkInterval(): number {
    return (this.#options.ttl * 1000) / 4;
  }

  /** Fresh ICE servers for `seat`, valid for `ttl` from `now` (ms). */
  mint(seat: { readonly id: string }, now: number): IceServer[] {
    this.#mintedAt.set(seat, now);
    const expiresAt = Math.floor(now / 1000) + this.#options.ttl;
    return [{ urls: this.#options.urls, ...turnCredential(this.#options.secret, seat.id, expiresAt) }];
  }

  /** Whether the credentials last minted for `seat` have passed half their life at `now`. */
  due(seat: object, now: number): boolean {
    const minted = this.#mintedAt.get(seat);
    return minted === undefined || now - minted >= (this.#options.ttl * 1000) / 2;
  }
}
