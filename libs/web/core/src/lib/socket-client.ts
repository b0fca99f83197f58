import { Injectable, computed, inject, signal } from '@angular/core';
import { Router } from '@angular/router';
import {
  SOCKET_PATH,
  type Ack,
  type ClientToServerEvents,
  type DisconnectReason,
  type MessageDeleted,
  type PresenceStatus,
  type RoomJoined,
  type SendAck,
  type ServerToClientEvents,
  type SyncResult,
} from '@parley/shared/contracts';
import type { EncryptedEvent } from '@parley/shared/crypto';
import { Observable, Subject } from 'rxjs';
import { io, type Socket } from 'socket.io-client';
import { SESSION_EXPIRED_NOTICE, SESSION_REVOKED_NOTICE, SessionStore } from './session-store';

export type ConnectionState = 'offline' | 'connecting' | 'online';

/** The payload of a server → client event. */
export type ServerEvent<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];

/** Sending failed because the socket is not connected: the caller keeps the event and sends it on reconnect. */
export class NotConnectedError extends Error {
  constructor() {
    super('Not connected.');
  }
}

/** The server refused an event for a rate limit; it passes after `retryAfterMs`. */
export class RateLimitedError extends Error {
  constructor(message: string, readonly retryAfterMs: number) {
    super(message);
  }
}

const ACK_TIMEOUT_MS = 10_000;
const AUTH_RETRY_MS = 5_000;
/** The events forwarded to `on()`; socket.io's own `connect`/`disconnect` are handled here. */
const FORWARDED: (keyof ServerToClientEvents)[] = [
  'message:received', 'room:updated', 'message:deleted', 'message:read', 'file:received', 'typing:started',
  'typing:stopped', 'user:online', 'user:offline', 'user:status', 'user:joined', 'user:left', 'room:op', 'room:epoch',
];
type ParleySocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * The one socket.io connection of a signed-in tab, typed with the contracts' event maps. The token is read on
 * every (re)connection attempt, so a reconnect always uses the current one; rooms joined once are joined again
 * after every reconnect (`joined$` carries each join's state), and `reconnected$` tells stores to fetch what they
 * missed. When the server ends the connection because the token expired or the session was revoked, the token is
 * renewed and the socket reconnects; when renewing fails the session ends and the login page explains why.
 */
@Injectable({ providedIn: 'root' })
export class SocketClient {
  private readonly session = inject(SessionStore);
  private readonly router = inject(Router);
  private socket?: ParleySocket;
  private readonly joinedRooms = new Set<string>();
  private everConnected = false;
  private retryTimer?: ReturnType<typeof setTimeout>;
  /** Why the server is about to end the connection (its `error` event comes just before). */
  private endReason?: DisconnectReason;
  private readonly subjects = new Map<keyof ServerToClientEvents, Subject<unknown>>();
  private readonly onOffline = () => this.socket?.disconnect();
  private readonly onOnline = () => this.reconnect();

  private readonly _state = signal<ConnectionState>('offline');
  private readonly _wasOnline = signal(false);
  readonly state = this._state.asReadonly();
  /** Connected before and not now: the UI shows "Reconnecting…". */
  readonly reconnecting = computed(() => this._wasOnline() && this._state() !== 'online');

  readonly messages$ = this.on('message:received');
  readonly roomUpdates$ = this.on('room:updated');
  /** Each successful `room:join` (also the automatic ones after a reconnect) with where the room stands. */
  readonly joined$ = new Subject<{ roomId: string; state: RoomJoined }>();
  /** Emits after a reconnect, once the joined rooms have been joined again. */
  readonly reconnected$ = new Subject<void>();

  /** The stream of one server event (subscribe any time; events flow once connected). */
  on<E extends keyof ServerToClientEvents>(event: E): Observable<ServerEvent<E>> {
    let subject = this.subjects.get(event);
    if (!subject) {
      subject = new Subject<unknown>();
      this.subjects.set(event, subject);
    }
    return subject.asObservable() as Observable<ServerEvent<E>>;
  }

  connect(): void {
    if (this.socket) return;
    this._state.set('connecting');
    const socket: ParleySocket = io({
      path: SOCKET_PATH,
      auth: (cb) => cb({ token: this.session.accessToken() ?? '' }),
      transports: ['websocket', 'polling'],
    });
    this.socket = socket;
    // The browser knows first that the network is gone; waiting for socket.io's ping timeout takes ~45 s.
    globalThis.addEventListener?.('offline', this.onOffline);
    globalThis.addEventListener?.('online', this.onOnline);

    socket.on('connect', () => {
      this._state.set('online');
      this._wasOnline.set(true);
      const rejoins = [...this.joinedRooms].map((roomId) => this.emitJoin(socket, roomId).catch(() => undefined));
      if (this.everConnected) void Promise.all(rejoins).then(() => this.reconnected$.next());
      this.everConnected = true;
    });
    socket.on('disconnect', (reason) => {
      if (this.socket !== socket) return;
      this._state.set(socket.active ? 'connecting' : 'offline');
      // The server ended it (socket.io will not retry): after `error` told why, or a reason we do not know.
      if (reason === 'io server disconnect') void this.renewAndReconnect(socket, this.endReason ?? 'token-expired');
      this.endReason = undefined;
    });
    socket.on('connect_error', (error) => {
      if (this.socket !== socket) return;
      if (socket.active) {
        this._state.set('connecting');
        return;
      }
      // The server refused the handshake: socket.io does not retry on its own. An expired token is renewed first.
      this._state.set('offline');
      if (/token/i.test(error.message)) {
        void this.renewAndReconnect(socket);
        return;
      }
      this.retryLater(socket);
    });
    socket.on('error', ({ reason }) => {
      if (this.socket !== socket) return;
      this.endReason = reason;
      if (reason === 'session-revoked') this.session.endedElsewhere();
    });
    for (const event of FORWARDED) {
      socket.on(event, ((payload: unknown) => this.subjects.get(event)?.next(payload)) as never);
    }
  }

  disconnect(): void {
    clearTimeout(this.retryTimer);
    globalThis.removeEventListener?.('offline', this.onOffline);
    globalThis.removeEventListener?.('online', this.onOnline);
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = undefined;
    this.joinedRooms.clear();
    this.everConnected = false;
    this._wasOnline.set(false);
    this._state.set('offline');
  }

  /** Joins a room's broadcast (again after each reconnect). Resolves with its state; null while offline. */
  async joinRoom(roomId: string): Promise<RoomJoined | null> {
    this.joinedRooms.add(roomId);
    const socket = this.socket;
    // While offline the join happens on connect; the caller catches up via `reconnected$` or its own fetch.
    if (!socket?.connected) return null;
    return this.emitJoin(socket, roomId);
  }

  /** Sends an encrypted event; resolves with the server's seq and time, rejects on error or timeout. */
  async send(event: EncryptedEvent): Promise<SendAck> {
    const ack = await this.request<'message:send', SendAck>('message:send', event, 'The server did not confirm the message in time.');
    return { seq: ack.seq, receivedAt: ack.receivedAt };
  }

  /** Everything stored after `after`, oldest first, a page at a time. */
  sync(roomId: string, after: number, limit?: number): Promise<SyncResult> {
    return this.request<'sync', SyncResult>('sync', limit ? { roomId, after, limit } : { roomId, after }, 'The server did not answer.');
  }

  deleteMessage(roomId: string, messageId: string): Promise<MessageDeleted> {
    return this.request<'message:delete', MessageDeleted>('message:delete', { roomId, messageId }, 'The server did not confirm the deletion.');
  }

  async markRead(roomId: string, seq: number): Promise<void> {
    await this.request('message:read', { roomId, seq }, 'The server did not confirm the read receipt.');
  }

  async typing(roomId: string, typing: boolean): Promise<void> {
    await this.request(typing ? 'typing:start' : 'typing:stop', { roomId }, 'The server did not answer.');
  }

  async updateStatus(status: PresenceStatus, text?: string): Promise<void> {
    await this.request('status:update', text ? { status, text } : { status }, 'The server did not save your status.');
  }

  /** Emits with an ack; rejects at once when offline (nothing is buffered to arrive late), on timeout or refusal. */
  private async request<E extends keyof ClientToServerEvents, T extends object>(
    event: E,
    body: Parameters<ClientToServerEvents[E]>[0],
    timeoutMessage: string,
  ): Promise<T> {
    const socket = this.socket;
    if (!socket?.connected) throw new NotConnectedError();
    let ack: Ack<T>;
    try {
      // socket.io's typings cannot follow a generic event name into emitWithAck's overloads.
      const timed = socket.timeout(ACK_TIMEOUT_MS);
      const emit = timed.emitWithAck as unknown as (e: E, b: unknown) => Promise<Ack<T>>;
      ack = await emit.call(timed, event, body);
    } catch {
      throw new Error(timeoutMessage);
    }
    if (ack.ok) return ack;
    if (typeof ack.retryAfterMs === 'number') throw new RateLimitedError(ack.error, ack.retryAfterMs);
    throw new Error(ack.error || 'The server refused the request.');
  }

  private reconnect(): void {
    const socket = this.socket;
    if (socket && !socket.connected && this.session.accessToken()) {
      this._state.set('connecting');
      socket.connect();
    }
  }

  private retryLater(socket: ParleySocket): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.socket === socket) this.reconnect();
    }, AUTH_RETRY_MS);
  }

  /** The token expired or the session was revoked: renew; when that fails the session is over. */
  private async renewAndReconnect(socket: ParleySocket, reason?: DisconnectReason): Promise<void> {
    const renewed = await this.session.refresh().catch(() => false);
    if (this.socket !== socket) return;
    if (renewed) {
      this.reconnect();
      return;
    }
    if (!navigator.onLine && reason === undefined) {
      this.retryLater(socket);
      return;
    }
    this.disconnect();
    this.session.logout(
      reason === 'session-revoked' ? SESSION_REVOKED_NOTICE : SESSION_EXPIRED_NOTICE,
    );
    await this.router.navigateByUrl('/login');
  }

  private async emitJoin(socket: ParleySocket, roomId: string): Promise<RoomJoined> {
    let ack: Ack<RoomJoined>;
    try {
      ack = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('room:join', { roomId });
    } catch {
      throw new Error('The server did not answer when joining the room.');
    }
    if (!ack.ok) throw new Error(ack.error || 'Could not join the room.');
    const { ok: _ok, ...state } = ack;
    this.joined$.next({ roomId, state });
    return state;
  }
}
