import { Matches } from 'class-validator';
import type { EncryptedEvent } from '@parley/shared/crypto';
import { ID_PATTERN } from './limits';
import type { StoredMessage } from './message.dto';

/** Every client → server event answers through its ack with one of these (DESIGN §4). */
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: string };
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
  'room:join': (body: RoomRefDto, ack: AckFn) => void;
  'room:leave': (body: RoomRefDto, ack: AckFn) => void;
  'message:send': (event: EncryptedEvent, ack: AckFn<SendAck>) => void;
}

export interface RoomUpdated {
  roomId: string;
  reason: 'member-added' | 'member-removed' | 'epoch';
}

/** socket.io events the server emits. */
export interface ServerToClientEvents {
  'message:received': (message: StoredMessage) => void;
  'room:updated': (update: RoomUpdated) => void;
  error: (error: { message: string }) => void;
}

export const SOCKET_PATH = '/socket.io';
/** The room every socket of one user joins, so that a service can reach all of a user's devices. */
export const userRoom = (userId: string) => `user:${userId}`;
