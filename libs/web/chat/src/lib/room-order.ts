import type { RoomSummary } from '@parley/shared/contracts';
import type { ChatMessage } from './chat-message';

export interface RoomMemberView {
  userId: string;
  displayName: string;
}

/** Most recent activity first; rooms without any message after them, by name. */
export function byActivity(rooms: RoomSummary[], lastActivity: Record<string, number>): RoomSummary[] {
  return [...rooms].sort((a, b) =>
    (lastActivity[b.roomId] ?? 0) - (lastActivity[a.roomId] ?? 0) || a.name.localeCompare(b.name));
}

export function upsertRoom(rooms: RoomSummary[], room: RoomSummary): RoomSummary[] {
  const others = rooms.filter((r) => r.roomId !== room.roomId);
  return [...others, room].sort((a, b) => a.name.localeCompare(b.name));
}

export function summaryOf(room: RoomSummary): RoomSummary {
  const { roomId, name, kind, createdBy, currentEpoch, role } = room;
  return { roomId, name, kind, createdBy, currentEpoch, role };
}

/**
 * "Seen by": each other member appears under the newest of my messages their last read seq covers, so the
 * names sit where each reader stopped. messageId → names.
 */
export function seenBy(
  messages: ChatMessage[],
  reads: Record<string, number>,
  members: RoomMemberView[],
  me: string | undefined,
): Record<string, string[]> {
  const mine = messages.filter((m) => m.own && m.seq !== null && m.status !== 'deleted');
  const result: Record<string, string[]> = {};
  for (const member of members) {
    const read = reads[member.userId];
    if (member.userId === me || !read) continue;
    const last = mine.findLast((m) => (m.seq ?? Infinity) <= read);
    if (last) (result[last.messageId] ??= []).push(member.displayName);
  }
  return result;
}
