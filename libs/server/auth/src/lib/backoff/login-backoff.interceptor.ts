import {
  type CallHandler, type ExecutionContext, ForbiddenException, Injectable, type NestInterceptor, UnauthorizedException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { catchError, from, map, mergeMap, type Observable, throwError } from 'rxjs';
import { type AuthUser, usernameTracker } from '@parley/server/core';
import { type BackoffSubject, LoginBackoff } from './login-backoff';

/**
 * Puts a route that checks a password proof behind LoginBackoff: refused with 429 + `Retry-After` while the
 * account or address waits; a 401/403 from the handler (wrong secret, bad recovery proof) counts as a failure,
 * a success clears the account. Validation errors (400) and conflicts (409) are not guesses and do not count.
 */
@Injectable()
export class LoginBackoffInterceptor implements NestInterceptor {
  constructor(private readonly backoff: LoginBackoff) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request & { user?: AuthUser }>();
    const subject: BackoffSubject = {
      account: usernameTracker(req as unknown as Record<string, unknown>) || `user:${req.user?.userId ?? ''}`,
      ip: req.ip ?? '',
    };
    const withHeader = (err: unknown) => {
      const retryAfter = (err as { retryAfter?: number }).retryAfter;
      if (retryAfter !== undefined) http.getResponse<Response>().setHeader('Retry-After', String(retryAfter));
      return throwError(() => err);
    };
    return from(this.backoff.assertAllowed(subject)).pipe(
      mergeMap(() => next.handle()),
      // Awaited, so the next attempt already sees the cleared count; a store error must not fail a good login.
      mergeMap((body) => from(this.backoff.recordSuccess(subject).catch(() => undefined)).pipe(map(() => body))),
      catchError((err: unknown) => {
        if (err instanceof UnauthorizedException || err instanceof ForbiddenException) {
          return from(this.backoff.recordFailure(subject)).pipe(mergeMap(() => throwError(() => err)), catchError(withHeader));
        }
        return withHeader(err);
      }),
    );
  }
}
