import { Injectable, inject, signal } from '@angular/core';
import {
  SOCKET_PATH,
  type Ack,
  type ClientToServerEvents,
  type RoomUpdated,
  type SendAck,
  type ServerToClientEvents,
  type StoredMessage,
} from '@parley/shared/contracts';
import type { EncryptedEvent } from '@parley/shared/crypto';
import { Subject } from 'rxjs';
import { io, type Socket } from 'socket.io-client';
import { SessionStore } from './session-store';

export type ConnectionState = 'offline' | 'connecting' | 'online';

const ACK_TIMEOUT_MS = 10_000;
const AUTH_RETRY_MS = 5_000;

/**
 * The one socket.io connection of a signed-in tab, typed with the contracts' event maps. The token is read on
 * every (re)connection attempt, so a reconnect always uses the current one; rooms opened once are joined again
 * after every reconnect, and `reconnected$` tells stores to fetch what they missed.
 */
@Injectable({ providedIn: 'root' })
export class SocketClient {
  private readonly session = inject(SessionStore);
  private socket?: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly joinedRooms = new Set<string>();
  private everConnected = false;
  private retryTimer?: ReturnType<typeof setTimeout>;

  private readonly _state = signal<ConnectionState>('offline');
  readonly state = this._state.asReadonly();

  readonly messages$ = new Subject<StoredMessage>();
  readonly roomUpdates$ = new Subject<RoomUpdated>();
  /** Emits after a reconnect, once the opened rooms have been joined again. */
  readonly reconnected$ = new Subject<void>();

  connect(): void {
    if (this.socket) return;
    this._state.set('connecting');
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({
      path: SOCKET_PATH,
      auth: (cb) => cb({ token: this.session.accessToken() ?? '' }),
      transports: ['websocket', 'polling'],
    });
    this.socket = socket;

    socket.on('connect', () => {
      this._state.set('online');
      const rejoins = [...this.joinedRooms].map((roomId) => this.emitJoin(socket, roomId).catch(() => undefined));
      if (this.everConnected) void Promise.all(rejoins).then(() => this.reconnected$.next());
      this.everConnected = true;
    });
    socket.on('disconnect', () => {
      if (this.socket === socket) this._state.set(socket.active ? 'connecting' : 'offline');
    });
    socket.on('connect_error', () => {
      if (this.socket !== socket) return;
      if (socket.active) {
        this._state.set('connecting');
        return;
      }
      // The server refused the handshake (e.g. an expired token): socket.io does not retry on its own.
      this._state.set('offline');
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => {
        if (this.socket === socket && this.session.accessToken()) {
          this._state.set('connecting');
          socket.connect();
        }
      }, AUTH_RETRY_MS);
    });
    socket.on('message:received', (message) => this.messages$.next(message));
    socket.on('room:updated', (update) => this.roomUpdates$.next(update));
  }

  disconnect(): void {
    clearTimeout(this.retryTimer);
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = undefined;
    this.joinedRooms.clear();
    this.everConnected = false;
    this._state.set('offline');
  }

  /** Joins a room's broadcast (again after each reconnect). Rejects with the server's reason. */
  async joinRoom(roomId: string): Promise<void> {
    this.joinedRooms.add(roomId);
    const socket = this.socket;
    // While offline the join happens on connect; the caller catches up via `reconnected$` or its own fetch.
    if (!socket?.connected) return;
    await this.emitJoin(socket, roomId);
  }

  /** Sends an encrypted event; resolves with the server's seq and time, rejects on error or timeout. */
  async send(event: EncryptedEvent): Promise<SendAck> {
    const socket = this.socket;
    if (!socket) throw new Error('Not connected.');
    let ack: Ack<SendAck>;
    try {
      ack = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('message:send', event);
    } catch {
      throw new Error('The server did not confirm the message in time.');
    }
    if (!ack.ok) throw new Error(ack.error || 'The server refused the message.');
    return { seq: ack.seq, receivedAt: ack.receivedAt };
  }

  private async emitJoin(socket: Socket<ServerToClientEvents, ClientToServerEvents>, roomId: string): Promise<void> {
    let ack: Ack;
    try {
      ack = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('room:join', { roomId });
    } catch {
      throw new Error('The server did not answer when joining the room.');
    }
    if (!ack.ok) throw new Error(ack.error || 'Could not join the room.');
  }
}
