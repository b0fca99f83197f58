import { HttpErrorResponse } from '@angular/common/http';
import { errorMessage, toApiRequestError } from './api-error';

const httpError = (status: number, error: unknown) => new HttpErrorResponse({ status, error });

describe('toApiRequestError', () => {
  it.each([
    ['an unreachable server', httpError(0, null), /can’t reach the server/i],
    ['a rate limit', httpError(429, {}), /too many attempts/i],
    ['a server error', httpError(503, { message: 'boom' }), /server ran into a problem/i],
    ['a conflict with a message', httpError(409, { statusCode: 409, message: 'username taken' }), /^Username taken\.$/],
    ['validation messages', httpError(400, { message: ['name too long', 'bad id'] }), /^Name too long; bad id\.$/],
  ])('turns %s into a readable message', (_name, error, expected) => {
    const mapped = toApiRequestError(error);
    expect(mapped.message).toMatch(expected);
    expect(errorMessage(mapped)).toBe(mapped.message);
  });

  it('keeps the status and the server’s own words', () => {
    const mapped = toApiRequestError(httpError(409, { message: 'username taken' }));
    expect(mapped.status).toBe(409);
    expect(mapped.serverMessage).toBe('username taken');
  });
});
