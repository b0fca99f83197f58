import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import type { RoomSummary, StoredMessage } from '@parley/shared/contracts';
import type { EncryptedEvent } from '@parley/shared/crypto';
import { ApiClient, ProfileCache, SessionStore, SocketClient } from '@parley/web/core';
import { Subject } from 'rxjs';
import type { ChatMessage } from './chat-message';
import { ChatStore, lastContiguousSeq } from './chat-store';
import { MissingEpochKeyError, RoomCrypto, type Keyring } from './room-crypto';
import { SenderSeq } from './sender-seq';

const ME = 'me00000000000000000000';
const BOB = 'bob0000000000000000000';
const ROOM = 'room000000000000000000';

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
    getRoom: jest.fn().mockResolvedValue({ ...room('Team', ROOM), members: [] }),
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
  const socket = {
    state: signal('online').asReadonly(),
    messages$: new Subject<StoredMessage>(),
    roomUpdates$: new Subject<{ roomId: string; reason: string }>(),
    reconnected$: new Subject<void>(),
    connect: jest.fn(),
    joinRoom: jest.fn().mockResolvedValue(undefined),
    send: jest.fn().mockResolvedValue({ seq: 10, receivedAt: 1 }),
  };
  const session = {
    user: signal({ userId: ME, username: 'me', displayName: 'Me' }).asReadonly(),
    device: signal({ deviceId: 'mydev' }).asReadonly(),
    identity: signal({ publicKey: 'uik' }).asReadonly(),
  };
  const profiles = {
    warnings: signal<readonly string[]>([]).asReadonly(),
    pin: jest.fn(),
    displayName: jest.fn(async (id: string) => (id === BOB ? 'Bob' : 'Me')),
  };
  let seq = 0;
  TestBed.configureTestingModule({
    providers: [
      ChatStore,
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

  it('marks a message failed when the server refuses it, and retry resends the same event', async () => {
    const { store, socket } = setup();
    await store.openRoom(ROOM);
    socket.send.mockRejectedValueOnce(new Error('not a member'));

    await store.send('hi');
    const failed = store.messages()[0];
    expect(failed).toEqual(expect.objectContaining({ status: 'failed', error: 'Not a member.' }));

    await store.retry(failed.messageId);
    expect(socket.send).toHaveBeenCalledTimes(2);
    expect(socket.send.mock.calls[1][0]).toBe(socket.send.mock.calls[0][0]);
    expect(store.messages()[0].status).toBe('sent');
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
});
