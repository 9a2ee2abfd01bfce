import type * as z from "zod/mini";
import { ErrorCodes } from "./errors.js";
import { SignalingEvents } from "./events.js";
import { readFrame, refuse, serverEvents, type ParseResult } from "./frame.js";
import { ClientMessageSchema, ServerMessageSchema, type ClientMessage, type ServerMessage } from "./schemas.js";

export type { ParseResult } from "./frame.js";

const clientEvents: readonly string[] = [
  SignalingEvents.Join,
  SignalingEvents.SendOffer,
  SignalingEvents.SendAnswer,
  SignalingEvents.SendCandidate,
  SignalingEvents.Ping,
];

/**
 * Parses a frame a client sent. Checks in the order a reader would want the
 * complaint: not JSON, then an unknown event, then a spoofed `from`, then the
 * fields.
 */
export function parseClientMessage(frame: string): ParseResult<ClientMessage> {
  return parseFrame(frame, clientEvents, ClientMessageSchema, (object) =>
    "from" in object ? refuse(ErrorCodes.SPOOFED_SENDER, "`from` is set by the server; remove it from the frame") : undefined,
  );
}

/** Parses a frame the server sent. */
export function parseServerMessage(frame: string): ParseResult<ServerMessage> {
  return parseFrame(frame, serverEvents, ServerMessageSchema);
}

function parseFrame<T>(
  frame: string,
  events: readonly string[],
  schema: z.ZodMiniType<T>,
  precheck?: (object: Record<string, unknown>) => ParseResult<T> | undefined,
): ParseResult<T> {
  const read = readFrame(frame, events);
  if (!read.ok) return read;
  const early = precheck?.(read.object);
  if (early) return early;
  const result = schema.safeParse(read.object);
  if (!result.success) {
    return refuse(ErrorCodes.INVALID_MESSAGE, `${read.event}: ${describeIssues(result.error.issues)}`);
  }
  return { ok: true, message: result.data };
}

// zod/mini ships no message locale ("Invalid input" everywhere), so the
// readable reason is built here from the structured issues.
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.slice(0, 3).map(describeIssue).join("; ");
}

function describeIssue(issue: z.core.$ZodIssue): string {
  // No frame reaches "the frame": readFrame has checked the frame is an
  // object with a known event, so every issue these schemas raise is under a
  // field except unrecognized_keys, which names its keys instead. The
  // fallback's mutants are therefore equivalent.
  // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: unreachable fallback, see above
  const where = issue.path.length > 0 ? located(issue.path) : "the frame";
  switch (issue.code) {
    case "invalid_type":
      return `${where} must be ${issue.expected}`;
    case "too_big":
      return `${where} must be at most ${String(issue.maximum)}${issue.origin === "string" ? " characters" : ""}`;
    case "too_small":
      return `${where} must be at least ${String(issue.minimum)}${issue.origin === "string" ? " characters" : ""}`;
    case "unrecognized_keys": {
      const named = issue.keys.slice(0, 5).map((key) => `\`${key.slice(0, 32)}\``);
      if (issue.keys.length > 5) named.push(`and ${issue.keys.length - 5} more`);
      return `unexpected field${issue.keys.length > 1 ? "s" : ""} ${named.join(", ")}`;
    }
    case "invalid_format":
      return `${where} has characters that are not allowed`;
    // A union (`urls`), a metadata key over its bound. No literal or enum is
    // reachable: readFrame has already matched `event`, the only literal.
    default:
      return `${where} is invalid`;
  }
}

// Cut as the light parser cuts it: a metadata key is part of a path, and a
// reason stays short whatever the frame held.
const located = (path: readonly PropertyKey[]) => `\`${path.join(".").slice(0, 96)}\``;
