/**
 * What a room name may not contain: the Unicode general categories Cc
 * (controls, C0 and C1), Cf (format: bidi overrides such as U+202E,
 * zero-width characters), Cs (surrogates: a lone one is not text), Co
 * (private use), Zl and Zp (line and paragraph separators). One pattern,
 * used by `RoomNameSchema` (zod, the server) and the light parser (the
 * client), so that both sides agree.
 */
export const RoomNamePattern = /^[^\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Zl}\p{Zp}]+$/u;
