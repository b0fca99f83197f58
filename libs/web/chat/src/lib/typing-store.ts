import { DestroyRef, Injectable, inject, signal } from '@angular/core';
import { REALTIME_LIMITS, type TypingEvent } from '@parley/shared/contracts';
import { SessionStore, SocketClient } from '@parley/web/core';
import type { Subscription } from 'rxjs';

/** While typing, `typing:start` is sent again this often, so the server's 5 s indicator never runs out. */
export const TYPING_RENEW_MS = 3_000;
/**
 * Others' indicators end on `typing:stopped` (the server sends it when a renewal is missing). This is only the
 * backstop for a stop that never arrives: the server renews silently, so a shorter client timer would hide the
 * indicator of someone who is still typing.
 */
export const TYPING_BACKSTOP_MS = 6 * REALTIME_LIMITS.typingTtlMs;

/** Who is typing in which room (others), and my own typing:start/stop, throttled. */
@Injectable()
export class TypingStore {
  private readonly socket = inject(SocketClient);
  private readonly session = inject(SessionStore);
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly myStarts = new Map<string, number>();
  private readonly subscriptions: Subscription[] = [];
  private readonly _typing = signal<Record<string, string[]>>({});

  /** roomId → userIds of others typing there, in the order they started. */
  readonly typing = this._typing.asReadonly();

  constructor() {
    inject(DestroyRef).onDestroy(() => {
      this.subscriptions.forEach((s) => s.unsubscribe());
      this.timers.forEach((t) => clearTimeout(t));
    });
  }

  init(): void {
    this.subscriptions.push(
      this.socket.on('typing:started').subscribe((e) => this.started(e)),
      this.socket.on('typing:stopped').subscribe((e) => this.stopped(e.roomId, e.userId)),
      // A sent message ends its sender's typing (the server's stop may come after the message).
      this.socket.messages$.subscribe((m) => this.stopped(m.roomId, m.senderUserId)),
      this.socket.on('user:offline').subscribe(({ userId }) => this.forgetUser(userId)),
      // Stops missed while disconnected would leave indicators forever; typing resumes with the next start.
      this.socket.reconnected$.subscribe(() => this.clearAll()),
    );
  }

  /** The composer's text changed: start (or renew) typing, or stop when it is empty. */
  input(roomId: string, text: string, now = Date.now()): void {
    if (text.trim() === '') {
      this.stop(roomId, now);
      return;
    }
    const last = this.myStarts.get(roomId);
    if (last !== undefined && now - last < TYPING_RENEW_MS) return;
    this.myStarts.set(roomId, now);
    this.socket.typing(roomId, true).catch(() => this.myStarts.delete(roomId));
  }

  /** Sent, blurred or emptied: tell the others at once instead of letting the indicator run out. */
  stop(roomId: string, now = Date.now()): void {
    const last = this.myStarts.get(roomId);
    if (last === undefined) return;
    this.myStarts.delete(roomId);
    if (now - last > REALTIME_LIMITS.typingTtlMs) return; // the server ended it already
    this.socket.typing(roomId, false).catch(() => undefined);
  }

  private started({ roomId, userId }: TypingEvent): void {
    if (userId === this.session.user()?.userId) return; // my other device
    const key = `${roomId}/${userId}`;
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => this.stopped(roomId, userId), TYPING_BACKSTOP_MS));
    this._typing.update((all) => {
      const users = all[roomId] ?? [];
      return users.includes(userId) ? all : { ...all, [roomId]: [...users, userId] };
    });
  }

  private stopped(roomId: string, userId: string): void {
    const key = `${roomId}/${userId}`;
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this._typing.update((all) => {
      const users = all[roomId] ?? [];
      return users.includes(userId) ? { ...all, [roomId]: users.filter((u) => u !== userId) } : all;
    });
  }

  private forgetUser(userId: string): void {
    for (const [roomId, users] of Object.entries(this._typing())) {
      if (users.includes(userId)) this.stopped(roomId, userId);
    }
  }

  private clearAll(): void {
    this.timers.forEach((t) => clearTimeout(t));
    this.timers.clear();
    this._typing.set({});
  }
}

/** "Alice is typing…", "Alice and Bob are typing…", "Alice, Bob and 2 others are typing…". */
export function typingText(names: string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  const others = names.length - 2;
  return `${names[0]}, ${names[1]} and ${others} other${others === 1 ? '' : 's'} are typing…`;
}
