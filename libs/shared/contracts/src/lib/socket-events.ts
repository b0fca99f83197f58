import { Matches } from 'class-validator';
import type { EncryptedEvent } from '@parley/shared/crypto';
import { ID_PATTERN } from './limits';
import type { StoredMessage } from './message.dto';
import type {
  DeleteMessageDto, DisconnectReason, FileReceived, FileShareDto, MarkReadDto, MessageDeleted, ReadReceipt,
  RoomEpochEvent, RoomJoined, RoomMemberEvent, RoomOpEvent, StatusUpdateDto, SyncDto, SyncResult, TypingEvent,
  UserOffline, UserPresence,
} from './realtime.dto';

/**
 * Every client → server event answers through its ack with one of these (DESIGN §4). A refusal for a rate limit
 * says when the event would pass (`retryAfterMs`): it is a pause, not a failure of the event.
 */
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: string; retryAfterMs?: number };
export type AckFn<T extends object = object> = (ack: Ack<T>) => void;

export class RoomRefDto {
  @Matches(ID_PATTERN, { message: 'roomId must be 16 random bytes, base64url' }) roomId!: string;
}

export interface SendAck {
  seq: number;
  receivedAt: number;
}

/** socket.io events the client emits. Shared by the gateway and the web app. */
export interface ClientToServerEvents {
  'room:join': (body: RoomRefDto, ack: AckFn<RoomJoined>) => void;
  'room:leave': (body: RoomRefDto, ack: AckFn) => void;
  'message:send': (event: EncryptedEvent, ack: AckFn<SendAck>) => void;
  'message:delete': (body: DeleteMessageDto, ack: AckFn<MessageDeleted>) => void;
  'message:read': (body: MarkReadDto, ack: AckFn) => void;
  'file:share': (body: FileShareDto, ack: AckFn<SendAck>) => void;
  'typing:start': (body: RoomRefDto, ack: AckFn) => void;
  'typing:stop': (body: RoomRefDto, ack: AckFn) => void;
  'status:update': (body: StatusUpdateDto, ack: AckFn) => void;
  sync: (body: SyncDto, ack: AckFn<SyncResult>) => void;
}

export interface RoomUpdated {
  roomId: string;
  reason: 'member-added' | 'member-removed' | 'epoch';
}

/** socket.io events the server emits. */
export interface ServerToClientEvents {
  'message:received': (message: StoredMessage) => void;
  'room:updated': (update: RoomUpdated) => void;
  'message:deleted': (deleted: MessageDeleted) => void;
  'message:read': (receipt: ReadReceipt) => void;
  'file:received': (file: FileReceived) => void;
  'typing:started': (typing: TypingEvent) => void;
  'typing:stopped': (typing: TypingEvent) => void;
  'user:online': (user: UserPresence) => void;
  'user:offline': (user: UserOffline) => void;
  'user:status': (user: UserPresence) => void;
  'user:joined': (member: RoomMemberEvent) => void;
  'user:left': (member: RoomMemberEvent) => void;
  'room:op': (op: RoomOpEvent) => void;
  'room:epoch': (epoch: RoomEpochEvent) => void;
  /** Sent before the server ends a connection (`reason`), or about a failure outside any ack. */
  error: (error: { message: string; reason?: DisconnectReason }) => void;
}

export const SOCKET_PATH = '/socket.io';
/** The room every socket of one user joins, so that a service can reach all of a user's devices. */
export const userRoom = (userId: string) => `user:${userId}`;
