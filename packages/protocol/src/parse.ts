import type * as z from "zod/mini";
import { ErrorCodes, type ErrorCode } from "./errors.js";
import { SignalingEvents } from "./events.js";
import {
  ClientMessageSchema,
  ServerMessageSchema,
  type ClientMessage,
  type ServerMessage,
} from "./schemas.js";

/** What parsing one frame gives: the typed message, or why it was refused. Never throws. */
export type ParseResult<T> =
  | { ok: true; message: T }
  | { ok: false; code: ErrorCode; reason: string };

const clientEvents: ReadonlySet<string> = new Set([
  SignalingEvents.Join,
  SignalingEvents.SendOffer,
  SignalingEvents.SendAnswer,
  SignalingEvents.SendCandidate,
  SignalingEvents.Ping,
]);

const serverEvents: ReadonlySet<string> = new Set([
  SignalingEvents.Initialize,
  SignalingEvents.UserConnected,
  SignalingEvents.UserDisconnected,
  SignalingEvents.ReceiveOffer,
  SignalingEvents.ReceiveAnswer,
  SignalingEvents.ReceiveCandidate,
  SignalingEvents.Error,
  SignalingEvents.Token,
  SignalingEvents.IceServers,
  SignalingEvents.Pong,
]);

/**
 * Parses a frame a client sent. Checks in the order a reader would want the
 * complaint: not JSON, then an unknown event, then a spoofed `from`, then the
 * fields.
 */
export function parseClientMessage(frame: string): ParseResult<ClientMessage> {
  return parseFrame(frame, clientEvents, ClientMessageSchema, (object) =>
    "from" in object
      ? refuse(ErrorCodes.SPOOFED_SENDER, "`from` is set by the server; remove it from the frame")
      : undefined,
  );
}

/** Parses a frame the server sent. */
export function parseServerMessage(frame: string): ParseResult<ServerMessage> {
  return parseFrame(frame, serverEvents, ServerMessageSchema);
}

function parseFrame<T>(
  frame: string,
  events: ReadonlySet<string>,
  schema: z.ZodMiniType<T>,
  precheck?: (object: Record<string, unknown>) => ParseResult<T> | undefined,
): ParseResult<T> {
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return refuse(ErrorCodes.INVALID_JSON, "the frame is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return refuse(ErrorCodes.INVALID_MESSAGE, "a frame must be a JSON object with an `event`");
  }
  const object = value as Record<string, unknown>;
  const event = object.event;
  if (typeof event !== "string" || !events.has(event)) {
    const name = typeof event === "string" ? `"${event.slice(0, 64)}"` : "missing";
    return refuse(
      ErrorCodes.UNKNOWN_EVENT,
      `event ${name} is not one of ${[...events].join(", ")}`,
    );
  }
  const early = precheck?.(object);
  if (early) return early;
  const result = schema.safeParse(object);
  if (!result.success) {
    return refuse(ErrorCodes.INVALID_MESSAGE, `${event}: ${describeIssues(result.error.issues)}`);
  }
  return { ok: true, message: result.data };
}

function refuse(code: ErrorCode, reason: string): { ok: false; code: ErrorCode; reason: string } {
  return { ok: false, code, reason };
}

// zod/mini ships no message locale ("Invalid input" everywhere), so the
// readable reason is built here from the structured issues.
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.slice(0, 3).map(describeIssue).join("; ");
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? `\`${issue.path.join(".")}\`` : "the frame";
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
    case "invalid_value":
      return `${where} must be ${issue.values.map((v) => JSON.stringify(v)).join(" or ")}`;
    case "invalid_format":
      return `${where} has characters that are not allowed`;
    default:
      return `${where} is invalid`;
  }
}
