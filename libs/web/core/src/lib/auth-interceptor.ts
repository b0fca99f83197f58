import { HttpErrorResponse, HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { API } from '@parley/shared/contracts';
import { tap } from 'rxjs';
import { SessionStore } from './session-store';

const PUBLIC_ROUTES: readonly string[] = [API.prelogin, API.register, API.login];

/** Adds `Authorization: Bearer …` to API calls; a 401 on an authenticated call ends the session. */
export const authInterceptor: HttpInterceptorFn = (request, next) => {
  const session = inject(SessionStore);
  const router = inject(Router);
  const token = session.accessToken();
  const isApi = request.url.startsWith('/api/');
  // Calls that carry their own token (device setup during login, before the session starts) pass through.
  if (!token || !isApi || PUBLIC_ROUTES.includes(request.url) || request.headers.has('Authorization')) {
    return next(request);
  }
  return next(request.clone({ setHeaders: { Authorization: `Bearer ${token}` } })).pipe(
    tap({
      error: (error: unknown) => {
        if (error instanceof HttpErrorResponse && error.status === 401 && session.accessToken() === token) {
          session.logout('Your session has expired. Log in again.');
          void router.navigateByUrl('/login');
        }
      },
    }),
  );
};
