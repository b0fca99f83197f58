import { DestroyRef, Injectable, inject, signal } from '@angular/core';
import type { PresenceStatus, RoomJoined, UserPresence } from '@parley/shared/contracts';
import { SessionStore, SocketClient } from '@parley/web/core';
import type { Subscription } from 'rxjs';

/** What a dot shows: an invisible user looks offline to everyone else. */
export type PresenceView = UserPresence['status'] | 'offline';

export interface MyStatus {
  status: PresenceStatus;
  text: string;
}

/**
 * Who is online, away or busy among the people I share a room with. Each `room:join` answer says who is online
 * there now (also after a reconnect, so people who left meanwhile go offline); `user:*` events keep it live.
 */
@Injectable()
export class PresenceStore {
  private readonly socket = inject(SocketClient);
  private readonly session = inject(SessionStore);
  private readonly subscriptions: Subscription[] = [];
  /** The online userIds the last join of each room reported. */
  private readonly lastOnline = new Map<string, string[]>();
  private readonly _presence = signal<Record<string, UserPresence>>({});
  private readonly _mine = signal<MyStatus>({ status: 'online', text: '' });

  readonly presence = this._presence.asReadonly();
  readonly mine = this._mine.asReadonly();

  constructor() {
    inject(DestroyRef).onDestroy(() => this.subscriptions.forEach((s) => s.unsubscribe()));
  }

  init(): void {
    this.subscriptions.push(
      this.socket.joined$.subscribe(({ roomId, state }) => this.joined(roomId, state)),
      this.socket.on('user:online').subscribe((p) => this.set(p)),
      this.socket.on('user:status').subscribe((p) => this.set(p)),
      this.socket.on('user:offline').subscribe(({ userId }) => this.remove([userId])),
      // A new member may have been online for a while (their user:online went to rooms they were in then):
      // joining again answers with who is online now.
      this.socket.on('user:joined').subscribe(({ roomId }) => void this.socket.joinRoom(roomId).catch(() => undefined)),
    );
  }

  /** The dot of a user; my own shows my chosen status (invisible included) while connected. */
  statusOf(userId: string): PresenceView | 'invisible' {
    if (userId === this.session.user()?.userId) {
      return this.socket.state() === 'online' ? this._mine().status : 'offline';
    }
    return this._presence()[userId]?.status ?? 'offline';
  }

  textOf(userId: string): string {
    if (userId === this.session.user()?.userId) return this._mine().text;
    return this._presence()[userId]?.text ?? '';
  }

  /** Sets my status for everyone who shares a room with me. Throws a readable error for the form. */
  async setMine(status: PresenceStatus, text: string): Promise<void> {
    const trimmed = text.trim();
    await this.socket.updateStatus(status, trimmed || undefined);
    this._mine.set({ status, text: trimmed });
  }

  private joined(roomId: string, state: RoomJoined): void {
    const me = this.session.user()?.userId;
    const now = state.online.map((p) => p.userId);
    const gone = (this.lastOnline.get(roomId) ?? []).filter((u) => !now.includes(u));
    this.lastOnline.set(roomId, now);
    this.remove(gone);
    // My own status comes apart from `online`, which never lists an invisible user (a gateway still on an older
    // deploy does not send it: keep what I have).
    if (state.mine) this._mine.set({ status: state.mine.status, text: state.mine.text ?? '' });
    for (const p of state.online) if (p.userId !== me) this.set(p);
  }

  private set(presence: UserPresence): void {
    if (presence.userId === this.session.user()?.userId) return;
    this._presence.update((all) => ({ ...all, [presence.userId]: presence }));
  }

  private remove(userIds: string[]): void {
    if (!userIds.some((u) => this._presence()[u])) return;
    this._presence.update((all) => {
      const next = { ...all };
      for (const u of userIds) delete next[u];
      return next;
    });
  }
}
