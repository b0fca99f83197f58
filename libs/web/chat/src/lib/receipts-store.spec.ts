import { TestBed } from '@angular/core/testing';
import type { StoredMessage } from '@parley/shared/contracts';
import { SessionStore, SocketClient } from '@parley/web/core';
import { BOB, CAROL, ME, ROOM, fakeSession, fakeSocket, joinedState } from './fakes.spec-helpers';
import { ReceiptsStore } from './receipts-store';

const OTHER = 'other00000000000000000';

function setup() {
  const socket = fakeSocket();
  TestBed.configureTestingModule({
    providers: [ReceiptsStore, { provide: SocketClient, useValue: socket }, { provide: SessionStore, useValue: fakeSession() }],
  });
  const store = TestBed.inject(ReceiptsStore);
  store.init();
  return { store, socket };
}

const live = (seq: number, sender = BOB, roomId = ROOM) =>
  ({ roomId, seq, receivedAt: 1_000 + seq, senderUserId: sender }) as StoredMessage;

describe('ReceiptsStore', () => {
  it('takes the unread count and everyone’s receipts from the join answer', () => {
    const { store, socket } = setup();
    socket.joined$.next({
      roomId: ROOM,
      state: joinedState({ lastSeq: 9, lastReadSeq: 6, unread: 3, receipts: [{ roomId: ROOM, userId: BOB, seq: 8, readAt: 1 }] }),
    });

    expect(store.unread()[ROOM]).toBe(3);
    expect(store.reads()[ROOM]).toEqual({ [BOB]: 8 });
  });

  it('counts others’ live messages as unread, never my own, and never one the join already counted', () => {
    const { store, socket } = setup();
    socket.joined$.next({ roomId: ROOM, state: joinedState({ lastSeq: 4, lastReadSeq: 2, unread: 2 }) });

    store.received(live(4)); // already in the join's count
    store.received(live(5));
    store.received(live(6, ME)); // mine, from another device
    store.received(live(7, CAROL));
    store.received(live(1, BOB, OTHER));

    expect(store.unread()).toEqual({ [ROOM]: 4, [OTHER]: 1 });
    expect(store.lastActivity()).toEqual({ [ROOM]: 1_007, [OTHER]: 1_001 });
  });

  it('takes the room’s last activity from the join answer, without reading the newest message', async () => {
    const { store, socket } = setup();
    const state = joinedState({ lastSeq: 5, lastActivityAt: 4_242 });
    socket.joinRoom.mockImplementation(async (roomId: string) => {
      socket.joined$.next({ roomId, state });
      return state;
    });

    await store.follow([ROOM]);

    expect(store.lastActivity()).toEqual({ [ROOM]: 4_242 });
    expect(socket.sync).not.toHaveBeenCalled();
  });

  it('reads the newest message for the last activity when the join answer does not say', async () => {
    const { store, socket } = setup();
    socket.joinRoom.mockResolvedValue(joinedState({ lastSeq: 5 }));
    socket.sync.mockResolvedValue({ messages: [live(5)], hasMore: false });

    await store.follow([ROOM]);

    expect(socket.sync).toHaveBeenCalledWith(ROOM, 4, 1);
    expect(store.lastActivity()).toEqual({ [ROOM]: 1_005 });
  });

  it('clears the count when I read, and tells the server once per seq', () => {
    const { store, socket } = setup();
    socket.joined$.next({ roomId: ROOM, state: joinedState({ lastSeq: 3, unread: 3 }) });

    store.markRead(ROOM, 3);
    store.markRead(ROOM, 3);

    expect(store.unread()[ROOM]).toBe(0);
    expect(store.reads()[ROOM][ME]).toBe(3);
    expect(socket.markRead.mock.calls).toEqual([[ROOM, 3]]);
  });

  it('leaves what came after the read seq unread', () => {
    const { store, socket } = setup();
    socket.joined$.next({ roomId: ROOM, state: joinedState({ lastSeq: 10, unread: 10 }) });

    store.markRead(ROOM, 7);

    expect(store.unread()[ROOM]).toBe(3);
  });

  it('tells the server again when the last read receipt was not delivered', async () => {
    const { store, socket } = setup();
    socket.markRead.mockRejectedValueOnce(new Error('Not connected.'));
    store.markRead(ROOM, 2);
    await Promise.resolve();

    store.markRead(ROOM, 2);

    expect(socket.markRead).toHaveBeenCalledTimes(2);
  });

  it('sends one receipt for a burst of reads: the first at once, then the newest seq a second later', () => {
    jest.useFakeTimers();
    try {
      const { store, socket } = setup();
      socket.joined$.next({ roomId: ROOM, state: joinedState({ lastSeq: 9, unread: 9 }) });

      for (let seq = 1; seq <= 9; seq++) store.markRead(ROOM, seq);
      expect(socket.markRead.mock.calls).toEqual([[ROOM, 1]]);
      expect(store.unread()[ROOM]).toBe(0);
      jest.advanceTimersByTime(1_000);

      expect(socket.markRead.mock.calls).toEqual([[ROOM, 1], [ROOM, 9]]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('lowers the count when I read on another device, and records others’ receipts for "seen by"', () => {
    const { store, socket } = setup();
    socket.joined$.next({ roomId: ROOM, state: joinedState({ lastSeq: 5, unread: 5 }) });

    socket.emit('message:read', { roomId: ROOM, userId: ME, seq: 4, readAt: 1 });
    socket.emit('message:read', { roomId: ROOM, userId: BOB, seq: 5, readAt: 2 });
    socket.emit('message:read', { roomId: ROOM, userId: BOB, seq: 3, readAt: 3 }); // never backwards

    expect(store.unread()[ROOM]).toBe(1);
    expect(store.reads()[ROOM]).toEqual({ [ME]: 4, [BOB]: 5 });
  });

  it('a join after a reconnect replaces the live count with the server’s', () => {
    const { store, socket } = setup();
    socket.joined$.next({ roomId: ROOM, state: joinedState({ lastSeq: 2, unread: 0, lastReadSeq: 2 }) });
    store.received(live(3));
    store.received(live(4));

    socket.joined$.next({ roomId: ROOM, state: joinedState({ lastSeq: 6, unread: 4, lastReadSeq: 2 }) });

    expect(store.unread()[ROOM]).toBe(4);
  });
});
