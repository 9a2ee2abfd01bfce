import type { PeerInfo } from "@raycaster/realtime-protocol";
import type { RoomAdapter, RoomMember } from "./adapter.js";

/** Rooms in this process's memory: the default {@link RoomAdapter}. */
export class MemoryRoomAdapter implements RoomAdapter {
  readonly #rooms = new Map<string, Map<string, RoomMember>>();

  join(room: string, member: RoomMember): PeerInfo[] {
    let members = this.#rooms.get(room);
    if (!members) {
      members = new Map();
      this.#rooms.set(room, members);
    }
    const others = this.members(room);
    members.set(member.id, member);
    return others;
  }

  members(room: string): PeerInfo[] {
    return [...(this.#rooms.get(room)?.values() ?? [])].map(info);
  }

  size(room: string): number {
    return this.#rooms.get(room)?.size ?? 0;
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
    for (const [id, member] of members) {
      if (id !== except) member.send(frame);
    }
  }

  /** How many rooms exist now; for tests and metrics. */
  get roomCount(): number {
    return this.#rooms.size;
  }
}

function info({ id, metadata }: RoomMember): PeerInfo {
  return metadata === undefined ? { id } : { id, metadata };
}
