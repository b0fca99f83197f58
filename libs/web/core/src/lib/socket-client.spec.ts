import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';
import { io } from 'socket.io-client';
import { SessionStore } from './session-store';
import { NotConnectedError, RateLimitedError, SocketClient } from './socket-client';

jest.mock('socket.io-client', () => ({ io: jest.fn() }));

/** A socket.io client socket stand-in: `fire` plays an event from the server or the transport. */
interface FakeIoSocket {
  connected: boolean;
  active: boolean;
  on: jest.Mock<FakeIoSocket, [string, (...args: unknown[]) => void]>;
  connect: jest.Mock<FakeIoSocket, []>;
  disconnect: jest.Mock<FakeIoSocket, []>;
  removeAllListeners: jest.Mock;
  timeout: jest.Mock<{ emitWithAck: jest.Mock }, [number]>;
  emitWithAck: jest.Mock;
  fire(event: string, ...args: unknown[]): void;
}

function fakeIoSocket(): FakeIoSocket {
  const handlers = new Map<string, ((...args: unknown[]) => void)[]>();
  const emitWithAck = jest.fn();
  const socket: FakeIoSocket = {
    connected: false,
    active: true,
    on: jest.fn((event: string, handler: (...args: unknown[]) => void) => {
      handlers.set(event, [...(handlers.get(event) ?? []), handler]);
      return socket;
    }),
    connect: jest.fn(() => socket),
    disconnect: jest.fn(() => {
      socket.connected = false;
      socket.active = false;
      return socket;
    }),
    removeAllListeners: jest.fn(),
    timeout: jest.fn((_ms: number) => ({ emitWithAck })),
    emitWithAck,
    fire(event: string, ...args: unknown[]) {
      if (event === 'connect') socket.connected = true;
      if (event === 'disconnect') socket.connected = false;
      for (const handler of handlers.get(event) ?? []) handler(...args);
    },
  };
  return socket;
}

function setup(refresh: boolean) {
  const ioSocket = fakeIoSocket();
  jest.mocked(io).mockReturnValue(ioSocket as never);
  const session = {
    accessToken: signal<string | null>('token-1'),
    refresh: jest.fn().mockResolvedValue(refresh),
    logout: jest.fn(),
    endedElsewhere: jest.fn(),
  };
  const router = { navigateByUrl: jest.fn().mockResolvedValue(true) };
  TestBed.configureTestingModule({
    providers: [{ provide: SessionStore, useValue: session }, { provide: Router, useValue: router }],
  });
  const client = TestBed.inject(SocketClient);
  client.connect();
  return { client, ioSocket, session, router };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('SocketClient', () => {
  afterEach(() => TestBed.inject(SocketClient).disconnect());

  it('renews the token and reconnects when the server ends the connection because the token expired', async () => {
    const { client, ioSocket, session, router } = setup(true);
    ioSocket.fire('connect');
    ioSocket.fire('error', { message: 'the access token expired', reason: 'token-expired' });
    ioSocket.active = false;
    ioSocket.fire('disconnect', 'io server disconnect');
    await flush();

    expect(session.refresh).toHaveBeenCalled();
    expect(ioSocket.connect).toHaveBeenCalled();
    expect(session.logout).not.toHaveBeenCalled();
    expect(router.navigateByUrl).not.toHaveBeenCalled();
    expect(client.reconnecting()).toBe(true);
  });

  it('ends the session and goes to the login page with a reason when the session was revoked', async () => {
    const { client, ioSocket, session, router } = setup(false);
    ioSocket.fire('connect');
    ioSocket.fire('error', { message: 'this session has ended', reason: 'session-revoked' });
    ioSocket.active = false;
    ioSocket.fire('disconnect', 'io server disconnect');
    await flush();

    // Told at once, before the renewal fails: an API call ending the session first says the same.
    expect(session.endedElsewhere).toHaveBeenCalled();
    expect(session.logout).toHaveBeenCalledWith('This session was ended from another device. Log in again.');
    expect(router.navigateByUrl).toHaveBeenCalledWith('/login');
    expect(client.state()).toBe('offline');
  });

  it('refuses to send while disconnected instead of buffering the event to arrive late', async () => {
    const { client, ioSocket } = setup(true);

    await expect(client.send({ messageId: 'm' } as never)).rejects.toBeInstanceOf(NotConnectedError);
    expect(ioSocket.emitWithAck).not.toHaveBeenCalled();
  });

  it('joins the rooms again after a reconnect, reports each join’s state, then says it reconnected', async () => {
    const { client, ioSocket } = setup(true);
    const state = { lastSeq: 3, lastReadSeq: 1, unread: 2, receipts: [], online: [] };
    ioSocket.emitWithAck.mockResolvedValue({ ok: true, ...state });
    ioSocket.fire('connect');
    await client.joinRoom('room-a');
    const joined: unknown[] = [];
    const reconnected = jest.fn();
    client.joined$.subscribe((j) => joined.push(j));
    client.reconnected$.subscribe(reconnected);

    ioSocket.fire('disconnect', 'transport close');
    expect(client.reconnecting()).toBe(true);
    ioSocket.fire('connect');
    await flush();

    expect(ioSocket.emitWithAck).toHaveBeenLastCalledWith('room:join', { roomId: 'room-a' });
    expect(joined).toEqual([{ roomId: 'room-a', state }]);
    expect(reconnected).toHaveBeenCalledTimes(1);
    expect(client.reconnecting()).toBe(false);
  });

  it('closes the socket when the browser goes offline and reconnects when it is back', () => {
    const { ioSocket } = setup(true);
    ioSocket.fire('connect');

    window.dispatchEvent(new Event('offline'));
    expect(ioSocket.disconnect).toHaveBeenCalled();
    window.dispatchEvent(new Event('online'));
    expect(ioSocket.connect).toHaveBeenCalled();
  });

  it('forwards server events to their streams', () => {
    const { client, ioSocket } = setup(true);
    const typing = jest.fn();
    client.on('typing:started').subscribe(typing);

    ioSocket.fire('typing:started', { roomId: 'r', userId: 'u', expiresInMs: 5000 });

    expect(typing).toHaveBeenCalledWith({ roomId: 'r', userId: 'u', expiresInMs: 5000 });
  });

  it('tells a rate limit (with the wait the server named) from any other refusal', async () => {
    const { client, ioSocket } = setup(true);
    ioSocket.fire('connect');
    ioSocket.emitWithAck.mockResolvedValueOnce({ ok: false, error: 'rate limit reached; retry in 420 ms', retryAfterMs: 420 });
    const limited = client.send({ messageId: 'm' } as never);
    await expect(limited).rejects.toBeInstanceOf(RateLimitedError);
    await expect(limited).rejects.toMatchObject({ retryAfterMs: 420 });

    ioSocket.emitWithAck.mockResolvedValueOnce({ ok: false, error: 'join the room (room:join) before sending to it' });
    const refused = client.send({ messageId: 'm' } as never);
    await expect(refused).rejects.not.toBeInstanceOf(RateLimitedError);
    await expect(refused).rejects.toThrow('join the room (room:join) before sending to it');
  });
});
