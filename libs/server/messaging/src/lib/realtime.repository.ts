import { Injectable } from '@nestjs/common';
import type { Server, Socket } from 'socket.io';
import type { AuthUser } from '@parley/server/core';
import { type ClientToServerEvents, type ServerToClientEvents, userRoom } from '@parley/shared/contracts';
import { MessagingMetrics } from './messaging.metrics';

export interface SocketData {
  user: AuthUser;
  /** Rooms the user belonged to when the socket connected: who may see this user's presence. */
  memberOf: string[];
  /** Access-token expiry (ms since epoch). */
  expiresAt: number;
  /** The handshake counted the socket in presence (false when Redis did not answer: connect counts it again). */
  counted: boolean;
  /** The user's devices (deviceId → live), fetched at connect; undefined until then or if auth did not answer. */
  devices?: Map<string, boolean>;
}
export type ParleySocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type ParleyServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type Args<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>;

/**
 * The only code that emits to sockets (the gateway hands it the server at init). Room emits go through the
 * adapter, so they reach sockets on every instance; `local` ones only this instance's (for bus events, which
 * every instance receives itself).
 */
@Injectable()
export class RealtimeRepository {
  private server?: ParleyServer;

  constructor(private readonly metrics: MessagingMetrics) {}

  attach(server: ParleyServer): void {
    this.server = server;
    this.metrics.countSocketsWith(() => server.of('/').sockets.size);
  }

  /** Counts an emit and the sockets of this instance it reaches. */
  private count(event: string, rooms: string[], except?: string): void {
    const local = this.io.of('/').adapter.rooms;
    const reached = new Set<string>();
    for (const room of rooms) for (const id of local.get(room) ?? []) if (id !== except) reached.add(id);
    this.metrics.eventsOut.inc({ event });
    this.metrics.fanout.observe(reached.size);
  }

  private get io(): ParleyServer {
    if (!this.server) throw new Error('the socket server is not initialised yet');
    return this.server;
  }

  /** To everyone in the rooms, on every instance, except `exceptSocketId` (the sender's socket). */
  toRooms<E extends keyof ServerToClientEvents>(rooms: string | string[], exceptSocketId: string | undefined,
    event: E, ...args: Args<E>): void {
    if (Array.isArray(rooms) && rooms.length === 0) return;
    const target = exceptSocketId ? this.io.to(rooms).except(exceptSocketId) : this.io.to(rooms);
    target.emit(event, ...args);
    this.count(event, Array.isArray(rooms) ? rooms : [rooms], exceptSocketId);
  }

  /** To this instance's sockets in a room (bus events: every instance gets its own copy). */
  toLocalRoom<E extends keyof ServerToClientEvents>(room: string, event: E, ...args: Args<E>): void {
    this.io.local.to(room).emit(event, ...args);
    this.count(event, [room]);
  }

  /** Makes this instance's sockets of a user leave a room (member removed). */
  leaveLocal(userId: string, roomId: string): void {
    this.io.local.in(userRoom(userId)).socketsLeave(roomId);
  }

  /** This instance's sockets. */
  localSockets(): Iterable<ParleySocket> {
    return this.io.of('/').sockets.values();
  }
}
