import { signal } from '@angular/core';
import type { RoomJoined, ServerToClientEvents } from '@parley/shared/contracts';
import { Subject } from 'rxjs';

export const ME = 'me00000000000000000000';
export const BOB = 'bob0000000000000000000';
export const CAROL = 'carol00000000000000000';
export const ROOM = 'room000000000000000000';

/** A SocketClient stand-in for unit tests: `emit` plays a server event, the action methods are jest mocks. */
export function fakeSocket() {
  const subjects = new Map<string, Subject<unknown>>();
  const subject = (event: string) => {
    let s = subjects.get(event);
    if (!s) {
      s = new Subject<unknown>();
      subjects.set(event, s);
    }
    return s;
  };
  const state = signal<'offline' | 'connecting' | 'online'>('online');
  return {
    state,
    reconnecting: signal(false).asReadonly(),
    on: (event: keyof ServerToClientEvents) => subject(event).asObservable(),
    get messages$() {
      return subject('message:received');
    },
    get roomUpdates$() {
      return subject('room:updated');
    },
    joined$: new Subject<{ roomId: string; state: RoomJoined }>(),
    reconnected$: new Subject<void>(),
    emit<E extends keyof ServerToClientEvents>(event: E, payload: Parameters<ServerToClientEvents[E]>[0]): void {
      subject(event).next(payload);
    },
    connect: jest.fn(),
    joinRoom: jest.fn().mockResolvedValue(null),
    send: jest.fn().mockResolvedValue({ seq: 10, receivedAt: 1 }),
    sync: jest.fn().mockResolvedValue({ messages: [], hasMore: false }),
    deleteMessage: jest.fn(),
    markRead: jest.fn().mockResolvedValue(undefined),
    typing: jest.fn().mockResolvedValue(undefined),
    updateStatus: jest.fn().mockResolvedValue(undefined),
  };
}

export type FakeSocket = ReturnType<typeof fakeSocket>;

export function fakeSession() {
  return {
    user: signal({ userId: ME, username: 'me', displayName: 'Me' }).asReadonly(),
    device: signal({ deviceId: 'mydev' }).asReadonly(),
    identity: signal({ publicKey: 'uik' }).asReadonly(),
  };
}

export const joinedState = (over: Partial<RoomJoined> = {}): RoomJoined => ({
  lastSeq: 0, lastReadSeq: 0, unread: 0, receipts: [], online: [], mine: { status: 'online' }, ...over,
});
