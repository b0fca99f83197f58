import { DestroyRef, Injectable, inject, signal } from '@angular/core';
import type { ReadReceipt, RoomJoined, StoredMessage } from '@parley/shared/contracts';
import { SessionStore, SocketClient } from '@parley/web/core';
import type { Subscription } from 'rxjs';

/** The room list joins every room (live unread counts and presence) at this pace, inside the rate limits. */
const JOIN_PACE_MS = 150;
const READ_THROTTLE_MS = 1_000;

/**
 * Per room: unread count, last activity, and how far each member has read ("seen by"). The server's numbers
 * (each `room:join` answer) are the base; live messages and receipts move them on.
 */
@Injectable()
export class ReceiptsStore {
  private readonly socket = inject(SocketClient);
  private readonly session = inject(SessionStore);
  private readonly subscriptions: Subscription[] = [];
  private readonly lastSeq = new Map<string, number>();
  /** My last read seq per room, as far as this tab knows. */
  private readonly myRead = new Map<string, number>();
  /** The read seq last sent to the server per room, and when (receipts are throttled: see sendRead). */
  private readonly sentRead = new Map<string, number>();
  private readonly sentAt = new Map<string, number>();
  private readonly sendTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Rooms `follow` has reached. */
  private readonly followed = new Set<string>();
  private readonly _unread = signal<Record<string, number>>({});
  private readonly _lastActivity = signal<Record<string, number>>({});
  private readonly _reads = signal<Record<string, Record<string, number>>>({});

  readonly unread = this._unread.asReadonly();
  /** roomId → time of its newest message (the server's clock). */
  readonly lastActivity = this._lastActivity.asReadonly();
  /** roomId → userId → last read seq. */
  readonly reads = this._reads.asReadonly();

  constructor() {
    inject(DestroyRef).onDestroy(() => {
      this.subscriptions.forEach((s) => s.unsubscribe());
      this.sendTimers.forEach((t) => clearTimeout(t));
    });
  }

  init(): void {
    this.subscriptions.push(
      this.socket.joined$.subscribe(({ roomId, state }) => this.joined(roomId, state)),
      this.socket.on('message:read').subscribe((r) => this.receipt(r)),
      this.socket.on('message:deleted').subscribe((d) => this.bumpSeq(d.roomId, d.seq)),
    );
  }

  /** Joins every room in the background, paced, and learns when each last had a message. */
  async follow(roomIds: string[]): Promise<void> {
    for (const roomId of roomIds) {
      if (this.followed.has(roomId)) continue;
      this.followed.add(roomId);
      try {
        const state = await this.socket.joinRoom(roomId);
        // The join answers when the room last had a message; a server that does not know reads the newest one.
        if (state && state.lastSeq > 0 && state.lastActivityAt === undefined && !this._lastActivity()[roomId]) {
          const newest = await this.socket.sync(roomId, state.lastSeq - 1, 1);
          const at = newest.messages.at(-1)?.receivedAt;
          if (at) this.touch(roomId, at);
        }
      } catch {
        // Not fatal: opening the room joins it again and shows why it fails.
        this.followed.delete(roomId);
      }
      await new Promise((resolve) => setTimeout(resolve, JOIN_PACE_MS));
    }
  }

  /** A message arrived live: it moves the room's activity, and counts as unread unless it is mine (or seen). */
  received(message: Pick<StoredMessage, 'roomId' | 'seq' | 'receivedAt' | 'senderUserId'>, unread = true): void {
    const { roomId } = message;
    const known = this.lastSeq.get(roomId) ?? 0;
    this.bumpSeq(roomId, message.seq);
    this.touch(roomId, message.receivedAt);
    if (unread && message.seq > known && message.senderUserId !== this.session.user()?.userId) {
      this._unread.update((u) => ({ ...u, [roomId]: (u[roomId] ?? 0) + 1 }));
    }
  }

  /** I sent a message that the server acknowledged. */
  sent(roomId: string, seq: number, receivedAt: number): void {
    this.bumpSeq(roomId, seq);
    this.touch(roomId, receivedAt);
  }

  touch(roomId: string, at: number): void {
    if ((this._lastActivity()[roomId] ?? 0) >= at) return;
    this._lastActivity.update((a) => ({ ...a, [roomId]: at }));
  }

  /** I have seen everything up to `seq` in this room: clear its badge and tell the others. */
  markRead(roomId: string, seq: number): void {
    const me = this.session.user()?.userId;
    if (!me) return;
    if (seq > (this.myRead.get(roomId) ?? 0)) {
      this.myRead.set(roomId, seq);
      this.bumpSeq(roomId, seq);
      this.setRead(roomId, me, seq);
    }
    this.setUnread(roomId, Math.max(0, (this.lastSeq.get(roomId) ?? seq) - (this.myRead.get(roomId) ?? seq)));
    this.sendRead(roomId);
  }

  /**
   * Tells the server my read seq: at once, then at most once per READ_THROTTLE_MS per room with the newest seq
   * (a burst of messages on screen sends one receipt, not one each). A receipt that fails is sent again by the
   * next markRead or join.
   */
  private sendRead(roomId: string): void {
    const seq = this.myRead.get(roomId) ?? 0;
    if (seq <= (this.sentRead.get(roomId) ?? 0) || this.sendTimers.has(roomId)) return;
    const wait = (this.sentAt.get(roomId) ?? -Infinity) + READ_THROTTLE_MS - Date.now();
    if (wait > 0) {
      this.sendTimers.set(roomId, setTimeout(() => {
        this.sendTimers.delete(roomId);
        this.sendRead(roomId);
      }, wait));
      return;
    }
    const previous = this.sentRead.get(roomId) ?? 0;
    this.sentRead.set(roomId, seq);
    this.sentAt.set(roomId, Date.now());
    this.socket.markRead(roomId, seq).catch(() => {
      if (this.sentRead.get(roomId) === seq) this.sentRead.set(roomId, previous);
      this.sentAt.delete(roomId);
    });
  }

  private joined(roomId: string, state: RoomJoined): void {
    this.bumpSeq(roomId, state.lastSeq);
    const mine = Math.max(state.lastReadSeq, this.myRead.get(roomId) ?? 0);
    this.myRead.set(roomId, mine);
    this.sentRead.set(roomId, Math.max(state.lastReadSeq, this.sentRead.get(roomId) ?? 0));
    // Read here while offline: the server hears it now.
    this.sendRead(roomId);
    this.setUnread(roomId, Math.max(0, Math.min(state.unread, state.lastSeq - mine)));
    for (const r of state.receipts) this.setRead(roomId, r.userId, r.seq);
    if (state.lastActivityAt !== undefined) this.touch(roomId, state.lastActivityAt);
  }

  private receipt({ roomId, userId, seq }: ReadReceipt): void {
    this.setRead(roomId, userId, seq);
    if (userId !== this.session.user()?.userId) return;
    // I read it on another device.
    this.myRead.set(roomId, Math.max(seq, this.myRead.get(roomId) ?? 0));
    this.sentRead.set(roomId, Math.max(seq, this.sentRead.get(roomId) ?? 0));
    const left = Math.max(0, (this.lastSeq.get(roomId) ?? seq) - seq);
    if (left < (this._unread()[roomId] ?? 0)) this.setUnread(roomId, left);
  }

  private setRead(roomId: string, userId: string, seq: number): void {
    const room = this._reads()[roomId] ?? {};
    if ((room[userId] ?? 0) >= seq) return;
    this._reads.update((all) => ({ ...all, [roomId]: { ...room, [userId]: seq } }));
  }

  private setUnread(roomId: string, count: number): void {
    if ((this._unread()[roomId] ?? 0) === count) return;
    this._unread.update((u) => ({ ...u, [roomId]: count }));
  }

  private bumpSeq(roomId: string, seq: number): void {
    this.lastSeq.set(roomId, Math.max(seq, this.lastSeq.get(roomId) ?? 0));
  }
}
