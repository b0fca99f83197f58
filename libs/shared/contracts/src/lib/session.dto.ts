import { IsBoolean, IsOptional } from 'class-validator';
import type { UserSummary } from './auth.dto';
import type { ApiError } from './routes';

/** Auth routes added with sessions (DESIGN §4); relative paths, one origin. */
export const AUTH_API = {
  refresh: '/api/auth/refresh',
  logout: '/api/auth/logout',
  sessions: '/api/auth/sessions',
  session: (sessionId: string) => `/api/auth/sessions/${encodeURIComponent(sessionId)}`,
} as const;

/**
 * The refresh token's cookie: `HttpOnly; Secure; SameSite=Strict`, scoped to `/api/auth` so that no other service
 * ever receives it. Browsers accept `Secure` on http://localhost, so the same cookie works in every mode.
 */
export const REFRESH_COOKIE = 'parley_refresh';
export const REFRESH_COOKIE_PATH = '/api/auth';

export class LogoutDto {
  /** true: end every session of the account (every browser); otherwise only this one. */
  @IsOptional() @IsBoolean() all?: boolean;
}

/** What `POST /api/auth/refresh` returns; the rotated refresh token comes as a cookie. */
export interface RefreshResponse {
  accessToken: string;
  /** seconds */
  expiresIn: number;
  user: UserSummary;
}

/**
 * Why `POST /api/auth/refresh` refused, about the session the caller holds a genuine token for (nothing more):
 * `revoked` — ended on purpose (from another device, a logout elsewhere, a password change, a reused token);
 * `expired` — past its lifetime; `invalid` — no token, a forged or unknown one, or the one just replaced.
 */
export type RefreshFailureReason = 'revoked' | 'expired' | 'invalid';

/** The 401 body of `POST /api/auth/refresh`: Nest's error shape plus the machine-readable `reason`. */
export interface RefreshError extends ApiError {
  statusCode: 401;
  error: 'Unauthorized';
  message: string;
  reason: RefreshFailureReason;
}

/** One signed-in browser (a refresh-token family) as `GET /api/auth/sessions` lists it. */
export interface SessionInfo {
  sessionId: string;
  /** From the User-Agent at sign-in: what the user recognises ("Chrome on Linux"). */
  deviceLabel: string;
  /** The address it was last used from. */
  ip: string;
  createdAt: number;
  lastUsedAt: number;
  /** The session of the token that asked. */
  current: boolean;
}
