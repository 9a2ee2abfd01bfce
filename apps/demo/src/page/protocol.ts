// What the demo's peers say to each other over the data channel. Each side
// introduces itself once the channel opens, then sends chat lines.

import { Limits, RoomNamePattern } from "@raycaster/realtime";

export const NAME_MAX_LENGTH = 32;
export const TEXT_MAX_LENGTH = 2000;

export type PeerMessage = { type: "hello"; name: string } | { type: "chat"; text: string };

/** A peer message, or `undefined` for anything else: a peer is not trusted to send what we expect. */
export function parsePeerMessage(data: unknown): PeerMessage | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const message = data as Record<string, unknown>;
  if (message.type === "hello" && typeof message.name === "string") {
    const name = cleanName(message.name);
    return name ? { type: "hello", name } : undefined;
  }
  if (message.type === "chat" && typeof message.text === "string") {
    const text = message.text.trim().slice(0, TEXT_MAX_LENGTH);
    return text ? { type: "chat", text } : undefined;
  }
  return undefined;
}

/** A display name without control characters or surrounding space, cut to length. */
export function cleanName(name: string): string {
  return (
    name
      // oxlint-disable-next-line no-control-regex -- stripping control characters is the point
      .replace(/[\u0000-\u001f\u007f]/g, "")
      .trim()
      .slice(0, NAME_MAX_LENGTH)
  );
}

/** Why a room name cannot be used, or `undefined` if it can: the protocol's own rule, in words. */
// RoomNamePattern, not RoomNameSchema: the same rule without zod in the page.
// Lengths count code points, as the protocol's bounds do.
export function roomNameProblem(room: string): string | undefined {
  const length = [...room].length;
  if (length === 0) return "Pick a room.";
  if (length > Limits.roomName) return `Room names are at most ${Limits.roomName} characters.`;
  if (!RoomNamePattern.test(room)) return "Room names cannot contain control characters.";
  return undefined;
}
