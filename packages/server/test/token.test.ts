import { createHmac } from "node:crypto";
import { ErrorCodes, Limits } from "@raycaster/realtime-protocol";
import { describe, expect, it } from "vitest";
import { TokenSigner } from "../src/token.js";

// The token format is a contract between server instances that share a
// secret (a rolling deploy runs two versions at once), so it is pinned here:
// base64url(JSON claims) "." base64url(HMAC-SHA256(secret, domain \n room \n claims)).

const secret = Buffer.alloc(32, 7);
const signer = new TokenSigner(secret);
const now = 1_800_000_000_000;
const b64 = (text: string) => Buffer.from(text).toString("base64url");
/** A token signed as the server signs, over any claims text. */
const signed = (claims: string, room = "r", key: Buffer = secret) => {
  const part = b64(claims);
  return `${part}.${createHmac("sha256", key).update(`raycaster-realtime/seat/v1\n${room}\n${part}`).digest("base64url")}`;
};
const claims = (fields: object) => JSON.stringify({ id: "p1", exp: now + 1, boot: signer.bootId, ...fields });
const MALFORMED = { ok: false, code: ErrorCodes.INVALID_TOKEN, reason: "the token is malformed" };
const FORGED = { ok: false, code: ErrorCodes.INVALID_TOKEN, reason: "the token was not signed by this server's secret for this room, or was altered" };
const BAD_CLAIMS = { ok: false, code: ErrorCodes.INVALID_TOKEN, reason: "the token's claims are malformed" };

/** A genuine token of exactly `length` characters: claims padded with a field the server ignores. */
function tokenOfLength(length: number) {
  const claimsChars = length - 44; // a dot and 43 characters of MAC
  const bytes = (claimsChars * 3) / 4;
  const base = claims({ pad: "" });
  return signed(claims({ pad: "x".repeat(bytes - base.length) }));
}

describe("TokenSigner", () => {
  it("signs in the documented format, and verifies its own token until it expires", () => {
    const token = signer.sign("p1", "r", now + 1);
    expect(token).toBe(signed(claims({})));
    expect(signer.verify(token, "r", now)).toEqual({ ok: true, claims: { id: "p1", exp: now + 1, boot: signer.bootId } });
    expect(signer.verify(token, "r", now + 1)).toEqual({ ok: false, code: ErrorCodes.TOKEN_EXPIRED, reason: "the token has expired; join without it" });
  });

  it("is bound to its room and its secret", () => {
    const token = signer.sign("p1", "r", now + 1);
    expect(signer.verify(token, "r2", now)).toEqual(FORGED);
    expect(new TokenSigner(Buffer.alloc(32, 8)).verify(token, "r", now)).toEqual(FORGED);
    expect(signer.verify(signed(claims({}), "r", Buffer.alloc(32, 8)), "r", now)).toEqual(FORGED);
    const [part, mac] = token.split(".") as [string, string];
    const flipped = `${part}.${mac.slice(0, -1)}${mac.endsWith("A") ? "B" : "A"}`;
    expect(signer.verify(flipped, "r", now)).toEqual(FORGED);
    expect(signer.verify(`${b64(claims({ id: "p2" }))}.${mac}`, "r", now)).toEqual(FORGED);
  });

  it("takes a genuine token of Limits.token characters, and refuses one longer, genuine or not", () => {
    const longest = tokenOfLength(Limits.token);
    expect(longest).toHaveLength(Limits.token);
    expect(signer.verify(longest, "r", now)).toMatchObject({ ok: true, claims: { id: "p1" } });
    const over = tokenOfLength(Limits.token + 4);
    expect(over).toHaveLength(Limits.token + 4);
    expect(signer.verify(over, "r", now)).toEqual(MALFORMED);
  });

  it.each([
    ["nothing", ""],
    ["no dot", "abc"],
    ["a MAC one character short", signed(claims({})).slice(0, -1)],
    ["a MAC one character long", `${signed(claims({}))}A`],
    ["a character outside base64url before the claims", `*${signed(claims({}))}`],
    ["a character outside base64url after the MAC", `${signed(claims({}))}!`],
    ["padding", `${signed(claims({}))}=`],
    ["no claims", `.${signed(claims({})).split(".")[1]}`],
  ])("refuses %s as malformed", (_, token) => {
    expect(signer.verify(token, "r", now)).toEqual(MALFORMED);
  });

  it.each([
    ["not JSON", "not json"],
    ["JSON null", "null"],
    ["a JSON number", "5"],
    ["no id", JSON.stringify({ exp: now + 1, boot: "b" })],
    ["an empty id", claims({ id: "" })],
    ["an id of 65 characters", claims({ id: "p".repeat(Limits.peerId + 1) })],
    ["a numeric id", claims({ id: 5 })],
    ["no exp", JSON.stringify({ id: "p1", boot: "b" })],
    ["a string exp", claims({ exp: String(now + 1) })],
    ["a fractional exp", claims({ exp: now + 1.5 })],
    ["an exp past 2^53", claims({ exp: 2 ** 53 })],
    ["no boot", JSON.stringify({ id: "p1", exp: now + 1 })],
    ["a numeric boot", claims({ boot: 5 })],
  ])("refuses genuinely signed claims with %s, without throwing", (_, text) => {
    expect(signer.verify(signed(text), "r", now)).toEqual(BAD_CLAIMS);
  });

  it("takes an id of Limits.peerId characters", () => {
    const id = "p".repeat(Limits.peerId);
    expect(signer.verify(signed(claims({ id })), "r", now)).toMatchObject({ ok: true, claims: { id } });
  });
});
