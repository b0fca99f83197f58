import { ApiRequestError } from '@parley/web/core';
import { loginErrorMessage, registerErrorMessage } from './auth-errors';

describe('auth error messages', () => {
  it('says the username is taken when registration conflicts', () => {
    expect(registerErrorMessage(new ApiRequestError(409, 'Conflict.'))).toBe('That username is taken. Try another one.');
  });

  it('says "wrong username or password" for a refused login, without telling which', () => {
    expect(loginErrorMessage(new ApiRequestError(401, 'Unauthorized.'))).toBe('Wrong username or password.');
  });

  it('passes other errors through readably', () => {
    expect(loginErrorMessage(new ApiRequestError(0, 'Can’t reach the server.'))).toBe('Can’t reach the server.');
  });
});
