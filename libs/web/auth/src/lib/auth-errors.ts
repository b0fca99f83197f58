import { ApiRequestError, errorMessage } from '@parley/web/core';

/** Readable messages for what can go wrong while registering. */
export function registerErrorMessage(error: unknown): string {
  if (error instanceof ApiRequestError && error.status === 409) return 'That username is taken. Try another one.';
  return errorMessage(error);
}

/** Readable messages for what can go wrong while logging in. */
export function loginErrorMessage(error: unknown): string {
  if (error instanceof ApiRequestError && (error.status === 401 || error.status === 404)) {
    return 'Wrong username or password.';
  }
  return errorMessage(error);
}
