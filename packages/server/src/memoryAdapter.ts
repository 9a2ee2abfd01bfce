import type { PeerInfo } from "@raycaster/realtime-protocol";
import type { JoinResult, RoomAdapter, RoomMember } from "./adapter.js";

/**
 * Rooms in this process's memory: the default {@link RoomAdapter}, for one
 * server node. Every method answers at once.
 */
export class MemoryRoomAdapter implements RoomAdapter {
  readonly #rooms = new Map<string, Map<string, RoomMember>>();

  join(room: string, member: RoomMember, limit: number): JoinResult {
    let members = this.#rooms.get(room);
    // A member already there (a seat restored with its token) takes its own place.
    if (members && members.size >= limit && !members.has(member.id)) return { full: true };
    if (!members) {
      members = new Map();
      this.#rooms.set(room, members);
    }
    members.delete(member.id);
    const peers: PeerInfo[] = [];
    for (const other of members.values()) peers.push(info(other));
    members.set(member.id, member);
    return { full: false, peers };
  }

  members(room: string): PeerInfo[] {
    return [...(this.#rooms.get(room)?.values() ?? [])].map(info);
  }

  leave(room: string, memberId: string): void {
    const members = this.#rooms.get(room);
    if (!members) return;
    members.delete(memberId);
    // An empty room is forgotten, so rooms come and go without leaking.
    if (members.size === 0) this.#rooms.delete(room);
  }

  sendTo(room: string, to: string, frame: string): boolean {
    const member = this.#rooms.get(room)?.get(to);
    return member ? member.send(frame) : false;
  }

  broadcast(room: string, frame: string, except?: string): void {
    const members = this.#rooms.get(room);
    if (!members) return;
    // Values, not entries: no [id, member] pair allocated per member, on every join and leave.
    for (const member of members.values()) {
      if (member.id !== except) member.send(frame);
    }
  }

  close(): void {
    this.#rooms.clear();
  }

  /** How many rooms exist now; for tests and metrics. */
  get roomCount(): number {
    return this.#rooms.size;
  }
}

function info({ id, metadata }: RoomMember): PeerInfo {
  return metadata === undefined ? { id } : { id, metadata };
}
