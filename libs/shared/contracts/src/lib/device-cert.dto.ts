import { Equals, IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import type { DeviceCert } from '@parley/shared/crypto';
import { B64U_PATTERN, ID_PATTERN } from './limits';

/** A UIK-signed device certificate (DESIGN §3). The server stores it; clients verify it. */
export class DeviceCertDto implements DeviceCert {
  @Equals(1) v!: 1;
  @Matches(ID_PATTERN, { message: 'userId must be 16 random bytes, base64url' }) userId!: string;
  @Matches(ID_PATTERN, { message: 'deviceId must be 16 random bytes, base64url' }) deviceId!: string;
  @IsString() @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'sigKey must be a raw Ed25519 public key, base64url' })
  sigKey!: string;
  @IsString() @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'kemKey must be a raw X25519 public key, base64url' })
  kemKey!: string;
  @IsInt() @Min(0) createdAt!: number;
  @IsInt() @Min(0) @Max(2 ** 32 - 1) listVersion!: number;
  @IsOptional() @IsBoolean() @Equals(true) revoked?: true;
  @IsString() @Matches(B64U_PATTERN) uikSig!: string;
}
