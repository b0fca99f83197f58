import { HttpErrorResponse, type HttpEvent, type HttpInterceptorFn, type HttpRequest } from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { ACCOUNT_API, API, AUTH_API } from '@parley/shared/contracts';
import { catchError, from, type Observable, of, switchMap, throwError } from 'rxjs';
import { SESSION_EXPIRED_NOTICE, SessionStore } from './session-store';

const PUBLIC_ROUTES: readonly string[] = [
  API.prelogin, API.register, API.login, AUTH_API.refresh, ACCOUNT_API.recoveryStart, ACCOUNT_API.recoveryFinish,
];

/**
 * Adds `Authorization: Bearer …` to API calls. A token about to expire is renewed first; a 401 renews it once and
 * retries the call once; only when renewing fails does the session end (the refresh token was revoked, reused or
 * expired). The login page then says "ended from another device" when the renewal's refusal (or the socket) said
 * the session was revoked: `SessionStore.logout` swaps the notice.
 */
export const authInterceptor: HttpInterceptorFn = (request, next) => {
  const session = inject(SessionStore);
  const router = inject(Router);
  const isApi = request.url.startsWith('/api/');
  // Calls that carry their own token (device setup during login, before the session starts) pass through.
  if (!session.accessToken() || !isApi || PUBLIC_ROUTES.includes(request.url) || request.headers.has('Authorization')) {
    return next(request);
  }
  const send = (token: string) => next(request.clone({ setHeaders: { Authorization: `Bearer ${token}` } }));
  const end = (error: unknown): Observable<never> => {
    if (session.accessToken()) {
      session.logout(SESSION_EXPIRED_NOTICE);
      void router.navigateByUrl('/login');
    }
    return throwError(() => error);
  };
  const renewed = session.expiresSoon() ? from(session.refresh()) : of(true);
  return renewed.pipe(
    switchMap(() => {
      const token = session.accessToken();
      if (!token) return end(unauthorized(request, session.notice() ?? SESSION_EXPIRED_NOTICE));
      return send(token).pipe(catchError((error: unknown) => retryOnce(error, token)));
    }),
  );

  function retryOnce(error: unknown, used: string): Observable<HttpEvent<unknown>> {
    if (!(error instanceof HttpErrorResponse) || error.status !== 401) return throwError(() => error);
    // Another call may have renewed the token meanwhile; otherwise renew it now.
    const renewal = session.accessToken() !== used ? of(true) : from(session.refresh());
    return renewal.pipe(
      switchMap((ok) => {
        const token = session.accessToken();
        if (!ok || !token || token === used) return end(error);
        return send(token).pipe(catchError((again: unknown) =>
          again instanceof HttpErrorResponse && again.status === 401 ? end(again) : throwError(() => again)));
      }),
    );
  }
};

/** The error a call gets when the session ended before it could be sent: it says why, as the login page will. */
function unauthorized(request: HttpRequest<unknown>, message: string): HttpErrorResponse {
  return new HttpErrorResponse({ status: 401, statusText: 'Unauthorized', url: request.url,
    error: { statusCode: 401, error: 'Unauthorized', message } });
}
