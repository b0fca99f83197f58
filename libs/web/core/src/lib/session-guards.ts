import { inject } from '@angular/core';
import { type CanActivateFn, Router } from '@angular/router';
import { SessionStore } from './session-store';

/** Lets signed-in users through (after restoring keys from IndexedDB); sends everyone else to /login. */
export const authGuard: CanActivateFn = async () => {
  const router = inject(Router);
  return (await inject(SessionStore).restore()) ? true : router.parseUrl('/login');
};

/** Keeps signed-in users away from the login page. */
export const guestGuard: CanActivateFn = async () => {
  const router = inject(Router);
  return (await inject(SessionStore).restore()) ? router.parseUrl('/') : true;
};
