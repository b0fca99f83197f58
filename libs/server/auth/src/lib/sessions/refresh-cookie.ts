import type { Request, Response } from 'express';
import { REFRESH_COOKIE, REFRESH_COOKIE_PATH } from '@parley/shared/contracts';
import type { ClientContext, IssuedRefresh } from './sessions.service';

/**
 * The refresh token travels only in this cookie: HttpOnly (no script reads it), Secure, SameSite=Strict (no
 * other site sends it), Path=/api/auth (no other service receives it).
 */
export function setRefreshCookie(res: Response, refresh: IssuedRefresh): void {
  res.cookie(REFRESH_COOKIE, refresh.refreshToken, {
    httpOnly: true, secure: true, sameSite: 'strict', path: REFRESH_COOKIE_PATH, maxAge: refresh.maxAgeMs,
  });
}

export function clearRefreshCookie(res: Response): void {
  res.clearCookie(REFRESH_COOKIE, { httpOnly: true, secure: true, sameSite: 'strict', path: REFRESH_COOKIE_PATH });
}

/** The refresh cookie's value, without a cookie-parsing middleware. */
export function readRefreshCookie(req: Request): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === REFRESH_COOKIE) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export function clientOf(req: Request): ClientContext {
  return { userAgent: req.headers['user-agent'], ip: req.ip ?? req.socket.remoteAddress ?? '' };
}
