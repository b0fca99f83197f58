import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, Equals, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateNested,
} from 'class-validator';
import type { EpochKeyBackup } from '@parley/shared/crypto';
import type { BackupKeyCert, DeviceCert } from '@parley/shared/crypto';
import { BackupKeyCertDto, KdfParamsDto } from './auth.dto';
import { DeviceCertDto } from './device-cert.dto';
import { B64U_PATTERN, ID_PATTERN, USERNAME_PATTERN, USERNAME_RULE } from './limits';

const b64u = (field: string) => ({ message: `${field} must be base64url` });

/** Account routes of the auth service (DESIGN §4); relative paths, one origin. */
export const ACCOUNT_API = {
  devices: '/api/users/me/devices',
  device: (deviceId: string) => `/api/users/me/devices/${encodeURIComponent(deviceId)}`,
  backup: '/api/users/me/backup',
  password: '/api/auth/password',
  backupKeys: '/api/users/me/backup/keys',
  recoveryStart: '/api/auth/recovery/start',
  recoveryFinish: '/api/auth/recovery/finish',
} as const;

/** My devices: every certificate (revocations included) and the highest listVersion, for the next one. */
export interface DeviceList {
  listVersion: number;
  devices: DeviceCert[];
}

/** `DELETE /api/users/me/devices/:deviceId`: the UIK-signed revocation certificate of that device. */
export class RevokeDeviceDto {
  @ValidateNested() @Type(() => DeviceCertDto) deviceCert!: DeviceCertDto;
}

/** The account backup with its version: a write names the version it replaces (no lost update). */
export interface VersionedBackup {
  wrappedAbk: string;
  secretBundle: string;
  version: number;
  /** Present when the account has a recovery key. */
  recoveryWrappedAbk?: string;
  /** Present when the account has a certified backup key. */
  backupKeyCert?: BackupKeyCert;
}

export class PutBackupDto {
  @IsString() @MinLength(16) @MaxLength(512) @Matches(B64U_PATTERN, b64u('wrappedAbk')) wrappedAbk!: string;
  /** The ABK wrapped by the recovery key (optional: unchanged when absent). */
  @IsOptional() @IsString() @MinLength(16) @MaxLength(512) @Matches(B64U_PATTERN, b64u('recoveryWrappedAbk'))
  recoveryWrappedAbk?: string;
  @IsString() @MinLength(16) @MaxLength(8192) @Matches(B64U_PATTERN, b64u('secretBundle')) secretBundle!: string;
  /** A new backup key's certificate (optional: unchanged when absent); must be signed by the account's UIK. */
  @IsOptional() @ValidateNested() @Type(() => BackupKeyCertDto) backupKeyCert?: BackupKeyCertDto;
  /** The version this write replaces (from GET); 409 if another write came first. */
  @IsInt() @Min(1) @Max(2 ** 31) version!: number;
}

/**
 * `POST /api/auth/password`: both auth secrets (the password itself never leaves the browser), the new KDF
 * parameters and the ABK re-wrapped under the new password, against the backup version it replaces.
 */
export class ChangePasswordDto {
  @IsString() @Matches(/^[A-Za-z0-9_-]{43}$/, b64u('oldAuthSecret (32 bytes)')) oldAuthSecret!: string;
  @IsString() @Matches(/^[A-Za-z0-9_-]{43}$/, b64u('newAuthSecret (32 bytes)')) newAuthSecret!: string;
  @ValidateNested() @Type(() => KdfParamsDto) kdf!: KdfParamsDto;
  @IsString() @MinLength(16) @MaxLength(512) @Matches(B64U_PATTERN, b64u('wrappedAbk')) wrappedAbk!: string;
  @IsInt() @Min(1) @Max(2 ** 31) backupVersion!: number;
}

/** `POST /api/auth/recovery/start`: what a client with the recovery key needs to prove it holds the identity key. */
export class RecoveryStartDto {
  @IsString() @Matches(USERNAME_PATTERN, { message: `username must be ${USERNAME_RULE}` }) username!: string;
}

/** Same shape for every username, known or not (it must not reveal who exists). */
export interface RecoveryChallenge {
  userId: string;
  /** Opaque, valid for 5 minutes, bound to the account. */
  challenge: string;
  /** The ABK wrapped by the recovery key, and the secret bundle it opens (holding the UIK). */
  recoveryWrappedAbk: string;
  secretBundle: string;
  /** The backup version the new password will replace. */
  backupVersion: number;
}

/**
 * `POST /api/auth/recovery/finish`: a new password, proven by an Ed25519 signature of the identity key over
 * `recoveryProof(...)`. Every session of the account ends; the answer is a new session, as after a login.
 */
export class RecoveryFinishDto {
  @IsString() @Matches(USERNAME_PATTERN, { message: `username must be ${USERNAME_RULE}` }) username!: string;
  @IsString() @MaxLength(200) @Matches(/^[A-Za-z0-9_.-]+$/, b64u('challenge')) challenge!: string;
  @IsString() @Matches(/^[A-Za-z0-9_-]{86}$/, b64u('signature (64 bytes)')) signature!: string;
  @IsString() @Matches(/^[A-Za-z0-9_-]{43}$/, b64u('newAuthSecret (32 bytes)')) newAuthSecret!: string;
  @ValidateNested() @Type(() => KdfParamsDto) kdf!: KdfParamsDto;
  @IsString() @MinLength(16) @MaxLength(512) @Matches(B64U_PATTERN, b64u('wrappedAbk')) wrappedAbk!: string;
  @IsInt() @Min(1) @Max(2 ** 31) backupVersion!: number;
}

/**
 * The text the identity key signs to recover an account. Every field is base64url, a username or digits, so the
 * newline-separated form is unambiguous; it binds the challenge, the account and everything the request changes.
 */
export function recoveryProof(fields: { challenge: string; userId: string; newAuthSecret: string;
  kdf: { m: number; t: number; p: number; salt: string }; wrappedAbk: string; backupVersion: number }): string {
  const { m, t, p, salt } = fields.kdf;
  return ['parley/v1/recovery', fields.challenge, fields.userId, fields.newAuthSecret, `argon2id,${m},${t},${p},${salt}`,
    fields.wrappedAbk, String(fields.backupVersion)].join('\n');
}

/** A room epoch key sealed to the user's backup key by one of their devices (DESIGN §3); opaque to the server. */
export class EpochKeyBackupDto implements EpochKeyBackup {
  @Equals(1) v!: 1;
  @Equals('v1') suite!: 'v1';
  @Matches(ID_PATTERN, { message: 'userId must be 16 random bytes, base64url' }) userId!: string;
  @Matches(ID_PATTERN, { message: 'roomId must be 16 random bytes, base64url' }) roomId!: string;
  @IsInt() @Min(0) @Max(2 ** 32 - 1) epoch!: number;
  @Matches(ID_PATTERN, { message: 'deviceId must be 16 random bytes, base64url' }) deviceId!: string;
  @IsString() @MaxLength(200) @Matches(B64U_PATTERN, b64u('enc')) enc!: string;
  @IsString() @MaxLength(400) @Matches(B64U_PATTERN, b64u('ct')) ct!: string;
  @IsString() @MaxLength(200) @Matches(B64U_PATTERN, b64u('sig')) sig!: string;
}

/** `POST /api/users/me/backup/keys`: up to 100 entries; one per room and epoch is kept (the first). */
export class PostBackupKeysDto {
  @ValidateNested({ each: true }) @Type(() => EpochKeyBackupDto) @ArrayMinSize(1) @ArrayMaxSize(100)
  entries!: EpochKeyBackupDto[];
}

export class BackupKeysQueryDto {
  /** ms: entries stored after this time (0 or absent: all). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) since?: number;
}

/** A stored entry with the server's time of storing it (the `since` cursor). */
export interface StoredEpochKeyBackup {
  entry: EpochKeyBackup;
  storedAt: number;
}
