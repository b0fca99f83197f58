import { TestBed } from '@angular/core/testing';
import type { DeviceKeys, IdentityKeys } from '@parley/shared/crypto';
import { KeyStore, type StoredAccount } from './key-store';
import { SESSION_STORAGE_KEY, SessionStore } from './session-store';

const user = { userId: 'AAAAAAAAAAAAAAAAAAAAAA', username: 'alice', displayName: 'Alice' };
const account: StoredAccount = {
  userId: user.userId,
  device: { deviceId: 'dev1' } as unknown as DeviceKeys,
  identity: { publicKey: 'uik' } as unknown as IdentityKeys,
};

function setup(stored: StoredAccount | null = account) {
  const keyStore = { load: jest.fn().mockResolvedValue(stored ?? undefined), save: jest.fn(), remove: jest.fn() };
  TestBed.configureTestingModule({ providers: [{ provide: KeyStore, useValue: keyStore }] });
  return { store: TestBed.inject(SessionStore), keyStore };
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
});
