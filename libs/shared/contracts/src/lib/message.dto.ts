import { Type } from 'class-transformer';
import { Equals, IsBoolean, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import type { EncryptedEvent } from '@parley/shared/crypto';
import { B64U_PATTERN, HISTORY_PAGE_MAX, ID_PATTERN, MAX_CIPHERTEXT_CHARS } from './limits';

/** An encrypted, signed event as the client sends it (DESIGN §3); the server relays it unchanged. */
export class EncryptedEventDto implements EncryptedEvent {
  @Equals(1) v!: 1;
  @Equals('v1') suite!: 'v1';
  @Matches(ID_PATTERN, { message: 'roomId must be 16 random bytes, base64url' }) roomId!: string;
  @IsInt() @Min(1) epoch!: number;
  @Matches(ID_PATTERN, { message: 'messageId must be 16 random bytes, base64url' }) messageId!: string;
  @Matches(ID_PATTERN) senderUserId!: string;
  @Matches(ID_PATTERN) senderDeviceId!: string;
  @IsInt() @Min(0) senderSeq!: number;
  @IsInt() @Min(0) sentAt!: number;
  @IsOptional() @IsBoolean() @Equals(true) ephemeral?: true;
  @IsString() @Matches(B64U_PATTERN, { message: 'ct must be base64url' })
  @MaxLength(MAX_CIPHERTEXT_CHARS, { message: `ct must be at most ${MAX_CIPHERTEXT_CHARS} characters` })
  ct!: string;
  @IsString() @Matches(/^[A-Za-z0-9_-]{86}$/, { message: 'sig must be an Ed25519 signature, base64url' }) sig!: string;
}

/** A message as stored and delivered: the event plus the room's sequence number and the server's time. */
export interface StoredMessage extends EncryptedEvent {
  seq: number;
  receivedAt: number;
  deleted?: true;
}

export class HistoryQueryDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) before?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) after?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(HISTORY_PAGE_MAX) limit?: number;
}

export interface HistoryPage {
  /** Oldest first. */
  messages: StoredMessage[];
  hasMore: boolean;
}
