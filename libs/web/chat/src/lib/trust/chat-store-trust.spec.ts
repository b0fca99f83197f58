// How ChatStore shows the receiver-side checks of RoomCrypto (which is faked here; room-crypto.spec runs it for real).
import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import type { StoredMessage } from '@parley/shared/contracts';
import { DuplicateMessageError, SignatureError } from '@parley/shared/crypto';
import { ApiClient, ProfileCache, SessionStore, SocketClient } from '@parley/web/core';
import { ChatStore } from '../chat-store';
import { fakeSession, fakeSocket } from '../fakes.spec-helpers';
import { MessageStore } from '../message-store';
import { PresenceStore } from '../presence-store';
import { ReceiptsStore } from '../receipts-store';
import { RoomsStore } from '../rooms-store';
import { RoomCrypto, type Keyring } from '../room-crypto';
import { SendQueue } from '../send-queue';
import { SenderSeq } from '../sender-seq';
import { TypingStore } from '../typing-store';

const ROOM = 'room000000000000000000';

const stored = (seq: number, messageId: string, ct: string): StoredMessage =>
  ({
    v: 1, suite: 'v1', roomId: ROOM, epoch: 1, messageId, senderUserId: 'bob', senderDeviceId: 'dev',
    senderSeq: seq, sentAt: 1_700_000_000_000 + seq, ct, sig: 'sig', seq, receivedAt: 1_700_000_000_000 + seq,
  }) as StoredMessage;

function setup(messages: StoredMessage[]) {
  const order: number[] = [];
  const crypto = {
    loadEpochKeys: jest.fn(async (_roomId: string, keyring: Keyring) => {
      keyring.set(1, new Uint8Array(32));
      return 1;
    }),
    decrypt: jest.fn(async (m: StoredMessage) => {
      order.push(m.seq);
      if (m.ct === 'forged') throw new SignatureError('message: invalid signature');
      if (m.ct === 'dup') throw new DuplicateMessageError(`duplicate message ${m.messageId}`);
      return { type: 'text', body: m.ct };
    }),
    rekey: jest.fn(),
  };
  TestBed.configureTestingModule({
    providers: [
      ChatStore, MessageStore, PresenceStore, ReceiptsStore, RoomsStore, SendQueue, TypingStore,
      {
        provide: ApiClient,
        useValue: {
          getMessages: jest.fn().mockResolvedValue({ messages, hasMore: false }),
          getRoom: jest.fn().mockResolvedValue({ roomId: ROOM, members: [] }),
          listRooms: jest.fn().mockResolvedValue([]),
        },
      },
      { provide: RoomCrypto, useValue: crypto },
      { provide: SocketClient, useValue: fakeSocket() },
      { provide: SessionStore, useValue: fakeSession() },
      { provide: ProfileCache, useValue: { warnings: signal([]), displayName: jest.fn(async () => 'Bob') } },
      { provide: SenderSeq, useValue: { next: () => 0 } },
    ],
  });
  return { store: TestBed.inject(ChatStore), order };
}

describe('ChatStore with the receiver checks', () => {
  it('decrypts history oldest first, so senderSeq gaps are judged in order', async () => {
    const { store, order } = setup([stored(3, 'm3', 'c'), stored(1, 'm1', 'a'), stored(2, 'm2', 'b')]);
    await store.openRoom(ROOM);

    expect(order).toEqual([1, 2, 3]);
  });

  it('shows a message that fails verification as "could not be verified", never its content', async () => {
    const { store } = setup([stored(1, 'm1', 'forged')]);
    await store.openRoom(ROOM);

    expect(store.messages()).toEqual([
      expect.objectContaining({ status: 'undecryptable', body: null, error: expect.stringMatching(/could not be verified/) }),
    ]);
  });

  it('drops silently a message the replay guard reports as a duplicate', async () => {
    // m1 was already accepted through another delivery (e.g. the socket, racing this history page).
    const { store } = setup([stored(1, 'm1', 'dup'), stored(2, 'm2', 'next')]);
    await store.openRoom(ROOM);

    expect(store.messages().map((m) => [m.messageId, m.body, m.status])).toEqual([['m2', 'next', 'sent']]);
    expect(store.roomError()).toBeNull();
  });
});
