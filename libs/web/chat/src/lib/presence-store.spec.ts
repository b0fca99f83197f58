import { TestBed } from '@angular/core/testing';
import { SessionStore, SocketClient } from '@parley/web/core';
import { BOB, CAROL, ME, ROOM, fakeSession, fakeSocket, joinedState } from './fakes.spec-helpers';
import { PresenceStore } from './presence-store';

function setup() {
  const socket = fakeSocket();
  TestBed.configureTestingModule({
    providers: [PresenceStore, { provide: SocketClient, useValue: socket }, { provide: SessionStore, useValue: fakeSession() }],
  });
  const store = TestBed.inject(PresenceStore);
  store.init();
  return { store, socket };
}

describe('PresenceStore', () => {
  it('knows who is online from the join answer and keeps it live with user events', () => {
    const { store, socket } = setup();
    socket.joined$.next({ roomId: ROOM, state: joinedState({ online: [{ userId: BOB, status: 'away', text: 'lunch' }] }) });
    expect([store.statusOf(BOB), store.textOf(BOB), store.statusOf(CAROL)]).toEqual(['away', 'lunch', 'offline']);

    socket.emit('user:online', { userId: CAROL, status: 'online' });
    socket.emit('user:status', { userId: BOB, status: 'busy' });
    socket.emit('user:offline', { userId: CAROL });

    expect([store.statusOf(BOB), store.textOf(BOB), store.statusOf(CAROL)]).toEqual(['busy', '', 'offline']);
  });

  it('drops people a later join (after a reconnect) no longer lists as online', () => {
    const { store, socket } = setup();
    socket.joined$.next({ roomId: ROOM, state: joinedState({ online: [{ userId: BOB, status: 'online' }] }) });
    socket.joined$.next({ roomId: ROOM, state: joinedState({ online: [] }) });

    expect(store.statusOf(BOB)).toBe('offline');
  });

  it('shows my own chosen status, invisible included, only while connected', async () => {
    const { store, socket } = setup();
    await store.setMine('invisible', '  hiding  ');

    expect(socket.updateStatus).toHaveBeenCalledWith('invisible', 'hiding');
    expect([store.statusOf(ME), store.textOf(ME)]).toEqual(['invisible', 'hiding']);
    socket.state.set('offline');
    expect(store.statusOf(ME)).toBe('offline');
  });

  it('takes my own stored status from the join answer: invisible after a reload stays invisible', () => {
    const { store, socket } = setup();
    socket.joined$.next({ roomId: ROOM, state: joinedState({ mine: { status: 'invisible', text: 'heads down' } }) });

    expect([store.statusOf(ME), store.textOf(ME)]).toEqual(['invisible', 'heads down']);
  });

  it('keeps my status when the server refuses it', async () => {
    const { store, socket } = setup();
    socket.updateStatus.mockRejectedValueOnce(new Error('rate limit reached'));

    await expect(store.setMine('busy', '')).rejects.toThrow('rate limit reached');
    expect(store.mine().status).toBe('online');
  });

  it('asks who is online again when someone joins a room', () => {
    const { socket } = setup();
    socket.emit('user:joined', { roomId: ROOM, userId: BOB, by: ME });

    expect(socket.joinRoom).toHaveBeenCalledWith(ROOM);
  });
});
