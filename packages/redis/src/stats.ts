import type { RoomMember } from "@raycaster/realtime-server";
import { MESSAGE_KINDS, type NodeMessage } from "./messages.js";

/** A count per kind of node message. @inline */
type Kinds = Record<NodeMessage["t"], number>;

/** What {@link RedisRoomAdapter.stats} reports. */
export interface RedisAdapterStats {
  /** Members held by this node now. (gauge) */
  members: number;
  /** Rooms with a member on this node now. (gauge) */
  rooms: number;
  /** Messages this node published to other nodes, by kind (`to`: a routed frame; `all`: a broadcast, counted once however many nodes it reached). */
  sent: Kinds;
  /** Messages that reached this node's channel, by kind. */
  received: Kinds;
  /** Times a connection to Redis was lost. */
  outages: number;
  /** Broadcasts whose part for other nodes failed (Redis out of reach). */
  failedBroadcasts: number;
  /** Signals refused at once because `maxPending` signals already waited for Redis. */
  refused: number;
  /** Members of dead nodes this node swept. */
  swept: number;
  /** Times this node found its lease gone and seated its members again. */
  resyncs: number;
}

/** A zero per kind of message, from the one list of kinds. */
const kinds = (): Kinds => Object.fromEntries(MESSAGE_KINDS.map((kind) => [kind, 0])) as Kinds;

/** The counters behind {@link RedisAdapterStats}. */
export class RedisCounters {
  readonly sent = kinds();
  readonly received = kinds();
  outages = 0;
  failedBroadcasts = 0;
  refused = 0;
  swept = 0;
  resyncs = 0;

  snapshot(local: ReadonlyMap<string, ReadonlyMap<string, RoomMember>>): RedisAdapterStats {
    let members = 0;
    for (const room of local.values()) members += room.size;
    return {
      members,
      rooms: local.size,
      sent: { ...this.sent },
      received: { ...this.received },
      outages: this.outages,
      failedBroadcasts: this.failedBroadcasts,
      refused: this.refused,
      swept: this.swept,
      resyncs: this.resyncs,
    };
  }
}
