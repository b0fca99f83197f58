import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';

/** Variables of the auth service (besides CoreConfig). */
export class AuthConfig {
  /** ES256 private key as a JWK (JSON). In AWS from Secrets Manager. */
  @IsOptional() @IsString() JWT_PRIVATE_JWK?: string = undefined;
  /** HMAC key for the fake salts of unknown usernames (prelogin must not reveal who exists). */
  @IsOptional() @IsString() @MinLength(32) PRELOGIN_SECRET?: string = undefined;
  /** Local modes only: generate missing secrets once and keep them in this folder. */
  @IsOptional() @IsString() DEV_SECRETS_DIR?: string = undefined;
  /**
   * Public JWKs (a JSON array) published beside the signing key: the previous key while its tokens run out, or
   * the next one before it starts signing. Two keys live at once is how the signing key rotates without logouts.
   */
  @IsOptional() @IsString() JWT_EXTRA_PUBLIC_JWKS?: string = undefined;
  /** Access tokens are short-lived; the refresh token (cookie) renews them. */
  @IsInt() @Min(60) @Max(3600) ACCESS_TOKEN_TTL_SECONDS: number = 900;
  /** A session ends after this many days without a refresh. */
  @IsInt() @Min(1) @Max(365) REFRESH_TOKEN_TTL_DAYS: number = 30;
  /**
   * The refresh token just replaced may come back this many seconds after the rotation (two tabs refreshing at
   * once): it is refused without ending the session. Any other reuse of an old token revokes the whole family.
   */
  @IsInt() @Min(0) @Max(60) REFRESH_REUSE_GRACE_SECONDS: number = 10;
  /** Attempts per minute from one IP address, on each of prelogin, login and register (all instances together). */
  @IsInt() @Min(1) THROTTLE_PER_IP_PER_MINUTE: number = 30;
  /** Logins per minute for one username (prelogin gets 4×, register 6×): guessing is slow even from many IPs. */
  @IsInt() @Min(1) THROTTLE_PER_USERNAME_PER_MINUTE: number = 5;
  /** Logins per hour for one username; past it the name is blocked for the rest of the hour (the backoff's top). */
  @IsInt() @Min(1) THROTTLE_PER_USERNAME_PER_HOUR: number = 30;
  /** Failed password proofs (login, password change, recovery) for one account before each further one doubles the wait. */
  @IsInt() @Min(1) LOGIN_BACKOFF_FREE_FAILURES: number = 5;
  /** The same for one IP address (higher: an office or a carrier NAT shares one). */
  @IsInt() @Min(1) LOGIN_BACKOFF_FREE_FAILURES_PER_IP: number = 20;
  /** The longest wait the backoff imposes (it doubles from 1 s: 1, 2, 4 … seconds). */
  @IsInt() @Min(1) @Max(86_400) LOGIN_BACKOFF_MAX_SECONDS: number = 900;
  /** Username searches per minute for one signed-in user (no directory dump). */
  @IsInt() @Min(1) THROTTLE_SEARCHES_PER_MINUTE: number = 30;
  /** argon2id over the client's authSecret: at least OWASP's minimum (19 MiB, t=2, p=1). */
  @IsInt() @Min(19456) ARGON2_MEMORY_KIB: number = 19456;
  @IsInt() @Min(2) ARGON2_TIME: number = 2;
  @IsInt() @Min(1) ARGON2_PARALLELISM: number = 1;
}

export const AUTH_CONFIG = Symbol('AUTH_CONFIG');
