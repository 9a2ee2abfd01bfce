/**
 * What nodes tell each other on their channels (`<prefix>node:<id>`). `r` is
 * always the room. On the wire (see {@link encodeMessage}) a message is a
 * JSON object, or, for one that carries a frame (`f`), a JSON object of the
 * other fields, a line feed, then the frame as it is.
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

/**
 * A message as a node publishes it. A frame (`f`, a signal with its SDP, say)
 * follows a header line rather than going inside the JSON: it is JSON
 * already, and as a JSON string it would be escaped on one node and
 * unescaped on the other, hundreds of bytes per signal. The header has no raw
 * line feed (JSON.stringify escapes them), so the first one ends it.
 */
export function encodeMessage(message: NodeMessage): string {
  if (message.t !== "to" && message.t !== "all") return JSON.stringify(message);
  const { f, ...header } = message;
  return `${JSON.stringify(header)}\n${f}`;
}

/**
 * Parses a message from a channel, in either form {@link encodeMessage}
 * writes (the sweep script writes the plain JSON one); `undefined` for
 * anything that is not one (logged by the caller).
 */
export function parseMessage(text: string): NodeMessage | undefined {
  const end = text.indexOf("\n");
  let value: unknown;
  try {
    value = JSON.parse(end < 0 ? text : text.slice(0, end));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const fields = value as Record<string, unknown>;
  if (end >= 0) {
    // The frame is the line's, not the header's: a header with one is not a message this code wrote.
    if (Object.hasOwn(fields, "f")) return undefined;
    fields.f = text.slice(end + 1);
  }
  const { t, r } = fields;
  if (typeof t !== "string" || !Object.hasOwn(FIELDS, t) || typeof r !== "string") return undefined;
  if (end >= 0 && t !== "to" && t !== "all") return undefined;
  if (!FIELDS[t as NodeMessage["t"]].every((name) => typeof fields[name] === "string")) return undefined;
  if (t === "all" && fields.x !== undefined && typeof fields.x !== "string") return undefined;
  return value as NodeMessage;
}
