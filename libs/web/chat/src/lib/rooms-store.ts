import { Injectable, computed, inject, signal } from '@angular/core';
import type { RoomSummary } from '@parley/shared/contracts';
import { ApiClient, ProfileCache, errorMessage } from '@parley/web/core';
import { ReceiptsStore } from './receipts-store';
import { byActivity, summaryOf, upsertRoom, type RoomMemberView } from './room-order';

/** The room list (ordered by activity) and the members of each room this tab looked at. */
@Injectable()
export class RoomsStore {
  private readonly api = inject(ApiClient);
  private readonly profiles = inject(ProfileCache);
  private readonly receipts = inject(ReceiptsStore);
  private readonly _rooms = signal<RoomSummary[]>([]);
  private readonly _loading = signal(false);
  private readonly _error = signal<string | null>(null);
  private readonly _members = signal<Record<string, RoomMemberView[]>>({});

  readonly rooms = this._rooms.asReadonly();
  readonly loading = this._loading.asReadonly();
  readonly error = this._error.asReadonly();
  readonly members = this._members.asReadonly();
  /** Most recent activity first; rooms without messages by name. */
  readonly sorted = computed(() => byActivity(this._rooms(), this.receipts.lastActivity()));

  /** Loads the list (a failure shows in `error`) and follows every room for unread counts and presence. */
  async load(): Promise<void> {
    this._loading.set(true);
    try {
      const rooms = await this.api.listRooms();
      this._rooms.set([...rooms].sort((a, b) => a.name.localeCompare(b.name)));
      this._error.set(null);
      void this.receipts.follow(rooms.map((r) => r.roomId));
    } catch (error) {
      this._error.set(errorMessage(error));
    } finally {
      this._loading.set(false);
    }
  }

  upsert(room: RoomSummary): void {
    this._rooms.update((rooms) => upsertRoom(rooms, summaryOf(room)));
  }

  async loadMembers(roomId: string): Promise<void> {
    try {
      const room = await this.api.getRoom(roomId);
      const members = await Promise.all(
        room.members.map(async (m) => ({ userId: m.userId, displayName: await this.profiles.displayName(m.userId) })),
      );
      members.sort((a, b) => a.displayName.localeCompare(b.displayName));
      this._members.update((all) => ({ ...all, [roomId]: members }));
      this.upsert(room);
    } catch {
      // Members are decoration; the room still works without the list.
    }
  }
}
