/**
 * What nodes tell each other on their channels (`<prefix>node:<id>`), as
 * JSON. `r` is always the room.
 */
export type NodeMessage =
  /** A frame for member `to`, from member `from` of node `o`. */
  | { t: "to"; r: string; to: string; from: string; o: string; f: string }
  /** A frame for every member here but `x`. */
  | { t: "all"; r: string; x?: string | undefined; f: string }
  /** Member `id`, held by a dead node, was swept. */
  | { t: "lost"; r: string; id: string }
  /** Member `id`, held here, was seated on another node. */
  | { t: "moved"; r: string; id: string }
  /** A frame from member `from` (held here) could not be delivered to `to`. */
  | { t: "nack"; r: string; from: string; to: string };

/** Every kind of message between nodes: the `t` of a {@link NodeMessage}. */
export const MESSAGE_KINDS = ["to", "all", "lost", "moved", "nack"] as const satisfies readonly NodeMessage["t"][];

/**
 * The string fields each kind must have (`x` of `all` may be absent). A
 * message is only ever acted on whole: a frame that is not a string (a node
 * of another version, a stray publisher) must not reach a socket.
 */
const FIELDS: Record<NodeMessage["t"], readonly string[]> = {
  to: ["to", "from", "o", "f"],
  all: ["f"],
  lost: ["id"],
  moved: ["id"],
  nack: ["from", "to"],
};

/** Parses a message from a channel; `undefined` for anything that is not one (logged by the caller). */
export function parseMessage(text: string): NodeMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const fields = value as Record<string, unknown>;
  const { t, r } = fields;
  if (typeof t !== "string" || !Object.hasOwn(FIELDS, t) || typeof r !== "string") return undefined;
  if (!FIELDS[t as NodeMessage["t"]].every((name) => typeof fields[name] === "string")) return undefined;
  if (t === "all" && fields.x !== undefined && typeof fields.x !== "string") return undefined;
  return value as NodeMessage;
}
