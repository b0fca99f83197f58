import { Type } from 'class-transformer';
import {
  Equals, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateNested,
} from 'class-validator';
import type { BackupKeyCert, DeviceCert, KdfParams } from '@parley/shared/crypto';
import { DeviceCertDto } from './device-cert.dto';
import { B64U_PATTERN, DISPLAY_NAME_MAX, ID_PATTERN, USERNAME_PATTERN, USERNAME_RULE } from './limits';

const b64u = (field: string) => ({ message: `${field} must be base64url` });

export class PreloginDto {
  @IsString() @Matches(USERNAME_PATTERN, { message: `username must be ${USERNAME_RULE}` })
  username!: string;
}

export class KdfParamsDto implements KdfParams {
  @Equals('argon2id') kdf!: 'argon2id';
  /** KiB: at least 64 MiB, at most 1 GiB. */
  @IsInt() @Min(65536) @Max(1048576) m!: number;
  @IsInt() @Min(3) @Max(20) t!: number;
  @IsInt() @Min(1) @Max(16) p!: number;
  @IsString() @Matches(/^[A-Za-z0-9_-]{22,86}$/, b64u('salt')) salt!: string;
}

/**
 * The UIK-signed certificate of the account's backup X25519 key (DESIGN §3): devices seal room epoch keys to it, so
 * the server must not be able to swap in a key of its own. The server checks the signature too (defence in depth).
 */
export class BackupKeyCertDto implements BackupKeyCert {
  @Equals(1) v!: 1;
  @Matches(ID_PATTERN, { message: 'backupKeyCert.userId must be 16 random bytes, base64url' }) userId!: string;
  @IsString() @Matches(/^[A-Za-z0-9_-]{43}$/, b64u('backupKeyCert.publicKey (32 bytes)')) publicKey!: string;
  @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) createdAt!: number;
  @IsString() @Matches(/^[A-Za-z0-9_-]{86}$/, b64u('backupKeyCert.uikSig (64 bytes)')) uikSig!: string;
}

export class RegisterDto {
  /** Chosen by the client (16 random bytes) so that the first DeviceCert can name it; unique. */
  @Matches(ID_PATTERN, { message: 'userId must be 16 random bytes, base64url' }) userId!: string;
  @IsString() @Matches(USERNAME_PATTERN, { message: `username must be ${USERNAME_RULE}` }) username!: string;
  @IsString() @IsNotEmpty() @MaxLength(DISPLAY_NAME_MAX) displayName!: string;
  /** HKDF(Argon2id(password)): the password itself never leaves the client. */
  @IsString() @Matches(/^[A-Za-z0-9_-]{43}$/, b64u('authSecret (32 bytes)')) authSecret!: string;
  @ValidateNested() @Type(() => KdfParamsDto) kdf!: KdfParamsDto;
  @IsString() @Matches(/^[A-Za-z0-9_-]{43}$/, b64u('uikPublicKey (32 bytes)')) uikPublicKey!: string;
  @ValidateNested() @Type(() => DeviceCertDto) deviceCert!: DeviceCertDto;
  /** The account backup key wrapped by the password-derived key. */
  @IsString() @MinLength(16) @MaxLength(512) @Matches(B64U_PATTERN, b64u('wrappedAbk')) wrappedAbk!: string;
  /** The secret bundle (UIK) encrypted with the account backup key. */
  @IsString() @MinLength(16) @MaxLength(8192) @Matches(B64U_PATTERN, b64u('secretBundle')) secretBundle!: string;
  /** The account backup key wrapped by the recovery key (shown once at sign-up); optional. */
  @IsOptional() @IsString() @MinLength(16) @MaxLength(512) @Matches(B64U_PATTERN, b64u('recoveryWrappedAbk'))
  recoveryWrappedAbk?: string;
  /** The backup key's certificate, signed by uikPublicKey for this userId; optional for older clients. */
  @IsOptional() @ValidateNested() @Type(() => BackupKeyCertDto) backupKeyCert?: BackupKeyCertDto;
}

export class LoginDto {
  @IsString() @Matches(USERNAME_PATTERN, { message: `username must be ${USERNAME_RULE}` }) username!: string;
  @IsString() @Matches(/^[A-Za-z0-9_-]{43}$/, b64u('authSecret (32 bytes)')) authSecret!: string;
}

export class AddDeviceDto {
  @ValidateNested() @Type(() => DeviceCertDto) deviceCert!: DeviceCertDto;
}

/** Largest page of a username search. */
export const USER_SEARCH_PAGE_MAX = 20;
export const STATUS_TEXT_MAX = 140;

export class UserSearchQueryDto {
  /** A username prefix (at least 3 characters match anything: no directory dump). */
  @IsString() @MinLength(1) @MaxLength(32) search!: string;
  /** Paging: the last username of the previous page. */
  @IsOptional() @IsString() @Matches(USERNAME_PATTERN, { message: `after must be ${USERNAME_RULE}` }) after?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(USER_SEARCH_PAGE_MAX) limit?: number;
}

/** `PUT /api/users/profile`: what a user shows others (the identity key is not a profile field). */
export class UpdateProfileDto {
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(DISPLAY_NAME_MAX) displayName?: string;
  @IsOptional() @IsString() @MaxLength(STATUS_TEXT_MAX) statusText?: string;
  /** A file uploaded to the files service (its id), or '' to remove the avatar. */
  @IsOptional() @IsString() @Matches(/^([A-Za-z0-9_-]{22})?$/, { message: 'avatarFileId must be a file id or empty' })
  avatarFileId?: string;
}

/** My profile (`GET /api/users/profile`). */
export interface OwnProfile extends UserSummary {
  statusText: string;
  avatarFileId: string;
}

export interface UserSummary {
  userId: string;
  username: string;
  displayName: string;
}

export interface AccountBackup {
  wrappedAbk: string;
  secretBundle: string;
  /** The ABK wrapped by the recovery key (absent for accounts created without one). */
  recoveryWrappedAbk?: string;
  /** The UIK-signed certificate of the backup key (absent for accounts created without one). */
  backupKeyCert?: BackupKeyCert;
}

export interface AuthResponse {
  accessToken: string;
  /** seconds */
  expiresIn: number;
  user: UserSummary;
  /** What a new device needs to recover the identity key (opaque to the server). */
  backup: AccountBackup;
}

export interface PublicProfile extends UserSummary {
  uikPublicKey: string;
  statusText?: string;
  avatarFileId?: string;
  devices: DeviceCert[];
}

/** Claims of an access token (ES256, signed by auth). */
export interface AccessTokenClaims {
  sub: string;
  /** username */
  name: string;
  typ: 'access';
  /** The session (refresh-token family) it was issued to: revoking the session revokes the token. */
  sid: string;
}
