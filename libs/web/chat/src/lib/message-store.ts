import { Injectable, signal } from '@angular/core';
import type { MessageDeleted } from '@parley/shared/contracts';
import { compareMessages, lastContiguousSeq, mergeMessage, type ChatMessage } from './chat-message';

/** The decrypted messages of each room this tab has opened, and whether older ones exist on the server. */
@Injectable()
export class MessageStore {
  private readonly _messages = signal<Record<string, ChatMessage[]>>({});
  private readonly _hasMore = signal<Record<string, boolean>>({});

  readonly all = this._messages.asReadonly();
  readonly hasMore = this._hasMore.asReadonly();

  of(roomId: string | null): ChatMessage[] {
    return this._messages()[roomId ?? ''] ?? [];
  }

  /** Rooms whose messages are loaded (they resync after a reconnect). */
  loadedRooms(): string[] {
    return Object.keys(this._messages());
  }

  isLoaded(roomId: string): boolean {
    return roomId in this._messages();
  }

  /** Ids of the messages the server already gave us (they need no decrypting again). */
  storedIds(roomId: string): Set<string> {
    return new Set(this.of(roomId).filter((m) => m.seq !== null).map((m) => m.messageId));
  }

  oldestSeq(roomId: string): number | undefined {
    return this.of(roomId).find((m) => m.seq !== null)?.seq ?? undefined;
  }

  newestSeq(roomId: string): number | undefined {
    return this.of(roomId).findLast((m) => m.seq !== null)?.seq ?? undefined;
  }

  lastContiguousSeq(roomId: string): number | null {
    return lastContiguousSeq(this.of(roomId));
  }

  setHasMore(roomId: string, hasMore: boolean): void {
    this._hasMore.update((h) => ({ ...h, [roomId]: hasMore }));
  }

  /** Adds or merges one message (see mergeMessage: de-duplicated by messageId, ordered by seq). */
  upsert(roomId: string, message: ChatMessage): void {
    this._messages.update((all) => {
      const list = all[roomId] ?? [];
      const next = mergeMessage(list, message);
      return next === list && all[roomId] ? all : { ...all, [roomId]: next };
    });
  }

  patch(roomId: string, messageId: string, change: Partial<ChatMessage>): void {
    this._messages.update((all) => {
      const list = all[roomId];
      if (!list?.some((m) => m.messageId === messageId)) return all;
      const next = list.map((m) => (m.messageId === messageId ? { ...m, ...change } : m)).sort(compareMessages);
      return { ...all, [roomId]: next };
    });
  }

  tombstone({ roomId, messageId }: MessageDeleted): void {
    this.patch(roomId, messageId, { status: 'deleted', body: null, error: undefined });
  }
}
