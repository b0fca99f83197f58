import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';
import type { DeviceKeys, IdentityKeys } from '@parley/shared/crypto';
import { KeyStore, type StoredAccount } from './key-store';
import { SESSION_REVOKED_NOTICE, SESSION_STORAGE_KEY, SessionStore } from './session-store';

const user = { userId: 'AAAAAAAAAAAAAAAAAAAAAA', username: 'alice', displayName: 'Alice' };
const account: StoredAccount = {
  userId: user.userId,
  device: { deviceId: 'dev1' } as unknown as DeviceKeys,
  identity: { publicKey: 'uik' } as unknown as IdentityKeys,
};

function setup(stored: StoredAccount | null = account) {
  const keyStore = { load: jest.fn().mockResolvedValue(stored ?? undefined), save: jest.fn(), remove: jest.fn() };
  const router = { navigateByUrl: jest.fn().mockResolvedValue(true) };
  TestBed.configureTestingModule({
    providers: [{ provide: KeyStore, useValue: keyStore }, { provide: Router, useValue: router }],
  });
  return { store: TestBed.inject(SessionStore), keyStore, router };
}

describe('SessionStore', () => {
  beforeEach(() => sessionStorage.clear());

  it('starts a session and keeps the token but no key material in sessionStorage', () => {
    const { store } = setup();
    store.start({ accessToken: 'tok', expiresIn: 900, user }, account);

    expect(store.isReady()).toBe(true);
    expect(store.user()).toEqual(user);
    const saved = JSON.parse(sessionStorage.getItem(SESSION_STORAGE_KEY) ?? '{}');
    expect(saved.accessToken).toBe('tok');
    expect(saved.user).toEqual(user);
    expect(JSON.stringify(saved)).not.toContain('dev1');
  });

  it('restores a saved session after a reload, loading the device keys from the KeyStore', async () => {
    sessionStorage.setItem(
      SESSION_STORAGE_KEY,
      JSON.stringify({ accessToken: 'tok', expiresAt: Date.now() + 60_000, user }),
    );
    const { store, keyStore } = setup();

    expect(store.accessToken()).toBe('tok');
    await expect(store.restore()).resolves.toBe(true);
    expect(keyStore.load).toHaveBeenCalledWith(user.userId);
    expect(store.device()).toBe(account.device);
    expect(store.isReady()).toBe(true);
  });

  it('drops an expired saved session and says why', async () => {
    sessionStorage.setItem(SESSION_STORAGE_KEY, JSON.stringify({ accessToken: 'tok', expiresAt: Date.now() - 1, user }));
    const { store } = setup();

    await expect(store.restore()).resolves.toBe(false);
    expect(store.accessToken()).toBeNull();
    expect(store.notice()).toMatch(/expired/);
    expect(sessionStorage.getItem(SESSION_STORAGE_KEY)).toBeNull();
  });

  it('refuses a saved session when this browser has no keys for the account', async () => {
    sessionStorage.setItem(
      SESSION_STORAGE_KEY,
      JSON.stringify({ accessToken: 'tok', expiresAt: Date.now() + 60_000, user }),
    );
    const { store } = setup(null);

    await expect(store.restore()).resolves.toBe(false);
    expect(store.isReady()).toBe(false);
  });

  it('ignores a malformed saved session', async () => {
    sessionStorage.setItem(SESSION_STORAGE_KEY, '{not json');
    const { store } = setup();

    expect(store.accessToken()).toBeNull();
    await expect(store.restore()).resolves.toBe(false);
  });

  it('says the session was ended elsewhere when the socket heard so, whichever path logs out next', () => {
    const { store } = setup();
    store.start({ accessToken: 'tok', expiresIn: 900, user }, account);
    store.endedElsewhere();
    store.logout('Your session has expired. Log in again.'); // an API call's failed renewal won the race

    expect(store.notice()).toBe(SESSION_REVOKED_NOTICE);
    store.start({ accessToken: 'tok', expiresIn: 900, user }, account);
    store.logout('Your session has expired. Log in again.');
    expect(store.notice()).toBe('Your session has expired. Log in again.');
  });

  it('logs out: clears the token, the user and sessionStorage', () => {
    const { store } = setup();
    store.start({ accessToken: 'tok', expiresIn: 900, user }, account);
    store.logout('Bye.');

    expect(store.accessToken()).toBeNull();
    expect(store.user()).toBeNull();
    expect(store.device()).toBeNull();
    expect(store.notice()).toBe('Bye.');
    expect(sessionStorage.getItem(SESSION_STORAGE_KEY)).toBeNull();
  });

  describe('refresh', () => {
    const ok = (body: unknown) => Promise.resolve({ ok: true, status: 200, json: () => Promise.resolve(body) });
    afterEach(() => delete (globalThis as { fetch?: unknown }).fetch);

    it('renews the access token with the refresh cookie, once for many callers', async () => {
      const fetchMock = jest.fn(() => ok({ accessToken: 'tok2', expiresIn: 900, user }));
      (globalThis as { fetch?: unknown }).fetch = fetchMock;
      const { store } = setup();
      store.start({ accessToken: 'tok', expiresIn: 900, user }, account);

      await expect(Promise.all([store.refresh(), store.refresh()])).resolves.toEqual([true, true]);
      expect(fetchMock).toHaveBeenCalledTimes(1);
      expect(fetchMock).toHaveBeenCalledWith('/api/auth/refresh', expect.objectContaining({ method: 'POST' }));
      expect(store.accessToken()).toBe('tok2');
      expect(JSON.parse(sessionStorage.getItem(SESSION_STORAGE_KEY) ?? '{}').accessToken).toBe('tok2');
    });

    it('refuses a renewed token for another account (the cookie is shared by every tab)', async () => {
      (globalThis as { fetch?: unknown }).fetch = jest.fn(() => ok({ accessToken: 'bob', expiresIn: 900,
        user: { ...user, userId: 'BBBBBBBBBBBBBBBBBBBBBB' } }));
      const { store } = setup();
      store.start({ accessToken: 'tok', expiresIn: 900, user }, account);

      await expect(store.refresh()).resolves.toBe(false);
      expect(store.accessToken()).toBe('tok');
    });

    it('restores an expired saved session by renewing it', async () => {
      (globalThis as { fetch?: unknown }).fetch = jest.fn(() => ok({ accessToken: 'tok2', expiresIn: 900, user }));
      sessionStorage.setItem(SESSION_STORAGE_KEY, JSON.stringify({ accessToken: 'tok', expiresAt: Date.now() - 1, user }));
      const { store } = setup();

      await expect(store.restore()).resolves.toBe(true);
      expect(store.accessToken()).toBe('tok2');
    });

    describe('a refused renewal says why the session ended', () => {
      const EXPIRED = 'Your session has expired. Log in again.';
      const refused = (body: unknown) => Promise.resolve({ ok: false, status: 401, json: () => Promise.resolve(body) });
      const refusal = (reason: string) =>
        refused({ statusCode: 401, error: 'Unauthorized', message: 'the session has ended; log in again', reason });
      const savedExpired = () => sessionStorage.setItem(SESSION_STORAGE_KEY,
        JSON.stringify({ accessToken: 'tok', expiresAt: Date.now() - 1, user }));
      afterEach(() => jest.useRealTimers());

      it.each([
        ['revoked', SESSION_REVOKED_NOTICE],
        ['expired', EXPIRED],
        ['invalid', EXPIRED],
      ])('on a reload: reason %s -> "%s"', async (reason, notice) => {
        (globalThis as { fetch?: unknown }).fetch = jest.fn(() => refusal(reason));
        savedExpired();
        const { store } = setup();

        await expect(store.restore()).resolves.toBe(false);
        expect(store.accessToken()).toBeNull();
        expect(store.notice()).toBe(notice);
      });

      it('says "expired" when the refusal has no readable reason', async () => {
        (globalThis as { fetch?: unknown }).fetch = jest.fn(() =>
          Promise.resolve({ ok: false, status: 401, json: () => Promise.reject(new SyntaxError('not JSON')) }));
        savedExpired();
        const { store } = setup();

        await expect(store.restore()).resolves.toBe(false);
        expect(store.notice()).toBe(EXPIRED);
      });

      it('ends the session at once, on the login page, when the timer\'s renewal is refused as revoked', async () => {
        jest.useFakeTimers();
        const fetchMock = jest.fn(() => refusal('revoked'));
        (globalThis as { fetch?: unknown }).fetch = fetchMock;
        const { store, router } = setup();
        store.start({ accessToken: 'tok', expiresIn: 900, user }, account);

        await jest.advanceTimersByTimeAsync(841_000); // a minute before the token expires
        expect(fetchMock).toHaveBeenCalledWith('/api/auth/refresh', expect.objectContaining({ method: 'POST' }));
        expect(store.accessToken()).toBeNull();
        expect(store.notice()).toBe(SESSION_REVOKED_NOTICE);
        expect(router.navigateByUrl).toHaveBeenCalledWith('/login');
      });

      it('remembers a "revoked" answer to an API call\'s renewal for whichever path logs out next', async () => {
        (globalThis as { fetch?: unknown }).fetch = jest.fn(() => refusal('revoked'));
        const { store } = setup();
        store.start({ accessToken: 'tok', expiresIn: 900, user }, account);

        await expect(store.refresh()).resolves.toBe(false);
        expect(store.accessToken()).toBe('tok'); // the caller decides
        store.logout(EXPIRED); // e.g. the interceptor, whose call got 401
        expect(store.notice()).toBe(SESSION_REVOKED_NOTICE);
      });

      it('does not let the timer\'s "expired" answer pass for a revocation', async () => {
        jest.useFakeTimers();
        (globalThis as { fetch?: unknown }).fetch = jest.fn(() => refusal('expired'));
        const { store } = setup();
        store.start({ accessToken: 'tok', expiresIn: 900, user }, account);

        await jest.advanceTimersByTimeAsync(841_000);
        expect(store.accessToken()).toBe('tok'); // the next call renews again; only a revocation ends it at once
        store.logout(EXPIRED);
        expect(store.notice()).toBe(EXPIRED);
      });

      it('forgets a "revoked" answer once a renewal succeeds (a new login\'s cookie, from another tab)', async () => {
        const fetchMock = jest.fn(() => refusal('revoked'));
        (globalThis as { fetch?: unknown }).fetch = fetchMock;
        const { store } = setup();
        store.start({ accessToken: 'tok', expiresIn: 900, user }, account);

        await expect(store.refresh()).resolves.toBe(false);
        fetchMock.mockImplementation(() => ok({ accessToken: 'tok2', expiresIn: 900, user }) as never);
        await expect(store.refresh()).resolves.toBe(true);
        store.logout(EXPIRED);
        expect(store.notice()).toBe(EXPIRED);
      });
    });

    it('logs out on the server when the user logs out', async () => {
      const fetchMock = jest.fn(() => Promise.resolve({ ok: true, status: 204 }));
      (globalThis as { fetch?: unknown }).fetch = fetchMock;
      const { store } = setup();
      store.start({ accessToken: 'tok', expiresIn: 900, user }, account);

      await store.signOut(true);
      expect(store.accessToken()).toBeNull();
      expect(fetchMock).toHaveBeenCalledTimes(1);
      expect(fetchMock).toHaveBeenCalledWith('/api/auth/logout', expect.objectContaining({ body: '{"all":true}' }));
    });
  });
});
