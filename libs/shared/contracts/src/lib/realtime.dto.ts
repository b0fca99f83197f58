import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { HISTORY_PAGE_MAX, ID_PATTERN } from './limits';
import { EncryptedEventDto, type StoredMessage } from './message.dto';

/** Limits of the real-time gateway (DESIGN §4), shared with clients so they can stay inside them. */
export const REALTIME_LIMITS = {
  /** The largest socket payload, serialized: a 64 KiB ciphertext plus the event's header. */
  maxEventBytes: 64 * 1024 + 2 * 1024,
  /** A typing indicator ends by itself this long after the last `typing:start`. */
  typingTtlMs: 5_000,
  statusTextMax: 140,
} as const;

const roomIdRule = { message: 'roomId must be 16 random bytes, base64url' };

/** `sync`: everything stored after `after` (a client's last contiguous seq), oldest first. */
export class SyncDto {
  @Matches(ID_PATTERN, roomIdRule) roomId!: string;
  @IsInt() @Min(0) after!: number;
  @IsOptional() @IsInt() @Min(1) @Max(HISTORY_PAGE_MAX) limit?: number;
}

export interface SyncResult {
  messages: StoredMessage[];
  /** More after the last one: call `sync` again with its seq. */
  hasMore: boolean;
}

/** `message:read`: the reader has seen everything up to `seq`. */
export class MarkReadDto {
  @Matches(ID_PATTERN, roomIdRule) roomId!: string;
  @IsInt() @Min(0) seq!: number;
}

export interface ReadReceipt {
  roomId: string;
  userId: string;
  /** Last read seq. */
  seq: number;
  readAt: number;
}

/** `message:delete` (the sender only). */
export class DeleteMessageDto {
  @Matches(ID_PATTERN, roomIdRule) roomId!: string;
  @Matches(ID_PATTERN, { message: 'messageId must be 16 random bytes, base64url' }) messageId!: string;
}

export interface MessageDeleted {
  roomId: string;
  messageId: string;
  seq: number;
}

export const PRESENCE_STATUSES = ['online', 'away', 'busy', 'invisible'] as const;
export type PresenceStatus = (typeof PRESENCE_STATUSES)[number];

/** `status:update`: invisible looks offline to everyone else. */
export class StatusUpdateDto {
  @IsIn(PRESENCE_STATUSES, { message: `status must be one of ${PRESENCE_STATUSES.join(', ')}` })
  status!: PresenceStatus;
  @IsOptional() @IsString() @MaxLength(REALTIME_LIMITS.statusTextMax) text?: string;
}

/** What others see of a user: never `invisible` (that user is reported offline instead). */
export interface UserPresence {
  userId: string;
  status: Exclude<PresenceStatus, 'invisible'>;
  text?: string;
}

export interface UserOffline {
  userId: string;
}

export interface TypingEvent {
  roomId: string;
  userId: string;
  /** started only: the indicator ends by itself after this long without renewal. */
  expiresInMs?: number;
}

/** `file:share`: an encrypted event (payload type `file`, naming the blob and its key) about an uploaded file. */
export class FileShareDto {
  @Matches(ID_PATTERN, { message: 'fileId must be 16 random bytes, base64url' }) fileId!: string;
  @ValidateNested() @Type(() => EncryptedEventDto) event!: EncryptedEventDto;
}

export interface FileReceived {
  fileId: string;
  message: StoredMessage;
}

/** A member joined or left a room (the signed op itself comes as `room:op`). */
export interface RoomMemberEvent {
  roomId: string;
  userId: string;
  by: string;
}

/** A membership op was appended: clients refetch and verify the signed chain (`GET /api/rooms/:id/ops`). */
export interface RoomOpEvent {
  roomId: string;
  kind: 'add' | 'remove';
  target: string;
  by: string;
}

/** A new epoch envelope exists: clients fetch it (`GET /api/rooms/:id/epochs?since=`). */
export interface RoomEpochEvent {
  roomId: string;
  epoch: number;
}

/** The ack of `room:join`: where the room stands for this user, for unread counts and "seen by". */
export interface RoomJoined {
  /** Highest seq allocated in the room. */
  lastSeq: number;
  /**
   * When that seq was claimed (ms since epoch): the room's last activity, for the room list. Absent when the server
   * does not know it (its counter was re-read from the table): read the newest message (`sync`) then.
   */
  lastActivityAt?: number;
  /** This user's last read seq (0: none). */
  lastReadSeq: number;
  /** lastSeq − lastReadSeq: an upper bound (holes and deleted messages count). */
  unread: number;
  receipts: ReadReceipt[];
  /** Members who are online now (invisible ones are not). */
  online: UserPresence[];
  /** The joining user's own status as stored, invisible included (a reload must not show "online" instead). */
  mine: { status: PresenceStatus; text?: string };
}

/** `POST /api/rooms/:roomId/messages`' answer. */
export interface PostedMessage {
  messageId: string;
  seq: number;
  receivedAt: number;
  /** A retry of a stored messageId: nothing new was stored or delivered. */
  duplicate: boolean;
}

/** `error` event's reasons that end the connection. */
export type DisconnectReason = 'token-expired' | 'session-revoked';
