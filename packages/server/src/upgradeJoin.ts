import { JoinQuery, PROTOCOL_VERSION, SignalingEvents, parseClientMessage, type JoinMessage } from "@raycaster/realtime-protocol";
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
  // A protocol that is no number becomes null: refused by the schema like a frame's would be.
  const protocol = join.protocol === null ? undefined : Number(join.protocol);
  const parsed = parseClientMessage(JSON.stringify({ event: SignalingEvents.Join, protocol, room: join.room }));
  if (!parsed.ok) {
    Counters.add(counters.framesIn, "invalid");
    // The socket stays open, as after an invalid Join frame: the client may send one.
    conn.sendError(parsed.code, `the upgrade's join query: ${parsed.reason}`);
    return;
  }
  const message = parsed.message as JoinMessage;
  Counters.add(counters.framesIn, SignalingEvents.Join);
  if (message.protocol !== PROTOCOL_VERSION) {
    conn.refuseProtocol(message.protocol);
    return;
  }
  seating.join(conn, message.room, undefined);
}
