import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import type { RoomSummary, RoomUpdated, StoredMessage } from '@parley/shared/contracts';
import { DuplicateMessageError, type EncryptedEvent } from '@parley/shared/crypto';
import { ApiClient, ProfileCache, SessionStore, SocketClient, errorMessage } from '@parley/web/core';
import type { Subscription } from 'rxjs';
import { compareMessages, type ChatMessage } from './chat-message';
import { MissingEpochKeyError, RoomCrypto, type Keyring } from './room-crypto';
import { SenderSeq } from './sender-seq';

export interface RoomMemberView {
  userId: string;
  displayName: string;
}

const PAGE_SIZE = 50;

/**
 * State of the chat feature: rooms, the open room, its members and decrypted messages. Components read the
 * signals and call the actions; the actions report failures through the error signals (never throw to the UI),
 * except `createRoom`, `invite` and `send`, whose forms show their own errors.
 */
@Injectable()
export class ChatStore {
  private readonly api = inject(ApiClient);
  private readonly crypto = inject(RoomCrypto);
  private readonly socket = inject(SocketClient);
  private readonly session = inject(SessionStore);
  private readonly profiles = inject(ProfileCache);
  private readonly senderSeq = inject(SenderSeq);

  private readonly keyrings = new Map<string, Keyring>();
  /** Sent events kept for "retry" until acknowledged. */
  private readonly outbox = new Map<string, EncryptedEvent>();
  private readonly subscriptions: Subscription[] = [];
  /** Rooms this tab already started a new epoch for (see ensureCurrentKey). */
  private readonly rekeyed = new Set<string>();
  /** The newest epoch the server has per room (whether or not this device can open it). */
  private readonly latestEpoch = new Map<string, number>();

  private readonly _rooms = signal<RoomSummary[]>([]);
  private readonly _roomsLoading = signal(false);
  private readonly _roomsError = signal<string | null>(null);
  private readonly _selectedRoomId = signal<string | null>(null);
  private readonly _messages = signal<Record<string, ChatMessage[]>>({});
  private readonly _members = signal<Record<string, RoomMemberView[]>>({});
  private readonly _hasMore = signal<Record<string, boolean>>({});
  private readonly _roomLoading = signal(false);
  private readonly _roomError = signal<string | null>(null);
  private readonly _unread = signal<Record<string, number>>({});

  readonly rooms = this._rooms.asReadonly();
  readonly roomsLoading = this._roomsLoading.asReadonly();
  readonly roomsError = this._roomsError.asReadonly();
  readonly selectedRoomId = this._selectedRoomId.asReadonly();
  readonly roomLoading = this._roomLoading.asReadonly();
  readonly roomError = this._roomError.asReadonly();
  readonly unread = this._unread.asReadonly();
  readonly connection = this.socket.state;
  readonly user = this.session.user;
  readonly warnings = this.profiles.warnings;

  readonly selectedRoom = computed(() => this._rooms().find((r) => r.roomId === this._selectedRoomId()) ?? null);
  readonly messages = computed(() => this._messages()[this._selectedRoomId() ?? ''] ?? []);
  readonly members = computed(() => this._members()[this._selectedRoomId() ?? ''] ?? []);
  readonly hasMore = computed(() => this._hasMore()[this._selectedRoomId() ?? ''] ?? false);
  /** True when the open room has an epoch key this device can encrypt with. */
  readonly canSend = signal(false);

  constructor() {
    inject(DestroyRef).onDestroy(() => this.subscriptions.forEach((s) => s.unsubscribe()));
  }

  /** Connects the socket, listens for events and loads the room list. */
  init(): void {
    const user = this.session.user();
    const identity = this.session.identity();
    if (user && identity) this.profiles.pin(user.userId, identity.publicKey);
    this.subscriptions.push(
      this.socket.messages$.subscribe((m) => void this.receive(m)),
      this.socket.roomUpdates$.subscribe((u) => void this.onRoomUpdated(u)),
      this.socket.reconnected$.subscribe(() => void this.catchUp()),
    );
    this.socket.connect();
    void this.loadRooms();
  }

  async loadRooms(): Promise<void> {
    this._roomsLoading.set(true);
    try {
      const rooms = await this.api.listRooms();
      this._rooms.set([...rooms].sort((a, b) => a.name.localeCompare(b.name)));
      this._roomsError.set(null);
    } catch (error) {
      this._roomsError.set(errorMessage(error));
    } finally {
      this._roomsLoading.set(false);
    }
  }

  /** Creates a room and opens it. Throws a readable error for the form. */
  async createRoom(name: string): Promise<void> {
    const room = await this.crypto.createRoom(name.trim());
    this._rooms.update((rooms) => upsertRoom(rooms, { ...room, currentEpoch: Math.max(room.currentEpoch, 1) }));
    await this.openRoom(room.roomId);
    void this.loadRooms();
  }

  /** Opens a room: joins its broadcast, opens its epoch keys, loads and decrypts the latest messages. */
  async openRoom(roomId: string): Promise<void> {
    this._selectedRoomId.set(roomId);
    this._unread.update((u) => ({ ...u, [roomId]: 0 }));
    this._roomError.set(null);
    this._roomLoading.set(true);
    this.canSend.set(this.keyring(roomId).size > 0);
    try {
      // Join first, then fetch history, so nothing sent in between is missed (duplicates are dropped).
      await this.socket.joinRoom(roomId);
      await this.refreshKeys(roomId);
      await this.ensureCurrentKey(roomId);
      void this.loadMembers(roomId);
      const page = await this.api.getMessages(roomId, { limit: PAGE_SIZE });
      this._hasMore.update((h) => ({ ...h, [roomId]: page.hasMore }));
      await this.addStored(roomId, page.messages);
    } catch (error) {
      if (this._selectedRoomId() === roomId) this._roomError.set(errorMessage(error));
    } finally {
      if (this._selectedRoomId() === roomId) this._roomLoading.set(false);
    }
  }

  /** Back to the room list (small screens). */
  closeRoom(): void {
    this._selectedRoomId.set(null);
    this._roomError.set(null);
  }

  async loadOlder(): Promise<void> {
    const roomId = this._selectedRoomId();
    if (!roomId) return;
    const oldest = (this._messages()[roomId] ?? []).find((m) => m.seq !== null)?.seq;
    if (oldest === undefined || oldest === null) return;
    try {
      const page = await this.api.getMessages(roomId, { before: oldest, limit: PAGE_SIZE });
      this._hasMore.update((h) => ({ ...h, [roomId]: page.hasMore }));
      await this.addStored(roomId, page.messages);
    } catch (error) {
      this._roomError.set(errorMessage(error));
    }
  }

  /** Invites by username into the open room. Resolves with a confirmation; throws a readable error. */
  async invite(username: string): Promise<string> {
    const roomId = this._selectedRoomId();
    if (!roomId) throw new Error('Open a room first.');
    const profile = await this.crypto.invite(roomId, username);
    await this.refreshKeys(roomId);
    void this.loadMembers(roomId);
    void this.loadRooms();
    return `${profile.displayName} was added to the room.`;
  }

  /** Encrypts and sends a text message to the open room, showing it at once as "sending…". */
  async send(body: string): Promise<void> {
    const roomId = this._selectedRoomId();
    const user = this.session.user();
    const device = this.session.device();
    const text = body.trim();
    if (!roomId || !user || !device || !text) return;
    const keyring = this.keyring(roomId);
    if (keyring.size === 0) await this.refreshKeys(roomId);
    const event = await this.crypto.encryptText(roomId, keyring, this.senderSeq.next(device.deviceId, roomId), text);
    this.outbox.set(event.messageId, event);
    this.upsert(roomId, {
      messageId: event.messageId,
      roomId,
      senderUserId: user.userId,
      senderName: user.displayName,
      body: text,
      sentAt: event.sentAt,
      seq: null,
      own: true,
      status: 'sending',
    });
    await this.deliver(roomId, event);
  }

  /** Sends a failed message again (same messageId: the server keeps one copy). */
  async retry(messageId: string): Promise<void> {
    const event = this.outbox.get(messageId);
    if (!event) return;
    this.patch(event.roomId, messageId, { status: 'sending', error: undefined });
    await this.deliver(event.roomId, event);
  }

  private async deliver(roomId: string, event: EncryptedEvent): Promise<void> {
    try {
      const ack = await this.socket.send(event);
      this.outbox.delete(event.messageId);
      this.patch(roomId, event.messageId, { status: 'sent', seq: ack.seq, error: undefined });
    } catch (error) {
      this.patch(roomId, event.messageId, { status: 'failed', error: errorMessage(error) });
    }
  }

  private async receive(message: StoredMessage): Promise<void> {
    const roomId = message.roomId;
    if (!this._messages()[roomId] && roomId !== this._selectedRoomId()) return;
    await this.addStored(roomId, [message]);
    if (roomId !== this._selectedRoomId()) this._unread.update((u) => ({ ...u, [roomId]: (u[roomId] ?? 0) + 1 }));
  }

  private async onRoomUpdated(update: RoomUpdated): Promise<void> {
    await this.loadRooms();
    if (this.keyrings.has(update.roomId)) {
      try {
        await this.refreshKeys(update.roomId);
      } catch (error) {
        if (update.roomId === this._selectedRoomId()) this._roomError.set(errorMessage(error));
      }
      void this.loadMembers(update.roomId);
    }
  }

  /** After a reconnect: fetch what each opened room missed. */
  private async catchUp(): Promise<void> {
    for (const roomId of Object.keys(this._messages())) {
      const last = lastContiguousSeq(this._messages()[roomId] ?? []);
      try {
        const page = await this.api.getMessages(roomId, last === null ? { limit: PAGE_SIZE } : { after: last });
        await this.addStored(roomId, page.messages);
      } catch {
        // The next reconnect or room open tries again.
      }
    }
  }

  private async refreshKeys(roomId: string): Promise<void> {
    const keyring = this.keyring(roomId);
    const latest = await this.crypto.loadEpochKeys(roomId, keyring);
    this.latestEpoch.set(roomId, Math.max(latest, this.latestEpoch.get(roomId) ?? 0));
    if (roomId === this._selectedRoomId()) this.canSend.set(keyring.size > 0);
  }

  /**
   * A member device without the current epoch's key (set up after the last rotation) starts a new epoch that
   * includes it, once per room and tab. Older history stays unreadable on this device until key backup exists.
   */
  private async ensureCurrentKey(roomId: string): Promise<void> {
    const current = this.latestEpoch.get(roomId) ?? 0;
    const keyring = this.keyring(roomId);
    if (current === 0 || keyring.has(current) || this.rekeyed.has(roomId)) return;
    this.rekeyed.add(roomId);
    try {
      await this.crypto.rekey(roomId);
      await this.refreshKeys(roomId);
    } catch {
      // Not fatal: the composer explains that this device waits for the room's key.
    }
  }

  private async loadMembers(roomId: string): Promise<void> {
    try {
      const room = await this.api.getRoom(roomId);
      const members = await Promise.all(
        room.members.map(async (m) => ({ userId: m.userId, displayName: await this.profiles.displayName(m.userId) })),
      );
      members.sort((a, b) => a.displayName.localeCompare(b.displayName));
      this._members.update((all) => ({ ...all, [roomId]: members }));
      this._rooms.update((rooms) => upsertRoom(rooms, summaryOf(room)));
    } catch {
      // Members are decoration; the room still works without the list.
    }
  }

  /** Decrypts stored messages (fetching newer epoch keys once if needed) and merges them in. */
  private async addStored(roomId: string, stored: StoredMessage[]): Promise<void> {
    const keyring = this.keyring(roomId);
    const known = new Set((this._messages()[roomId] ?? []).filter((m) => m.seq !== null).map((m) => m.messageId));
    // [trust] Oldest first: the receiver's ReplayGuard judges senderSeq gaps in the order messages are decrypted.
    const fresh = stored.filter((m) => m.roomId === roomId && !known.has(m.messageId)).sort((a, b) => a.seq - b.seq);
    if (fresh.some((m) => !keyring.has(m.epoch))) {
      try {
        await this.refreshKeys(roomId);
      } catch {
        // Messages of epochs we cannot open are shown as undecryptable below.
      }
    }
    const userId = this.session.user()?.userId;
    const views = await Promise.all(
      fresh.map(async (m): Promise<ChatMessage | null> => {
        const base = {
          messageId: m.messageId,
          roomId,
          senderUserId: m.senderUserId,
          senderName: await this.profiles.displayName(m.senderUserId),
          sentAt: m.sentAt,
          seq: m.seq,
          own: m.senderUserId === userId,
        };
        if (m.deleted) return { ...base, body: null, status: 'undecryptable', error: 'This message was deleted.' };
        try {
          const payload = await this.crypto.decrypt(m, keyring);
          if (payload.type !== 'text' || typeof payload.body !== 'string') {
            return { ...base, body: null, status: 'undecryptable', error: 'This message type is not supported yet.' };
          }
          return { ...base, body: payload.body, status: 'sent' };
        } catch (error) {
          // [trust] A second delivery of a message already shown (a replay, or history racing the socket): drop it.
          if (error instanceof DuplicateMessageError) return null;
          const why =
            error instanceof MissingEpochKeyError
              ? 'This device has no key for it: it was sent before you joined, or before this device was set up.'
              : 'This message could not be verified, so its content is not shown.';
          return { ...base, body: null, status: 'undecryptable', error: why };
        }
      }),
    );
    for (const view of views) if (view) this.upsert(roomId, view);
  }

  private upsert(roomId: string, message: ChatMessage): void {
    this._messages.update((all) => {
      const list = all[roomId] ?? [];
      const index = list.findIndex((m) => m.messageId === message.messageId);
      let next: ChatMessage[];
      if (index === -1) next = [...list, message];
      else if (list[index].status === 'sending' || list[index].status === 'failed') {
        // Our own optimistic copy wins over the echo; it just learns its seq.
        next = list.map((m, i) => (i === index ? { ...m, seq: message.seq ?? m.seq } : m));
      } else return all;
      return { ...all, [roomId]: next.sort(compareMessages) };
    });
  }

  private patch(roomId: string, messageId: string, change: Partial<ChatMessage>): void {
    this._messages.update((all) => {
      const list = all[roomId];
      if (!list) return all;
      const next = list.map((m) => (m.messageId === messageId ? { ...m, ...change } : m)).sort(compareMessages);
      return { ...all, [roomId]: next };
    });
  }

  private keyring(roomId: string): Keyring {
    let keyring = this.keyrings.get(roomId);
    if (!keyring) {
      keyring = new Map();
      this.keyrings.set(roomId, keyring);
    }
    return keyring;
  }
}

function upsertRoom(rooms: RoomSummary[], room: RoomSummary): RoomSummary[] {
  const others = rooms.filter((r) => r.roomId !== room.roomId);
  return [...others, room].sort((a, b) => a.name.localeCompare(b.name));
}

function summaryOf(room: RoomSummary): RoomSummary {
  const { roomId, name, kind, createdBy, currentEpoch, role } = room;
  return { roomId, name, kind, createdBy, currentEpoch, role };
}

/** The highest seq up to which this client has every message (a hole means: ask again from there). */
export function lastContiguousSeq(messages: ChatMessage[]): number | null {
  const seqs = messages.map((m) => m.seq).filter((s): s is number => s !== null).sort((a, b) => a - b);
  if (seqs.length === 0) return null;
  let last = seqs[0];
  for (const s of seqs.slice(1)) {
    if (s !== last + 1) break;
    last = s;
  }
  return last;
}
