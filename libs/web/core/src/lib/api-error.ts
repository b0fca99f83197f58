import { HttpErrorResponse } from '@angular/common/http';
import type { ApiError } from '@parley/shared/contracts';
import { SESSION_EXPIRED_NOTICE } from './session-store';

/** A failed REST call, with a message a person can read. `status` is 0 when the server was not reached. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** What the server said, verbatim (for logs and for callers that map specific errors). */
    readonly serverMessage?: string,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

function serverMessageOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return typeof body === 'string' && body.length < 300 ? body : undefined;
  const message = (body as Partial<ApiError>).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : undefined;
}

function sentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const capital = t[0].toUpperCase() + t.slice(1);
  return /[.!?…]$/.test(capital) ? capital : `${capital}.`;
}

/** Maps an HttpClient error (Nest's `{statusCode, error, message}` body) to an ApiRequestError. */
export function toApiRequestError(error: unknown): ApiRequestError {
  if (error instanceof ApiRequestError) return error;
  if (!(error instanceof HttpErrorResponse)) {
    return new ApiRequestError(0, error instanceof Error ? error.message : 'Something went wrong.');
  }
  const server = serverMessageOf(error.error);
  const status = error.status;
  let message: string;
  if (status === 0) message = 'Can’t reach the server. Check your connection and try again.';
  else if (status === 429) message = 'Too many attempts. Wait a moment and try again.';
  else if (status >= 500) message = 'The server ran into a problem. Try again in a moment.';
  else if (status === 401) message = server ? sentence(server) : SESSION_EXPIRED_NOTICE;
  else if (status === 403) message = server ? sentence(server) : 'You are not allowed to do that.';
  else if (status === 404) message = server ? sentence(server) : 'Not found.';
  else message = server ? sentence(server) : `Request failed (${status}).`;
  return new ApiRequestError(status, message, server);
}

/** A readable message for any error (crypto, HTTP, socket). */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiRequestError) return error.message;
  if (error instanceof HttpErrorResponse) return toApiRequestError(error).message;
  if (error instanceof Error && error.message) return sentence(error.message);
  return 'Something went wrong.';
}
