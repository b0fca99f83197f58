import { TestBed } from '@angular/core/testing';
import type { StoredMessage } from '@parley/shared/contracts';
import { SessionStore, SocketClient } from '@parley/web/core';
import { BOB, CAROL, ME, ROOM, fakeSession, fakeSocket } from './fakes.spec-helpers';
import { TYPING_BACKSTOP_MS, TYPING_RENEW_MS, TypingStore, typingText } from './typing-store';

function setup() {
  const socket = fakeSocket();
  TestBed.configureTestingModule({
    providers: [TypingStore, { provide: SocketClient, useValue: socket }, { provide: SessionStore, useValue: fakeSession() }],
  });
  const store = TestBed.inject(TypingStore);
  store.init();
  return { store, socket };
}

describe('TypingStore', () => {
  afterEach(() => jest.useRealTimers());

  it('shows others typing until their stop, ignoring my own other devices', () => {
    const { store, socket } = setup();
    socket.emit('typing:started', { roomId: ROOM, userId: BOB, expiresInMs: 5_000 });
    socket.emit('typing:started', { roomId: ROOM, userId: CAROL, expiresInMs: 5_000 });
    socket.emit('typing:started', { roomId: ROOM, userId: ME, expiresInMs: 5_000 });
    expect(store.typing()[ROOM]).toEqual([BOB, CAROL]);

    socket.emit('typing:stopped', { roomId: ROOM, userId: BOB });
    expect(store.typing()[ROOM]).toEqual([CAROL]);
  });

  it('ends an indicator by itself when its stop never arrives', () => {
    jest.useFakeTimers();
    const { store, socket } = setup();
    socket.emit('typing:started', { roomId: ROOM, userId: BOB, expiresInMs: 5_000 });

    jest.advanceTimersByTime(TYPING_BACKSTOP_MS - 1);
    expect(store.typing()[ROOM]).toEqual([BOB]);
    jest.advanceTimersByTime(1);
    expect(store.typing()[ROOM]).toEqual([]);
  });

  it('ends an indicator when that person’s message arrives, they go offline, or the socket reconnects', () => {
    const { store, socket } = setup();
    socket.emit('typing:started', { roomId: ROOM, userId: BOB });
    socket.messages$.next({ roomId: ROOM, senderUserId: BOB } as StoredMessage);
    expect(store.typing()[ROOM]).toEqual([]);

    socket.emit('typing:started', { roomId: ROOM, userId: BOB });
    socket.emit('user:offline', { userId: BOB });
    expect(store.typing()[ROOM]).toEqual([]);

    socket.emit('typing:started', { roomId: ROOM, userId: CAROL });
    socket.reconnected$.next();
    expect(store.typing()).toEqual({});
  });

  it('sends typing:start once per renewal period while I type, and typing:stop when the text is emptied', () => {
    const { store, socket } = setup();
    store.input(ROOM, 'h', 0);
    store.input(ROOM, 'he', 1_000);
    store.input(ROOM, 'hel', TYPING_RENEW_MS - 1);
    store.input(ROOM, 'hell', TYPING_RENEW_MS);
    store.input(ROOM, '', TYPING_RENEW_MS + 500);

    expect(socket.typing.mock.calls).toEqual([[ROOM, true], [ROOM, true], [ROOM, false]]);
  });

  it('sends no stop when the server already ended my indicator or I never started one', () => {
    const { store, socket } = setup();
    store.stop(ROOM, 0);
    store.input(ROOM, 'h', 0);
    store.stop(ROOM, 6_000);

    expect(socket.typing.mock.calls).toEqual([[ROOM, true]]);
  });
});

describe('typingText', () => {
  it.each([
    [[], ''],
    [['Alice'], 'Alice is typing…'],
    [['Alice', 'Bob'], 'Alice and Bob are typing…'],
    [['Alice', 'Bob', 'Carol'], 'Alice, Bob and 1 other are typing…'],
    [['Alice', 'Bob', 'Carol', 'Dan'], 'Alice, Bob and 2 others are typing…'],
  ])('of %j is %p', (names, text) => {
    expect(typingText(names)).toBe(text);
  });
});
