import {
  JoinQuery,
  Limits,
  PROTOCOL_VERSION,
  RoomNamePattern,
  SignalingEvents,
  parseClientMessage,
  type JoinMessage,
  type ParseResult,
} from "@raycaster/realtime-protocol";
import type { Connection } from "./connection.js";
import type { Seating } from "./seating.js";
import { Counters } from "./stats.js";

/** What a join on the upgrade request asks for: the query's raw values. */
export interface UpgradeJoin {
  protocol: string | null;
  room: string;
}

/**
 * The join a request's URL asks for (`?protocol=4&room=<room>`, see
 * `JoinQuery`), or `undefined` when its query names no room: that client
 * sends `Join` once the socket is open. Read from the query alone, without
 * building a `URL`: this runs on every upgrade.
 */
export function upgradeJoinOf(url: string | undefined): UpgradeJoin | undefined {
  const start = url?.indexOf("?") ?? -1;
  if (url === undefined || start === -1) return undefined;
  const query = new URLSearchParams(url.slice(start + 1));
  const room = query.get(JoinQuery.room);
  return room === null ? undefined : { protocol: query.get(JoinQuery.protocol), room };
}

/**
 * Handles a join on the upgrade request as the `Join` frame it stands for,
 * on the connection just accepted: the same validation (the frame is built
 * and parsed as one), the same protocol check, the same seating and `join`
 * hook, the same answers. What differs is only that no frame arrived:
 * `hooks.message` is not called and the frame counters count it as `Join`
 * all the same.
 */
export function joinOnUpgrade(conn: Connection, join: UpgradeJoin, seating: Seating, counters: Counters): void {
  const parsed = joinMessageOf(join);
  if (!parsed.ok) {
    Counters.add(counters.framesIn, "invalid");
    // The socket stays open, as after an invalid Join frame: the client may send one.
    conn.sendError(parsed.code, `the upgrade's join query: ${parsed.reason}`);
    return;
  }
  const message = parsed.message;
  Counters.add(counters.framesIn, SignalingEvents.Join);
  if (message.protocol !== PROTOCOL_VERSION) {
    conn.refuseProtocol(message.protocol);
    return;
  }
  seating.join(conn, message.room, undefined);
}

/**
 * The `Join` message a join query stands for: the message
 * `parseClientMessage` makes of the frame
 * `{"event":"Join","protocol":<the query's protocol as a number>,"room":<its room>}`,
 * or its error.
 */
export function joinMessageOf(join: UpgradeJoin): ParseResult<JoinMessage> {
  const fast = readJoinQuery(join);
  if (fast) return { ok: true, message: fast };
  // A protocol that is no number becomes null: refused by the schema like a frame's would be.
  const protocol = join.protocol === null ? undefined : Number(join.protocol);
  const parsed = parseClientMessage(JSON.stringify({ event: SignalingEvents.Join, protocol, room: join.room }));
  return parsed.ok ? { ok: true, message: parsed.message as JoinMessage } : parsed;
}

/**
 * A join query as clients write it (an integer protocol, a room
 * `RoomNameSchema` takes) read without building that frame and parsing it
 * with zod, which was about a tenth of the server's CPU per join; anything
 * else is `undefined`, for the schemas to answer. test/upgradeJoin.test.ts
 * holds it to them on generated queries: what it accepts, they accept as the
 * same message.
 */
export function readJoinQuery({ protocol: text, room }: UpgradeJoin): JoinMessage | undefined {
  const protocol = text === null ? Number.NaN : Number(text);
  if (!Number.isSafeInteger(protocol) || room.length < 1 || room.length > Limits.roomName || !RoomNamePattern.test(room)) return undefined;
  return { event: SignalingEvents.Join, protocol, room };
}
