import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import type { RoomSummary, StoredMessage } from '@parley/shared/contracts';
import type { EncryptedEvent } from '@parley/shared/crypto';
import { ApiClient, NotConnectedError, ProfileCache, SessionStore, SocketClient } from '@parley/web/core';
import { lastContiguousSeq, type ChatMessage } from './chat-message';
import { ChatStore } from './chat-store';
import { BOB, ME, ROOM, fakeSession, fakeSocket } from './fakes.spec-helpers';
import { MessageStore } from './message-store';
import { PresenceStore } from './presence-store';
import { ReceiptsStore } from './receipts-store';
import { RoomsStore } from './rooms-store';
import { MissingEpochKeyError, RoomCrypto, type Keyring } from './room-crypto';
import { SendQueue } from './send-queue';
import { SenderSeq } from './sender-seq';
import { TypingStore } from './typing-store';

const room = (name: string, roomId = `${name}-id`): RoomSummary => ({
  roomId, name, kind: 'group', createdBy: ME, currentEpoch: 1, role: 'owner',
});

const stored = (seq: number, messageId: string, body: string, sender = BOB, epoch = 1): StoredMessage =>
  ({
    v: 1, suite: 'v1', roomId: ROOM, epoch, messageId, senderUserId: sender, senderDeviceId: 'dev',
    senderSeq: seq, sentAt: 1_700_000_000_000 + seq, ct: body, sig: 'sig', seq, receivedAt: 1_700_000_000_000 + seq,
  }) as StoredMessage;

function setup() {
  const api = {
    listRooms: jest.fn().mockResolvedValue([room('Zoo'), room('Attic')]),
    getMessages: jest.fn().mockResolvedValue({ messages: [], hasMore: false }),
    getRoom: jest.fn().mockResolvedValue({
      ...room('Team', ROOM), members: [{ userId: ME, role: 'owner', joinedEpoch: 1 }, { userId: BOB, role: 'member', joinedEpoch: 1 }],
    }),
  };
  const crypto = {
    loadEpochKeys: jest.fn(async (_roomId: string, keyring: Keyring) => {
      keyring.set(1, new Uint8Array(32));
      return 1;
    }),
    // The fake "ciphertext" is the body itself; "bad" fails verification.
    decrypt: jest.fn(async (m: StoredMessage, keyring: Keyring) => {
      if (!keyring.has(m.epoch)) throw new MissingEpochKeyError(m.epoch);
      if (m.ct === 'bad') throw new Error('invalid signature');
      return { type: 'text', body: m.ct };
    }),
    encryptText: jest.fn(
      async (roomId: string, _k: Keyring, senderSeq: number, body: string): Promise<EncryptedEvent> => ({
        v: 1, suite: 'v1', roomId, epoch: 1, messageId: `out-${senderSeq}`, senderUserId: ME, senderDeviceId: 'mydev',
        senderSeq, sentAt: Date.now(), ct: body, sig: 'sig',
      }),
    ),
    createRoom: jest.fn(),
    invite: jest.fn(),
    rekey: jest.fn().mockResolvedValue(true),
  };
  const socket = fakeSocket();
  const session = fakeSession();
  const profiles = {
    warnings: signal<readonly string[]>([]).asReadonly(),
    pin: jest.fn(),
    displayName: jest.fn(async (id: string) => (id === BOB ? 'Bob' : 'Me')),
  };
  let seq = 0;
  TestBed.configureTestingModule({
    providers: [
      ChatStore, MessageStore, PresenceStore, ReceiptsStore, RoomsStore, SendQueue, TypingStore,
      { provide: ApiClient, useValue: api },
      { provide: RoomCrypto, useValue: crypto },
      { provide: SocketClient, useValue: socket },
      { provide: SessionStore, useValue: session },
      { provide: ProfileCache, useValue: profiles },
      { provide: SenderSeq, useValue: { next: () => seq++ } },
    ],
  });
  return { store: TestBed.inject(ChatStore), api, crypto, socket, profiles };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('ChatStore', () => {
  it('loads the rooms sorted by name and connects the socket on init', async () => {
    const { store, socket, profiles } = setup();
    store.init();
    await flush();

    expect(socket.connect).toHaveBeenCalled();
    expect(profiles.pin).toHaveBeenCalledWith(ME, 'uik');
    expect(store.rooms().map((r) => r.name)).toEqual(['Attic', 'Zoo']);
  });

  it('shows a readable error when the rooms cannot be loaded', async () => {
    const { store, api } = setup();
    api.listRooms.mockRejectedValue(new Error('network down'));
    await store.loadRooms();

    expect(store.roomsError()).toBe('Network down.');
  });

  it('joins a room before fetching its history, and decrypts it in seq order', async () => {
    const { store, api, socket } = setup();
    api.getMessages.mockResolvedValue({ messages: [stored(2, 'm2', 'second'), stored(1, 'm1', 'first')], hasMore: true });
    await store.openRoom(ROOM);

    expect(socket.joinRoom.mock.invocationCallOrder[0]).toBeLessThan(api.getMessages.mock.invocationCallOrder[0]);
    expect(store.messages().map((m) => [m.body, m.senderName, m.status])).toEqual([
      ['first', 'Bob', 'sent'],
      ['second', 'Bob', 'sent'],
    ]);
    expect(store.hasMore()).toBe(true);
    expect(store.canSend()).toBe(true);
  });

  it('marks messages that fail verification as undecryptable instead of showing them', async () => {
    const { store, api } = setup();
    api.getMessages.mockResolvedValue({ messages: [stored(1, 'm1', 'bad')], hasMore: false });
    await store.openRoom(ROOM);

    const [message] = store.messages();
    expect(message.status).toBe('undecryptable');
    expect(message.body).toBeNull();
  });

  it('shows a sent message at once as sending, then as sent with the server’s seq', async () => {
    const { store, socket } = setup();
    await store.openRoom(ROOM);
    let ack!: (value: { seq: number; receivedAt: number }) => void;
    socket.send.mockReturnValue(new Promise((resolve) => (ack = resolve)));

    const sending = store.send('  hello bob  ');
    await flush();
    expect(store.messages()).toEqual([
      expect.objectContaining({ body: 'hello bob', own: true, status: 'sending', seq: null, senderName: 'Me' }),
    ]);

    ack({ seq: 7, receivedAt: 1 });
    await sending;
    expect(store.messages()[0]).toEqual(expect.objectContaining({ status: 'sent', seq: 7 }));
  });

  it('retries a refused send with the same event, and shows "failed" only after repeated failures', async () => {
    jest.useFakeTimers();
    try {
      const { store, socket } = setup();
      await store.openRoom(ROOM);
      socket.send.mockRejectedValue(new Error('internal error; try again'));

      await store.send('hi');
      expect(store.messages()[0].status).toBe('sending');
      await jest.advanceTimersByTimeAsync(1_000);
      expect(store.messages()[0].status).toBe('sending');
      await jest.advanceTimersByTimeAsync(2_000);

      expect(socket.send).toHaveBeenCalledTimes(3);
      expect(new Set(socket.send.mock.calls.map(([event]) => event)).size).toBe(1);
      expect(store.messages()[0]).toEqual(expect.objectContaining({ status: 'failed', error: 'Internal error; try again.' }));

      socket.send.mockResolvedValue({ seq: 4, receivedAt: 1 });
      await store.retry(store.messages()[0].messageId);
      expect(socket.send).toHaveBeenCalledTimes(4);
      expect(socket.send.mock.calls[3][0]).toBe(socket.send.mock.calls[0][0]);
      expect(store.messages()[0]).toEqual(expect.objectContaining({ status: 'sent', seq: 4 }));
    } finally {
      jest.useRealTimers();
    }
  });

  it('keeps a message sent while offline as "sending" and sends it once after the reconnect', async () => {
    const { store, socket } = setup();
    store.init();
    await store.openRoom(ROOM);
    socket.send.mockRejectedValueOnce(new NotConnectedError());

    await store.send('from the tunnel');
    expect(store.messages()[0].status).toBe('sending');
    socket.send.mockResolvedValue({ seq: 3, receivedAt: 1 });
    socket.reconnected$.next();
    await flush();
    await flush();

    expect(socket.send).toHaveBeenCalledTimes(2);
    expect(socket.send.mock.calls[1][0]).toBe(socket.send.mock.calls[0][0]);
    expect(store.messages().map((m) => [m.body, m.status, m.seq])).toEqual([['from the tunnel', 'sent', 3]]);
  });

  it('resyncs after a reconnect from the last contiguous seq, page by page, without duplicates, in seq order', async () => {
    const { store, api, socket } = setup();
    store.init();
    api.getMessages.mockResolvedValue({ messages: [stored(1, 'm1', 'one'), stored(2, 'm2', 'two')], hasMore: false });
    await store.openRoom(ROOM);
    socket.messages$.next(stored(5, 'm5', 'five')); // arrived live; 3 and 4 were missed
    await flush();
    socket.sync
      .mockResolvedValueOnce({ messages: [stored(4, 'm4', 'four'), stored(3, 'm3', 'three')], hasMore: true })
      .mockResolvedValueOnce({ messages: [stored(5, 'm5', 'five'), stored(6, 'm6', 'six')], hasMore: false });

    socket.reconnected$.next();
    await flush();
    await flush();
    await flush();

    expect(socket.sync.mock.calls.map(([roomId, after]) => [roomId, after])).toEqual([[ROOM, 2], [ROOM, 3]]);
    expect(store.messages().map((m) => m.body)).toEqual(['one', 'two', 'three', 'four', 'five', 'six']);
  });

  it('sends again after a reconnect what was in flight on the lost connection (same event)', async () => {
    const { store, socket } = setup();
    store.init();
    await store.openRoom(ROOM);
    socket.send.mockReturnValueOnce(new Promise(() => undefined)); // the connection drops: no ack, ever

    void store.send('in the air');
    await flush();
    socket.send.mockResolvedValue({ seq: 8, receivedAt: 1 });
    socket.reconnected$.next();
    await flush();
    await flush();

    expect(socket.send).toHaveBeenCalledTimes(2);
    expect(socket.send.mock.calls[1][0]).toBe(socket.send.mock.calls[0][0]);
    expect(store.messages()[0]).toEqual(expect.objectContaining({ status: 'sent', seq: 8 }));
  });

  it('marks my message sent when sync returns it before its ack arrived, and stops resending it', async () => {
    const { store, socket, api } = setup();
    store.init();
    await store.openRoom(ROOM);
    socket.send.mockRejectedValueOnce(new NotConnectedError());
    await store.send('lost ack');
    const sent = socket.send.mock.calls[0][0] as EncryptedEvent;
    // Nothing of the room has a seq yet, so the catch-up asks for the latest page.
    api.getMessages.mockResolvedValueOnce({ messages: [stored(1, sent.messageId, 'lost ack', ME)], hasMore: false });

    socket.reconnected$.next();
    await flush();
    await flush();

    expect(store.messages()).toEqual([expect.objectContaining({ body: 'lost ack', status: 'sent', seq: 1 })]);
    expect(socket.send).toHaveBeenCalledTimes(1);
  });

  it('shows a deleted message as a tombstone, live and from history', async () => {
    const { store, api, socket } = setup();
    store.init();
    api.getMessages.mockResolvedValue({
      messages: [stored(1, 'm1', 'one'), { ...stored(2, 'm2', 'gone'), ct: '', deleted: true }], hasMore: false,
    });
    await store.openRoom(ROOM);

    socket.emit('message:deleted', { roomId: ROOM, messageId: 'm1', seq: 1 });

    expect(store.messages().map((m) => [m.messageId, m.status, m.body])).toEqual([
      ['m1', 'deleted', null],
      ['m2', 'deleted', null],
    ]);
  });

  it('deletes my own message through the socket and shows the tombstone', async () => {
    const { store, socket } = setup();
    await store.openRoom(ROOM);
    await store.send('oops');
    const messageId = store.messages()[0].messageId;
    socket.deleteMessage.mockResolvedValue({ roomId: ROOM, messageId, seq: 10 });

    await store.deleteMessage(messageId);

    expect(socket.deleteMessage).toHaveBeenCalledWith(ROOM, messageId);
    expect(store.messages()[0].status).toBe('deleted');
  });

  it('shows "seen by" under the newest of my messages each member has read', async () => {
    const { store, socket } = setup();
    store.init();
    await store.openRoom(ROOM);
    socket.send.mockResolvedValueOnce({ seq: 1, receivedAt: 1 }).mockResolvedValueOnce({ seq: 2, receivedAt: 2 });
    await store.send('first');
    await store.send('second');
    await flush();

    socket.emit('message:read', { roomId: ROOM, userId: BOB, seq: 1, readAt: 5 });
    expect(Object.values(store.seenBy())).toEqual([['Bob']]);
    expect(store.seenBy()[store.messages()[0].messageId]).toEqual(['Bob']);

    socket.emit('message:read', { roomId: ROOM, userId: BOB, seq: 2, readAt: 6 });
    expect(store.seenBy()).toEqual({ [store.messages()[1].messageId]: ['Bob'] });
  });

  it('loads the page before the oldest seq it has, one request at a time, until the beginning', async () => {
    const { store, api } = setup();
    api.getMessages.mockResolvedValueOnce({ messages: [stored(5, 'm5', 'five'), stored(6, 'm6', 'six')], hasMore: true });
    await store.openRoom(ROOM);
    let answer!: (page: { messages: StoredMessage[]; hasMore: boolean }) => void;
    api.getMessages.mockReturnValueOnce(new Promise((resolve) => (answer = resolve)));

    const loading = store.loadOlder();
    void store.loadOlder(); // a second scroll event while the first page is on its way
    expect(store.olderLoading()).toBe(true);
    answer({ messages: [stored(3, 'm3', 'three'), stored(4, 'm4', 'four')], hasMore: false });
    await loading;

    expect(api.getMessages).toHaveBeenCalledTimes(2);
    expect(api.getMessages).toHaveBeenLastCalledWith(ROOM, { before: 5, limit: 50 });
    expect(store.messages().map((m) => m.seq)).toEqual([3, 4, 5, 6]);
    expect(store.hasMore()).toBe(false);
    await store.loadOlder();
    expect(api.getMessages).toHaveBeenCalledTimes(2);
  });

  it.each([
    ['looking at the room', true, 'visible', ROOM, 0],
    ['in another tab', true, 'hidden', ROOM, 1],
    ['in another window', false, 'visible', ROOM, 1],
    ['in another room', true, 'visible', 'Zoo-id', 1],
  ])('counts a live message as unread unless the reader is looking at its room (%s)',
    async (_case, focused, visibility, roomId, unread) => {
      const { store, socket } = setup();
      jest.spyOn(document, 'hasFocus').mockReturnValue(focused as boolean);
      jest.spyOn(document, 'visibilityState', 'get').mockReturnValue(visibility as DocumentVisibilityState);
      store.init();
      await store.openRoom(ROOM);

      socket.messages$.next({ ...stored(1, 'x1', 'hi'), roomId: roomId as string });
      await flush();

      expect(store.unread()[roomId as string] ?? 0).toBe(unread);
      jest.restoreAllMocks();
    });

  it('sorts the rooms by their last activity, then by name', async () => {
    const { store, socket } = setup();
    store.init();
    await flush();

    socket.messages$.next({ ...stored(1, 'z1', 'hi'), roomId: 'Zoo-id' });
    await flush();

    expect(store.sortedRooms().map((r) => r.name)).toEqual(['Zoo', 'Attic']);
  });

  it('drops a received message it already has (same messageId)', async () => {
    const { store, socket } = setup();
    store.init();
    await store.openRoom(ROOM);

    socket.messages$.next(stored(3, 'm3', 'hey'));
    socket.messages$.next(stored(3, 'm3', 'hey'));
    await flush();
    await flush();

    expect(store.messages().map((m: ChatMessage) => m.messageId)).toEqual(['m3']);
  });

  it('starts a new epoch when this device has no key for the room’s current one', async () => {
    const { store, crypto } = setup();
    // The server has epoch 2, but only epoch 1 was sealed to this device (it was set up in between).
    crypto.loadEpochKeys.mockImplementation(async (_roomId: string, keyring: Keyring) => {
      keyring.set(1, new Uint8Array(32));
      if (crypto.rekey.mock.calls.length > 0) keyring.set(3, new Uint8Array(32));
      return crypto.rekey.mock.calls.length > 0 ? 3 : 2;
    });
    await store.openRoom(ROOM);

    expect(crypto.rekey).toHaveBeenCalledWith(ROOM);
    expect(store.canSend()).toBe(true);
  });

  it('does not start a new epoch when it holds the current key', async () => {
    const { store, crypto } = setup();
    await store.openRoom(ROOM);

    expect(crypto.rekey).not.toHaveBeenCalled();
  });

  it('fetches new epoch keys when a room it has open is updated', async () => {
    const { store, socket, crypto, api } = setup();
    api.listRooms.mockResolvedValue([room('Team', ROOM)]);
    store.init();
    await store.openRoom(ROOM);
    crypto.loadEpochKeys.mockClear();
    api.listRooms.mockClear();

    socket.roomUpdates$.next({ roomId: ROOM, reason: 'epoch' });
    await flush();
    await flush();

    expect(api.listRooms).toHaveBeenCalled();
    expect(crypto.loadEpochKeys).toHaveBeenCalledWith(ROOM, expect.any(Map));
  });
});

describe('lastContiguousSeq', () => {
  const at = (seq: number | null) => ({ seq }) as ChatMessage;

  it.each([
    [[], null],
    [[at(4), at(5), at(6)], 6],
    [[at(4), at(6), at(7)], 4],
    [[at(null), at(2), at(3)], 3],
  ])('of %j is %p', (messages, expected) => {
    expect(lastContiguousSeq(messages as ChatMessage[])).toBe(expected);
  });

  it('closes the open room when this account is no longer in it (removed, or left in another tab)', async () => {
    const { store, socket, api } = setup();
    api.listRooms.mockResolvedValue([room('Team', ROOM)]);
    store.init();
    await store.openRoom(ROOM);
    expect(store.selectedRoomId()).toBe(ROOM);

    api.listRooms.mockResolvedValue([room('Zoo')]);
    socket.roomUpdates$.next({ roomId: ROOM, reason: 'member-removed' });
    await flush();
    await flush();

    expect(store.selectedRoomId()).toBeNull();
    expect(store.rooms().map((r) => r.name)).toEqual(['Zoo']);
  });
});
