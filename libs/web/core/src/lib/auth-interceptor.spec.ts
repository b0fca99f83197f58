import { HttpClient, HttpErrorResponse, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';
import type { DeviceKeys, IdentityKeys } from '@parley/shared/crypto';
import { firstValueFrom } from 'rxjs';
import { authInterceptor } from './auth-interceptor';
import { KeyStore, type StoredAccount } from './key-store';
import { SESSION_REVOKED_NOTICE, SessionStore } from './session-store';

const user = { userId: 'AAAAAAAAAAAAAAAAAAAAAA', username: 'alice', displayName: 'Alice' };
const account: StoredAccount = {
  userId: user.userId,
  device: { deviceId: 'dev1' } as unknown as DeviceKeys,
  identity: { publicKey: 'uik' } as unknown as IdentityKeys,
};
const EXPIRED = 'Your session has expired. Log in again.';
const unauthorized = { status: 401, statusText: 'Unauthorized' };

/** The real SessionStore behind the interceptor; only the refresh endpoint (fetch) and the router are fakes. */
function setup(renewal: () => Promise<unknown>) {
  const fetchMock = jest.fn(renewal);
  (globalThis as { fetch?: unknown }).fetch = fetchMock;
  const router = { navigateByUrl: jest.fn().mockResolvedValue(true) };
  TestBed.configureTestingModule({
    providers: [
      provideHttpClient(withInterceptors([authInterceptor])),
      provideHttpClientTesting(),
      { provide: KeyStore, useValue: { load: jest.fn(), save: jest.fn(), remove: jest.fn() } },
      { provide: Router, useValue: router },
    ],
  });
  const session = TestBed.inject(SessionStore);
  session.start({ accessToken: 'tok', expiresIn: 900, user }, account);
  return { http: TestBed.inject(HttpClient), backend: TestBed.inject(HttpTestingController), session, router, fetchMock };
}

const refusal = (reason: string) => Promise.resolve({ ok: false, status: 401, json: () => Promise.resolve(
  { statusCode: 401, error: 'Unauthorized', message: 'the session has ended; log in again', reason }) });
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('authInterceptor', () => {
  beforeEach(() => sessionStorage.clear());
  afterEach(() => {
    TestBed.inject(HttpTestingController).verify();
    delete (globalThis as { fetch?: unknown }).fetch;
  });

  it('renews the token after a 401 and retries the call once with the new one', async () => {
    const { http, backend } = setup(() => Promise.resolve({ ok: true, status: 200,
      json: () => Promise.resolve({ accessToken: 'tok2', expiresIn: 900, user }) }));
    const result = firstValueFrom(http.get('/api/rooms'));

    const first = backend.expectOne('/api/rooms');
    expect(first.request.headers.get('Authorization')).toBe('Bearer tok');
    first.flush({ message: 'the session has ended' }, unauthorized);
    await flush();
    const retry = backend.expectOne('/api/rooms');
    expect(retry.request.headers.get('Authorization')).toBe('Bearer tok2');
    retry.flush([]);
    await expect(result).resolves.toEqual([]);
  });

  it.each([
    ['revoked', SESSION_REVOKED_NOTICE],
    ['expired', EXPIRED],
    ['invalid', EXPIRED],
  ])('ends the session when the renewal after a 401 is refused with reason %s: "%s"', async (reason, notice) => {
    const { http, backend, session, router, fetchMock } = setup(() => refusal(reason));
    const result = firstValueFrom(http.get('/api/rooms')).catch((e: unknown) => e);

    backend.expectOne('/api/rooms').flush({ message: 'the session has ended' }, unauthorized);
    const error = await result;

    expect(fetchMock).toHaveBeenCalledWith('/api/auth/refresh', expect.objectContaining({ method: 'POST' }));
    expect(error).toBeInstanceOf(HttpErrorResponse);
    expect((error as HttpErrorResponse).status).toBe(401);
    expect(session.accessToken()).toBeNull();
    expect(session.notice()).toBe(notice);
    expect(router.navigateByUrl).toHaveBeenCalledWith('/login');
  });

  it('ends the session with the revoked notice when the renewal before a call (token about to expire) is refused',
    async () => {
      const { http, backend, session, router } = setup(() => refusal('revoked'));
      session.start({ accessToken: 'tok', expiresIn: 10, user }, account); // expires within 30 s: renew first
      const result = firstValueFrom(http.get('/api/rooms')).catch((e: unknown) => e);

      await flush();
      // Renewal failed: the call still goes out with the old token, whose 401 ends the session.
      backend.expectOne('/api/rooms').flush({ message: 'the session has ended' }, unauthorized);
      await result;

      expect(session.accessToken()).toBeNull();
      expect(session.notice()).toBe(SESSION_REVOKED_NOTICE);
      expect(router.navigateByUrl).toHaveBeenCalledWith('/login');
    });

  it('fails a call whose session ended while its renewal was in flight with an error that says why', async () => {
    // The socket hears `session-revoked` (and ends the session) while the renewal before the call is on its way.
    const { http, router, session } = setup(() => {
      TestBed.inject(SessionStore).logout(SESSION_REVOKED_NOTICE);
      return refusal('revoked');
    });
    session.start({ accessToken: 'tok', expiresIn: 10, user }, account); // expires within 30 s: renew first

    const error = await firstValueFrom(http.get('/api/rooms')).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(HttpErrorResponse);
    expect((error as HttpErrorResponse).status).toBe(401);
    expect((error as HttpErrorResponse).error.message).toBe(SESSION_REVOKED_NOTICE);
    expect(session.notice()).toBe(SESSION_REVOKED_NOTICE);
    expect(router.navigateByUrl).not.toHaveBeenCalled(); // whoever ended the session took the user to login
  });
});
