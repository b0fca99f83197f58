import { HttpException, Inject, Logger, type OnModuleDestroy, type OnModuleInit, UseInterceptors } from '@nestjs/common';
import {
  ConnectedSocket, MessageBody, type OnGatewayConnection, type OnGatewayDisconnect, type OnGatewayInit,
  SubscribeMessage, WebSocketGateway,
} from '@nestjs/websockets';
import { decodeJwt } from 'jose';
import { Bus, SessionDenylist, TokenVerifier, validateDto } from '@parley/server/core';
import {
  type Ack, DeleteMessageDto, EncryptedEventDto, FileShareDto, MarkReadDto, type MessageDeleted, REALTIME_LIMITS,
  RoomRefDto, type RoomJoined, type SendAck, StatusUpdateDto, SyncDto, type SyncResult, userRoom,
} from '@parley/shared/contracts';
import { DeviceDirectory } from './device-directory';
import { MESSAGING_CONFIG, type MessagingConfig } from './messaging.config';
import { SocketMetricsInterceptor } from './messaging.metrics';
import { MessagingService } from './messaging.service';
import { PresenceService } from './presence.service';
import { OverBudgetError, RateLimits, type UserCharge } from './rate-limits';
import { type ParleyServer, type ParleySocket, RealtimeRepository } from './realtime.repository';
import { SocketDevices } from './socket-devices';

type Refusal = { ok: false; error: string; retryAfterMs?: number };

const overLimit = (retryAfterMs: number): Refusal =>
  ({ ok: false, error: `rate limit reached; retry in ${retryAfterMs} ms`, retryAfterMs });

/** Turns any failure into an error ack with a message a developer understands; the socket stays up. */
function failure(err: unknown): Refusal {
  if (err instanceof OverBudgetError) return overLimit(err.retryAfterMs);
  if (err instanceof HttpException) return { ok: false, error: err.message };
  return { ok: false, error: 'internal error; try again' };
}

const notJoined = (roomId: string): Refusal => ({ ok: false, error: `join the room (room:join ${roomId}) first` });

/**
 * The socket.io side of messaging (DESIGN §4). Every client event passes the same gate (size, rate limits,
 * DTO validation) and answers through its ack; nothing a client sends can crash the process or end the socket.
 * A socket may touch a room only after `room:join` checked membership with the rooms service; the hot path
 * (`message:send`) makes no call to another service.
 */
@WebSocketGateway()
@UseInterceptors(SocketMetricsInterceptor)
export class MessagingGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleInit,
  OnModuleDestroy {
  private readonly logger = new Logger(MessagingGateway.name);
  private readonly typing = new Map<string, NodeJS.Timeout>();
  private readonly expiry = new Map<string, NodeJS.Timeout>();
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly verifier: TokenVerifier,
    private readonly messaging: MessagingService,
    private readonly presence: PresenceService,
    private readonly limits: RateLimits,
    private readonly realtime: RealtimeRepository,
    private readonly bus: Bus,
    private readonly denylist: SessionDenylist,
    private readonly devices: DeviceDirectory,
    private readonly socketDevices: SocketDevices,
    @Inject(MESSAGING_CONFIG) private readonly config: MessagingConfig,
  ) {}

  /** Authenticates in the handshake: a socket without a valid access token never connects. */
  afterInit(server: ParleyServer): void {
    this.realtime.attach(server);
    server.use((socket, next) => {
      const token: unknown = socket.handshake.auth?.['token'];
      if (typeof token !== 'string' || token.length === 0) return next(new Error('an access token is required'));
      this.verifier.verify(token).then(
        async (user) => {
          // Counted here, before the connection exists: concurrent handshakes then cannot all slip under the cap.
          const sockets = await this.presence.reserve(user.userId, socket.id).catch(() => 0);
          if (sockets > this.config.MAX_SOCKETS_PER_USER) {
            await this.presence.release(user.userId, socket.id).catch(() => undefined);
            return next(new Error(`too many connections: at most ${this.config.MAX_SOCKETS_PER_USER} per user`));
          }
          socket.data.user = user;
          socket.data.counted = sockets > 0;
          socket.data.memberOf = [];
          socket.data.expiresAt = (decodeJwt(token).exp ?? 0) * 1000;
          await socket.join(userRoom(user.userId));
          next();
        },
        () => next(new Error('the access token is invalid or expired')),
      );
    });
  }

  /** Bus events reach this instance's own sockets only (`local`): every instance gets each event. */
  async onModuleInit(): Promise<void> {
    await this.bus.subscribe('room.member.added', ({ roomId, userId, by }) => {
      this.realtime.toLocalRoom(userRoom(userId), 'room:updated', { roomId, reason: 'member-added' });
      this.realtime.toLocalRoom(roomId, 'user:joined', { roomId, userId, by });
      this.realtime.toLocalRoom(roomId, 'room:op', { roomId, kind: 'add', target: userId, by });
    });
    await this.bus.subscribe('room.member.removed', ({ roomId, userId, by }) => {
      this.realtime.leaveLocal(userId, roomId);
      this.realtime.toLocalRoom(userRoom(userId), 'room:updated', { roomId, reason: 'member-removed' });
      this.realtime.toLocalRoom(roomId, 'user:left', { roomId, userId, by });
      this.realtime.toLocalRoom(roomId, 'room:op', { roomId, kind: 'remove', target: userId, by });
    });
    await this.bus.subscribe('room.epoch.created', ({ roomId, epoch }) => {
      this.realtime.toLocalRoom(roomId, 'room:updated', { roomId, reason: 'epoch' });
      this.realtime.toLocalRoom(roomId, 'room:epoch', { roomId, epoch });
    });
    await this.bus.subscribe('user.device.revoked', ({ userId, deviceId }) => {
      for (const socket of this.realtime.localSockets()) {
        if (socket.data.user?.userId === userId) socket.data.devices?.set(deviceId, false);
      }
    });
    // A session that ends (logout, revoke, refresh-token reuse) ends its sockets at once, on every instance.
    this.denylist.onRevoked(({ sessionIds }) => {
      const ended = new Set(sessionIds);
      for (const socket of this.realtime.localSockets()) {
        if (!ended.has(socket.data.user?.sessionId)) continue;
        socket.emit('error', { message: 'this session has ended; sign in again', reason: 'session-revoked' });
        socket.disconnect(true);
      }
    });
    this.heartbeat = setInterval(() => {
      this.presence.heartbeat(this.realtime.localSockets()).catch((err) =>
        this.logger.warn({ err }, 'presence heartbeat failed'));
    }, this.presence.heartbeatMs);
    this.heartbeat.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
    for (const timer of [...this.typing.values(), ...this.expiry.values()]) clearTimeout(timer);
  }

  async handleConnection(socket: ParleySocket): Promise<void> {
    if (!socket.data.user) return;
    // The access token's end is the connection's end: the client is told why, refreshes and reconnects.
    const left = Math.min(socket.data.expiresAt - Date.now(), 2 ** 31 - 1);
    this.expiry.set(socket.id, setTimeout(() => {
      socket.emit('error', { message: 'the access token expired; reconnect with a fresh one', reason: 'token-expired' });
      socket.disconnect(true);
    }, Math.max(0, left)));
    this.socketDevices.load(socket);
    try {
      if (!socket.data.counted) await this.presence.register(socket);
      socket.data.memberOf = [...new Set([...socket.data.memberOf, ...(await this.presence.roomsOf(socket.data.user))])];
      if (socket.connected) await this.presence.connected(socket);
    } catch (err) {
      this.logger.warn({ err }, 'presence on connect failed');
    }
  }

  async handleDisconnect(socket: ParleySocket): Promise<void> {
    clearTimeout(this.expiry.get(socket.id));
    this.expiry.delete(socket.id);
    this.socketDevices.forget(socket);
    for (const roomId of socket.data.memberOf ?? []) this.stopTyping(socket, roomId);
    if (!socket.data.user) return;
    await this.limits.forget(socket.id);
    await this.presence.disconnected(socket).catch((err) => this.logger.warn({ err }, 'presence on disconnect failed'));
  }

  /**
   * The gate every client event passes: size, rate limits, then the DTO. With a `charge`, the user's budget is left
   * to the claim script (see `charged`).
   */
  private async admit<T extends object>(socket: ParleySocket, cls: new () => T, body: unknown, charge?: UserCharge):
    Promise<{ ok: true; value: T } | Refusal> {
    let size = 0;
    try {
      size = Buffer.byteLength(JSON.stringify(body ?? null));
    } catch {
      return { ok: false, error: 'the payload must be JSON' };
    }
    if (size > REALTIME_LIMITS.maxEventBytes) {
      return { ok: false, error: `the payload is ${size} bytes; the limit is ${REALTIME_LIMITS.maxEventBytes}` };
    }
    const verdict = charge ? await this.limits.consumeSocket(socket.id)
      : await this.limits.consume(socket.id, socket.data.user.userId);
    if (!verdict.ok) return overLimit(verdict.retryAfterMs);
    return validateDto(cls, body);
  }

  /**
   * Sends take the event from the user's budget in the claim's own Redis script, which saves a round trip on the
   * path every message takes. Every event still counts: one that ended without its claim taking the charge
   * (refused before it, or answered by an attempt in progress) is charged here, and if the budget refuses it the
   * client hears that, as it would have first.
   */
  private async charged<T extends object>(socket: ParleySocket, handle: (charge?: UserCharge) => Promise<Ack<T>>):
    Promise<Ack<T>> {
    const charge = this.limits.chargeForClaim(socket.data.user.userId);
    const ack = await handle(charge);
    if (!charge || charge.taken) return ack;
    const verdict = await this.limits.consumeUser(socket.data.user.userId);
    return verdict.ok || ack.ok ? ack : overLimit(verdict.retryAfterMs);
  }

  @SubscribeMessage('room:join')
  async join(@ConnectedSocket() socket: ParleySocket, @MessageBody() body: unknown): Promise<Ack<RoomJoined>> {
    const input = await this.admit(socket, RoomRefDto, body);
    if (!input.ok) return input;
    const { roomId } = input.value;
    const joined = socket.rooms.size - 2; // its own id and the user room
    if (!socket.rooms.has(roomId) && joined >= this.config.MAX_ROOMS_PER_SOCKET) {
      return { ok: false, error: `a socket may join at most ${this.config.MAX_ROOMS_PER_SOCKET} rooms` };
    }
    try {
      const room = await this.messaging.assertMember(socket.data.user, roomId);
      await socket.join(roomId);
      if (!socket.data.memberOf.includes(roomId)) socket.data.memberOf.push(roomId);
      const [state, online, mine] = await Promise.all([this.messaging.roomState(socket.data.user, room),
        this.presence.onlineIn(room), this.presence.ownStatus(socket.data.user.userId)]);
      return { ok: true, ...state, online, mine };
    } catch (err) {
      return this.failed(err, 'room:join', roomId);
    }
  }

  @SubscribeMessage('room:leave')
  async leave(@ConnectedSocket() socket: ParleySocket, @MessageBody() body: unknown): Promise<Ack> {
    const input = await this.admit(socket, RoomRefDto, body);
    if (!input.ok) return input;
    this.stopTyping(socket, input.value.roomId);
    await socket.leave(input.value.roomId);
    return { ok: true };
  }

  /**
   * `message:received` goes out as soon as the seq is claimed, in parallel with the DynamoDB write; the ack follows
   * the write (see MessagingService.send).
   */
  @SubscribeMessage('message:send')
  send(@ConnectedSocket() socket: ParleySocket, @MessageBody() body: unknown): Promise<Ack<SendAck>> {
    return this.charged(socket, async (charge) => {
      const input = await this.admit(socket, EncryptedEventDto, body, charge);
      if (!input.ok) return input;
      const event = input.value;
      if (!socket.rooms.has(event.roomId)) return { ok: false, error: 'join the room (room:join) before sending to it' };
      try {
        await this.assertDevice(socket, event);
        const { message } = await this.messaging.send(socket.data.user, { ...event },
          (m) => this.realtime.toRooms(event.roomId, socket.id, 'message:received', m), charge);
        this.stopTyping(socket, event.roomId);
        return { ok: true, seq: message.seq, receivedAt: message.receivedAt };
      } catch (err) {
        return this.failed(err, 'message:send', event.roomId);
      }
    });
  }

  /** An encrypted event about an uploaded file: stored like a message (history keeps it), `file:received` live. */
  @SubscribeMessage('file:share')
  shareFile(@ConnectedSocket() socket: ParleySocket, @MessageBody() body: unknown): Promise<Ack<SendAck>> {
    return this.charged(socket, async (charge) => {
      const input = await this.admit(socket, FileShareDto, body, charge);
      if (!input.ok) return input;
      const { fileId, event } = input.value;
      if (!socket.rooms.has(event.roomId)) return notJoined(event.roomId);
      try {
        await this.assertDevice(socket, event);
        const { message } = await this.messaging.send(socket.data.user, { ...event },
          (m) => this.realtime.toRooms(event.roomId, socket.id, 'file:received', { fileId, message: m }), charge);
        return { ok: true, seq: message.seq, receivedAt: message.receivedAt };
      } catch (err) {
        return this.failed(err, 'file:share', event.roomId);
      }
    });
  }

  @SubscribeMessage('message:delete')
  async delete(@ConnectedSocket() socket: ParleySocket, @MessageBody() body: unknown): Promise<Ack<MessageDeleted>> {
    const input = await this.admit(socket, DeleteMessageDto, body);
    if (!input.ok) return input;
    const { roomId, messageId } = input.value;
    if (!socket.rooms.has(roomId)) return notJoined(roomId);
    try {
      const deleted = await this.messaging.delete(socket.data.user, roomId, messageId);
      this.realtime.toRooms(roomId, socket.id, 'message:deleted', deleted);
      return { ok: true, ...deleted };
    } catch (err) {
      return this.failed(err, 'message:delete', roomId);
    }
  }

  @SubscribeMessage('message:read')
  async read(@ConnectedSocket() socket: ParleySocket, @MessageBody() body: unknown): Promise<Ack> {
    const input = await this.admit(socket, MarkReadDto, body);
    if (!input.ok) return input;
    const { roomId, seq } = input.value;
    if (!socket.rooms.has(roomId)) return notJoined(roomId);
    try {
      const receipt = await this.messaging.markRead(socket.data.user, roomId, seq);
      if (receipt) this.realtime.toRooms(roomId, socket.id, 'message:read', receipt);
      return { ok: true };
    } catch (err) {
      return this.failed(err, 'message:read', roomId);
    }
  }

  /** `sync` after a reconnect: everything after the client's last contiguous seq, a page at a time. */
  @SubscribeMessage('sync')
  async sync(@ConnectedSocket() socket: ParleySocket, @MessageBody() body: unknown): Promise<Ack<SyncResult>> {
    const input = await this.admit(socket, SyncDto, body);
    if (!input.ok) return input;
    const { roomId, after, limit } = input.value;
    if (!socket.rooms.has(roomId)) return notJoined(roomId);
    try {
      return { ok: true, ...(await this.messaging.page(roomId, { after, limit: limit ?? 100 })) };
    } catch (err) {
      return this.failed(err, 'sync', roomId);
    }
  }

  /** Typing is never stored; it ends by itself REALTIME_LIMITS.typingTtlMs after the last start. */
  @SubscribeMessage('typing:start')
  async typingStart(@ConnectedSocket() socket: ParleySocket, @MessageBody() body: unknown): Promise<Ack> {
    const input = await this.admit(socket, RoomRefDto, body);
    if (!input.ok) return input;
    const { roomId } = input.value;
    if (!socket.rooms.has(roomId)) return notJoined(roomId);
    const key = `${socket.id}/${roomId}`;
    const renewal = this.typing.has(key);
    clearTimeout(this.typing.get(key));
    this.typing.set(key, setTimeout(() => this.stopTyping(socket, roomId), REALTIME_LIMITS.typingTtlMs));
    if (!renewal) {
      this.realtime.toRooms(roomId, socket.id, 'typing:started',
        { roomId, userId: socket.data.user.userId, expiresInMs: REALTIME_LIMITS.typingTtlMs });
    }
    return { ok: true };
  }

  @SubscribeMessage('typing:stop')
  async typingStop(@ConnectedSocket() socket: ParleySocket, @MessageBody() body: unknown): Promise<Ack> {
    const input = await this.admit(socket, RoomRefDto, body);
    if (!input.ok) return input;
    if (!socket.rooms.has(input.value.roomId)) return notJoined(input.value.roomId);
    this.stopTyping(socket, input.value.roomId);
    return { ok: true };
  }

  @SubscribeMessage('status:update')
  async statusUpdate(@ConnectedSocket() socket: ParleySocket, @MessageBody() body: unknown): Promise<Ack> {
    const input = await this.admit(socket, StatusUpdateDto, body);
    if (!input.ok) return input;
    try {
      await this.presence.updateStatus(socket, input.value);
      return { ok: true };
    } catch (err) {
      return this.failed(err, 'status:update');
    }
  }

  /** The sender device must be a live device of the socket's user (kept per socket; see SocketDevices). */
  private async assertDevice(socket: ParleySocket, event: { senderUserId: string; senderDeviceId: string }) {
    if (event.senderUserId !== socket.data.user.userId) return; // the service refuses it with a clearer message
    const known = await this.socketDevices.known(socket);
    socket.data.devices = await this.devices.assertLive(socket.data.user, event.senderDeviceId, known);
  }

  private stopTyping(socket: ParleySocket, roomId: string): void {
    const key = `${socket.id}/${roomId}`;
    const timer = this.typing.get(key);
    if (!timer) return;
    clearTimeout(timer);
    this.typing.delete(key);
    this.realtime.toRooms(roomId, socket.id, 'typing:stopped', { roomId, userId: socket.data.user.userId });
  }

  private failed(err: unknown, event: string, roomId?: string): Refusal {
    const expected = err instanceof HttpException || err instanceof OverBudgetError;
    if (!expected) this.logger.error({ err, event, roomId }, `${event} failed`);
    return failure(err);
  }
}
