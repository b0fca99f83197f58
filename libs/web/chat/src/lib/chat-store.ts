import { DOCUMENT, DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import type { StoredMessage } from '@parley/shared/contracts';
import { DuplicateMessageError } from '@parley/shared/crypto';
import { ApiClient, NotConnectedError, ProfileCache, SessionStore, SocketClient, errorMessage } from '@parley/web/core';
import type { Subscription } from 'rxjs';
import type { ChatMessage } from './chat-message';
import { MessageStore } from './message-store';
import { PresenceStore } from './presence-store';
import { ReceiptsStore } from './receipts-store';
import { MissingEpochKeyError, RoomCrypto, type Keyring } from './room-crypto';
import { seenBy } from './room-order';
import { RoomsStore } from './rooms-store';
import { SendQueue } from './send-queue';
import { SenderSeq } from './sender-seq';
import { TypingStore } from './typing-store';

export type { RoomMemberView } from './room-order';

const PAGE_SIZE = 50;

/**
 * The chat feature's coordinator: the open room (joining, epoch keys, decrypting history, sending, deleting,
 * catching up after a reconnect) on top of small stores: RoomsStore (list, members), MessageStore (messages per
 * room), ReceiptsStore (unread, "seen by", last activity), PresenceStore, TypingStore and SendQueue (retries
 * until acknowledged). Components read the signals and call the actions; the actions report failures through
 * the error signals (never throw to the UI), except `createRoom`, `invite` and `send`, whose forms show their own.
 */
@Injectable()
export class ChatStore {
  private readonly api = inject(ApiClient);
  private readonly crypto = inject(RoomCrypto);
  private readonly socket = inject(SocketClient);
  private readonly session = inject(SessionStore);
  private readonly profiles = inject(ProfileCache);
  private readonly senderSeq = inject(SenderSeq);
  private readonly document = inject(DOCUMENT);
  readonly presence = inject(PresenceStore);
  readonly receipts = inject(ReceiptsStore);
  private readonly typingStore = inject(TypingStore);
  private readonly messageStore = inject(MessageStore);
  private readonly roomsStore = inject(RoomsStore);

  private readonly sendQueue = inject(SendQueue);
  private readonly keyrings = new Map<string, Keyring>();
  private readonly subscriptions: Subscription[] = [];
  /** Rooms this tab already started a new epoch for (see ensureCurrentKey). */
  private readonly rekeyed = new Set<string>();
  /** The newest epoch the server has per room (whether or not this device can open it). */
  private readonly latestEpoch = new Map<string, number>();

  private readonly _selectedRoomId = signal<string | null>(null);
  private readonly _roomLoading = signal(false);
  private readonly _roomError = signal<string | null>(null);
  private readonly _olderLoading = signal(false);

  readonly rooms = this.roomsStore.rooms;
  readonly roomsLoading = this.roomsStore.loading;
  readonly roomsError = this.roomsStore.error;
  readonly selectedRoomId = this._selectedRoomId.asReadonly();
  readonly roomLoading = this._roomLoading.asReadonly();
  readonly roomError = this._roomError.asReadonly();
  readonly olderLoading = this._olderLoading.asReadonly();
  readonly unread = this.receipts.unread;
  readonly connection = this.socket.state;
  readonly reconnecting = this.socket.reconnecting;
  readonly user = this.session.user;
  readonly warnings = this.profiles.warnings;

  readonly sortedRooms = this.roomsStore.sorted;
  readonly selectedRoom = computed(() => this.rooms().find((r) => r.roomId === this._selectedRoomId()) ?? null);
  readonly messages = computed(() => this.messageStore.of(this._selectedRoomId()));
  readonly members = computed(() => this.roomsStore.members()[this._selectedRoomId() ?? ''] ?? []);
  readonly hasMore = computed(() => this.messageStore.hasMore()[this._selectedRoomId() ?? ''] ?? false);
  /** True when the open room has an epoch key this device can encrypt with. */
  readonly canSend = signal(false);
  /** messageId → names of the others whose newest read message of mine it is ("Seen by Alice, Bob"). */
  readonly seenBy = computed(() =>
    seenBy(this.messages(), this.receipts.reads()[this._selectedRoomId() ?? ''] ?? {}, this.members(),
      this.session.user()?.userId));

  constructor() {
    inject(DestroyRef).onDestroy(() => this.subscriptions.forEach((s) => s.unsubscribe()));
    this.sendQueue.onUpdate((roomId, messageId, change) => this.messageStore.patch(roomId, messageId, change));
  }

  /** Connects the socket, listens for events and loads the room list. */
  init(): void {
    const user = this.session.user();
    const identity = this.session.identity();
    if (user && identity) this.profiles.pin(user.userId, identity.publicKey);
    this.subscriptions.push(
      this.socket.messages$.subscribe((m) => void this.receive(m)),
      this.socket.on('file:received').subscribe(({ message }) => void this.receive(message)),
      this.socket.on('message:deleted').subscribe((d) => this.messageStore.tombstone(d)),
      this.socket.roomUpdates$.subscribe(({ roomId }) => void this.onRoomChanged(roomId)),
      // Someone joined, left or was removed: re-verify the chain and show the members it names.
      this.socket.on('room:op').subscribe(({ roomId }) => void this.onRoomChanged(roomId)),
      this.socket.reconnected$.subscribe(() => void this.catchUp()),
    );
    this.presence.init();
    this.receipts.init();
    this.typingStore.init();
    this.socket.connect();
    void this.loadRooms();
  }

  loadRooms(): Promise<void> {
    return this.roomsStore.load();
  }

  /** Creates a room and opens it. Throws a readable error for the form. */
  async createRoom(name: string): Promise<void> {
    const room = await this.crypto.createRoom(name.trim());
    this.roomsStore.upsert({ ...room, currentEpoch: Math.max(room.currentEpoch, 1) });
    await this.openRoom(room.roomId);
    void this.loadRooms();
  }

  /** Opens a room: joins its broadcast, opens its epoch keys, loads and decrypts the latest messages. */
  async openRoom(roomId: string): Promise<void> {
    const previous = this._selectedRoomId();
    if (previous && previous !== roomId) this.typingStore.stop(previous);
    this._selectedRoomId.set(roomId);
    this._roomError.set(null);
    this._roomLoading.set(true);
    this.canSend.set(this.keyring(roomId).size > 0);
    try {
      // Join first, then fetch history, so nothing sent in between is missed (duplicates are dropped).
      await this.socket.joinRoom(roomId);
      await this.refreshKeys(roomId);
      await this.ensureCurrentKey(roomId);
      void this.roomsStore.loadMembers(roomId);
      const page = await this.api.getMessages(roomId, { limit: PAGE_SIZE });
      this.messageStore.setHasMore(roomId, page.hasMore);
      await this.addStored(roomId, page.messages);
    } catch (error) {
      if (this._selectedRoomId() === roomId) this._roomError.set(errorMessage(error));
    } finally {
      if (this._selectedRoomId() === roomId) this._roomLoading.set(false);
    }
  }

  /** Back to the room list (small screens). */
  closeRoom(): void {
    const roomId = this._selectedRoomId();
    if (roomId) this.typingStore.stop(roomId);
    this._selectedRoomId.set(null);
    this._roomError.set(null);
  }

  async loadOlder(): Promise<void> {
    const roomId = this._selectedRoomId();
    if (!roomId) return;
    const oldest = this.messageStore.oldestSeq(roomId);
    if (oldest === undefined || this._olderLoading() || !this.hasMore()) return;
    this._olderLoading.set(true);
    try {
      const page = await this.api.getMessages(roomId, { before: oldest, limit: PAGE_SIZE });
      await this.addStored(roomId, page.messages);
      this.messageStore.setHasMore(roomId, page.hasMore);
    } catch (error) {
      this._roomError.set(errorMessage(error));
    } finally {
      this._olderLoading.set(false);
    }
  }

  /** The reader sees the newest message of the open room (the list is at the bottom and the tab focused). */
  markOpenRoomRead(): void {
    const roomId = this._selectedRoomId();
    const newest = roomId && this.messageStore.newestSeq(roomId);
    if (roomId && newest) this.receipts.markRead(roomId, newest);
  }

  /** Deletes one of my messages for everyone; a tombstone stays. Errors show above the conversation. */
  async deleteMessage(messageId: string): Promise<void> {
    const roomId = this._selectedRoomId();
    if (!roomId) return;
    try {
      this.messageStore.tombstone(await this.socket.deleteMessage(roomId, messageId));
    } catch (error) {
      this._roomError.set(
        error instanceof NotConnectedError ? 'You are offline; delete it again once reconnected.' : errorMessage(error));
    }
  }

  /** Invites by username into the open room. Resolves with a confirmation; throws a readable error. */
  async invite(username: string): Promise<string> {
    const roomId = this._selectedRoomId();
    if (!roomId) throw new Error('Open a room first.');
    const profile = await this.crypto.invite(roomId, username);
    await this.refreshKeys(roomId);
    void this.roomsStore.loadMembers(roomId);
    void this.loadRooms();
    return `${profile.displayName} was added to the room.`;
  }

  /** Removes a member from the open room and rotates its key. Resolves with a confirmation; throws a readable error. */
  async removeMember(userId: string): Promise<string> {
    const roomId = this._selectedRoomId();
    if (!roomId) throw new Error('Open a room first.');
    const name = await this.profiles.displayName(userId);
    await this.crypto.remove(roomId, userId);
    await this.refreshKeys(roomId);
    void this.roomsStore.loadMembers(roomId);
    return `${name} was removed from the room.`;
  }

  /** Leaves the open room: it disappears from the list, and nothing sent from now on reaches this account. */
  async leaveRoom(): Promise<void> {
    const roomId = this._selectedRoomId();
    if (!roomId) return;
    await this.crypto.leave(roomId);
    this.closeRoom();
    await this.loadRooms();
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
    this.typingStore.stop(roomId);
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
    await this.sendQueue.send(event);
  }

  /** Sends a failed message again (same messageId: the server keeps one copy). */
  retry(messageId: string): Promise<void> {
    return this.sendQueue.retry(messageId);
  }

  private async receive(message: StoredMessage): Promise<void> {
    const roomId = message.roomId;
    // A message in the room the reader is looking at is read at once (no badge flashing up and away).
    const looking = roomId === this._selectedRoomId() && this.document.visibilityState === 'visible' &&
      this.document.hasFocus();
    this.receipts.received(message, !looking);
    if (!this.messageStore.isLoaded(roomId) && roomId !== this._selectedRoomId()) return;
    await this.addStored(roomId, [message]);
  }

  /** A room's membership, epoch or listing changed: reload the list and, for a room this tab holds, its keys. */
  private async onRoomChanged(roomId: string): Promise<void> {
    await this.loadRooms();
    // This account was removed from the open room (or left it in another tab): close it.
    if (roomId === this._selectedRoomId() && !this.rooms().some((r) => r.roomId === roomId)) {
      this.closeRoom();
      return;
    }
    if (this.keyrings.has(roomId)) {
      try {
        await this.refreshKeys(roomId);
      } catch (error) {
        if (roomId === this._selectedRoomId()) this._roomError.set(errorMessage(error));
      }
      void this.roomsStore.loadMembers(roomId);
    }
  }

  /**
   * After a reconnect: `sync` each opened room from its last contiguous seq (page by page; merging drops
   * duplicates and orders by seq), then send what waited in the outbox.
   */
  private async catchUp(): Promise<void> {
    const open = this._selectedRoomId();
    // The open room failed to load while offline: load it again now.
    if (open && this._roomError()) void this.openRoom(open);
    for (const roomId of this.messageStore.loadedRooms()) {
      if (roomId === open && this._roomError()) continue;
      try {
        let after = this.messageStore.lastContiguousSeq(roomId);
        if (after === null) {
          const page = await this.api.getMessages(roomId, { limit: PAGE_SIZE });
          await this.addStored(roomId, page.messages);
          continue;
        }
        for (;;) {
          const page = await this.socket.sync(roomId, after);
          await this.addStored(roomId, page.messages);
          const last = page.messages.at(-1)?.seq;
          if (!page.hasMore || last === undefined) break;
          after = last;
        }
      } catch {
        // The next reconnect or room open tries again.
      }
    }
    this.sendQueue.flush();
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

  /** Decrypts stored messages (fetching newer epoch keys once if needed) and merges them in. */
  private async addStored(roomId: string, stored: StoredMessage[]): Promise<void> {
    const keyring = this.keyring(roomId);
    const known = this.messageStore.storedIds(roomId);
    // [trust] Oldest first: the receiver's ReplayGuard judges senderSeq gaps in the order messages are decrypted.
    const fresh = stored.filter((m) => m.roomId === roomId && (!known.has(m.messageId) || m.deleted))
      .sort((a, b) => a.seq - b.seq);
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
        if (m.deleted) return { ...base, body: null, status: 'deleted' };
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
    this.messageStore.upsert(roomId, message);
    // A message of mine that history or sync returns is on the server: stop resending it.
    if (message.own && message.seq !== null) this.sendQueue.arrived(message.messageId);
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
