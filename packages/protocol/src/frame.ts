import type { ErrorCode } from "./errors.js";

/** What parsing one frame gives: the typed message, or why it was refused. Never throws. */
export type ParseResult<T> = { ok: true; message: T } | { ok: false; code: ErrorCode; reason: string };

/** A refused frame. */
export type Refusal = { ok: false; code: ErrorCode; reason: string };

export function refuse(code: ErrorCode, reason: string): Refusal {
  return { ok: false, code, reason };
}

/**
 * The first steps of parsing any frame, shared by the zod parsers and the
 * light one: JSON, then a JSON object, then a known `event`.
 */
export function readFrame(frame: string, events: readonly string[]): Refusal | { ok: true; object: Record<string, unknown>; event: string } {
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return refuse("INVALID_JSON", "the frame is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return refuse("INVALID_MESSAGE", "a frame must be a JSON object with an `event`");
  }
  const object = value as Record<string, unknown>;
  const event = object.event;
  if (!isOneOf(event, events)) {
    const name = typeof event === "string" ? `"${event.slice(0, 64)}"` : "missing";
    return refuse("UNKNOWN_EVENT", `event ${name} is not one of ${events.join(", ")}`);
  }
  return { ok: true, object, event };
}

// includes() alone settles it, a non-string included: `list` holds only
// strings. (A typeof before it, for the narrowing, would be a check no input
// could tell from its absence.)
const isOneOf = (value: unknown, list: readonly string[]): value is string => list.includes(value as string);

/** The events a server sends, in the order `ServerMessageSchema` lists them. */
export const serverEvents: readonly string[] = [
  "Initialize",
  "UserConnected",
  "UserDisconnected",
  "ReceiveOffer",
  "ReceiveAnswer",
  "ReceiveCandidate",
  "Error",
  "Token",
  "IceServers",
  "Pong",
];
