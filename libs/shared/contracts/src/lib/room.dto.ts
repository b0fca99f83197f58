import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, Equals, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, Min,
  ValidateNested,
} from 'class-validator';
import type { EpochKeyEnvelope, EpochKeyWrap, RoomOp, RoomOpKind } from '@parley/shared/crypto';
import { B64U_PATTERN, ID_PATTERN, ROOM_NAME_MAX } from './limits';

const ROOM_OP_KINDS: RoomOpKind[] = ['create', 'add', 'remove', 'leave', 'role'];
export type RoomRole = 'owner' | 'admin' | 'member';
export type RoomKind = 'group' | 'direct';

export class RoomOpDto implements RoomOp {
  @Equals(1) v!: 1;
  @Matches(ID_PATTERN, { message: 'roomId must be 16 random bytes, base64url' }) roomId!: string;
  @IsInt() @Min(0) seq!: number;
  @IsString() @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'prevHash must be a SHA-256 hash, base64url' })
  prevHash!: string;
  @IsIn(ROOM_OP_KINDS) op!: RoomOpKind;
  @Matches(ID_PATTERN, { message: 'target must be a userId' }) target!: string;
  @IsOptional() @IsIn(['admin', 'member']) role?: 'admin' | 'member';
  @Matches(ID_PATTERN) actorUserId!: string;
  @Matches(ID_PATTERN) actorDeviceId!: string;
  @IsString() @Matches(B64U_PATTERN) @MaxLength(128) sig!: string;
}

export class CreateRoomDto {
  @Matches(ID_PATTERN, { message: 'roomId must be 16 random bytes, base64url' }) roomId!: string;
  @IsString() @IsNotEmpty() @MaxLength(ROOM_NAME_MAX) name!: string;
  @ValidateNested() @Type(() => RoomOpDto) createOp!: RoomOpDto;
}

export class EpochKeyWrapDto implements EpochKeyWrap {
  @Matches(ID_PATTERN) userId!: string;
  @Matches(ID_PATTERN) deviceId!: string;
  @IsString() @Matches(B64U_PATTERN) @MaxLength(128) enc!: string;
  @IsString() @Matches(B64U_PATTERN) @MaxLength(256) ct!: string;
}

export class EpochKeyEnvelopeDto implements EpochKeyEnvelope {
  @Equals(1) v!: 1;
  @Equals('v1') suite!: 'v1';
  @Matches(ID_PATTERN) roomId!: string;
  @IsInt() @Min(1) epoch!: number;
  @IsString() @Matches(B64U_PATTERN) @MaxLength(64) rosterHash!: string;
  @IsString() @Matches(B64U_PATTERN) @MaxLength(64) opsHead!: string;
  @Matches(ID_PATTERN) creatorUserId!: string;
  @Matches(ID_PATTERN) creatorDeviceId!: string;
  @IsInt() @Min(0) createdAt!: number;
  @ValidateNested({ each: true }) @Type(() => EpochKeyWrapDto) @ArrayMinSize(1) @ArrayMaxSize(1000)
  wraps!: EpochKeyWrapDto[];
  @IsString() @Matches(B64U_PATTERN) @MaxLength(128) sig!: string;
}

export class EpochsQueryDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) since?: number;
}

export interface RoomSummary {
  roomId: string;
  name: string;
  kind: RoomKind;
  createdBy: string;
  currentEpoch: number;
  role: RoomRole;
}

export interface RoomMember {
  userId: string;
  role: RoomRole;
  joinedEpoch: number;
}

export interface RoomDetail extends RoomSummary {
  members: RoomMember[];
}
