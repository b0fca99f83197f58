import { HttpException, Logger, type OnModuleInit } from '@nestjs/common';
import {
  ConnectedSocket, MessageBody, type OnGatewayInit, SubscribeMessage, WebSocketGateway, WebSocketServer,
} from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { type AuthUser, Bus, MembershipClient, TokenVerifier, validateDto } from '@parley/server/core';
import {
  type Ack, type ClientToServerEvents, EncryptedEventDto, RoomRefDto, type SendAck, type ServerToClientEvents, userRoom,
} from '@parley/shared/contracts';
import { MessagingService } from './messaging.service';

interface SocketData {
  user: AuthUser;
}
type ParleySocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type ParleyServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** Turns any failure into an error ack with a message a developer understands; the socket stays up. */
function failure(err: unknown): { ok: false; error: string } {
  if (err instanceof HttpException) return { ok: false, error: err.message };
  return { ok: false, error: 'internal error; try again' };
}

@WebSocketGateway()
export class MessagingGateway implements OnGatewayInit, OnModuleInit {
  private readonly logger = new Logger(MessagingGateway.name);
  @WebSocketServer() private readonly server!: ParleyServer;

  constructor(
    private readonly verifier: TokenVerifier,
    private readonly membership: MembershipClient,
    private readonly messaging: MessagingService,
    private readonly bus: Bus,
  ) {}

  /** Authenticates in the handshake: a socket without a valid access token never connects. */
  afterInit(server: ParleyServer): void {
    server.use((socket, next) => {
      const token: unknown = socket.handshake.auth?.['token'];
      if (typeof token !== 'string' || token.length === 0) return next(new Error('an access token is required'));
      this.verifier.verify(token).then(
        (user) => {
          socket.data.user = user;
          void socket.join(userRoom(user.userId));
          next();
        },
        () => next(new Error('the access token is invalid or expired')),
      );
    });
  }

  /** Bus events reach this instance's own sockets only (`local`): every instance gets each event. */
  async onModuleInit(): Promise<void> {
    await this.bus.subscribe('room.member.added', ({ roomId, userId }) => {
      this.server.local.to(userRoom(userId)).emit('room:updated', { roomId, reason: 'member-added' });
    });
    await this.bus.subscribe('room.member.removed', ({ roomId, userId }) => {
      this.server.local.in(userRoom(userId)).socketsLeave(roomId);
      this.server.local.to(userRoom(userId)).emit('room:updated', { roomId, reason: 'member-removed' });
    });
    await this.bus.subscribe('room.epoch.created', ({ roomId }) => {
      this.server.local.to(roomId).emit('room:updated', { roomId, reason: 'epoch' });
    });
  }

  @SubscribeMessage('room:join')
  async join(@ConnectedSocket() socket: ParleySocket, @MessageBody() body: unknown): Promise<Ack> {
    const input = validateDto(RoomRefDto, body);
    if (!input.ok) return input;
    try {
      await this.membership.assertMember(socket.data.user, input.value.roomId);
      await socket.join(input.value.roomId);
      return { ok: true };
    } catch (err) {
      return failure(err);
    }
  }

  @SubscribeMessage('room:leave')
  async leave(@ConnectedSocket() socket: ParleySocket, @MessageBody() body: unknown): Promise<Ack> {
    const input = validateDto(RoomRefDto, body);
    if (!input.ok) return input;
    await socket.leave(input.value.roomId);
    return { ok: true };
  }

  /** Persist, then broadcast: the ack and `message:received` both follow the DynamoDB write. */
  @SubscribeMessage('message:send')
  async send(@ConnectedSocket() socket: ParleySocket, @MessageBody() body: unknown): Promise<Ack<SendAck>> {
    const input = validateDto(EncryptedEventDto, body);
    if (!input.ok) return input;
    const event = input.value;
    if (!socket.rooms.has(event.roomId)) return { ok: false, error: 'join the room (room:join) before sending to it' };
    try {
      const { message, duplicate } = await this.messaging.send(socket.data.user, { ...event });
      if (!duplicate) socket.to(event.roomId).emit('message:received', message);
      return { ok: true, seq: message.seq, receivedAt: message.receivedAt };
    } catch (err) {
      if (!(err instanceof HttpException)) this.logger.error({ err, roomId: event.roomId }, 'message:send failed');
      return failure(err);
    }
  }
}
