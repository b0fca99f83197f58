import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';

/** Variables of the auth service (besides CoreConfig). */
export class AuthConfig {
  /** ES256 private key as a JWK (JSON). In AWS from Secrets Manager. */
  @IsOptional() @IsString() JWT_PRIVATE_JWK?: string = undefined;
  /** HMAC key for the fake salts of unknown usernames (prelogin must not reveal who exists). */
  @IsOptional() @IsString() @MinLength(32) PRELOGIN_SECRET?: string = undefined;
  /** Local modes only: generate missing secrets once and keep them in this folder. */
  @IsOptional() @IsString() DEV_SECRETS_DIR?: string = undefined;
  /** Until refresh tokens land (issue 4) an access token must outlive a chat session; DESIGN's goal is 15 min. */
  @IsInt() @Min(60) @Max(86400) ACCESS_TOKEN_TTL_SECONDS: number = 3600;
  /** argon2id over the client's authSecret: at least OWASP's minimum (19 MiB, t=2, p=1). */
  @IsInt() @Min(19456) ARGON2_MEMORY_KIB: number = 19456;
  @IsInt() @Min(2) ARGON2_TIME: number = 2;
  @IsInt() @Min(1) ARGON2_PARALLELISM: number = 1;
}

export const AUTH_CONFIG = Symbol('AUTH_CONFIG');
