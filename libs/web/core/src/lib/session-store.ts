import { Injectable, computed, inject, signal } from '@angular/core';
import type { AuthResponse, UserSummary } from '@parley/shared/contracts';
import type { DeviceKeys, IdentityKeys } from '@parley/shared/crypto';
import { KeyStore, type StoredAccount } from './key-store';

/** What survives a reload in sessionStorage (per tab; keys stay in IndexedDB, never here). */
interface PersistedSession {
  accessToken: string;
  /** ms since the epoch */
  expiresAt: number;
  user: UserSummary;
}

export const SESSION_STORAGE_KEY = 'parley.session';

/**
 * The signed-in user: access token, profile, and this browser's device keys. The token lives in sessionStorage
 * so that a reload keeps the session; the device keys are loaded from IndexedDB by `restore()`.
 */
@Injectable({ providedIn: 'root' })
export class SessionStore {
  private readonly keyStore = inject(KeyStore);

  private readonly _user = signal<UserSummary | null>(null);
  private readonly _accessToken = signal<string | null>(null);
  private readonly _device = signal<DeviceKeys | null>(null);
  private readonly _identity = signal<IdentityKeys | null>(null);
  private readonly _notice = signal<string | null>(null);
  private expiresAt = 0;
  private restoring?: Promise<boolean>;

  readonly user = this._user.asReadonly();
  readonly accessToken = this._accessToken.asReadonly();
  readonly device = this._device.asReadonly();
  readonly identity = this._identity.asReadonly();
  /** A message for the login page (e.g. why the session ended). */
  readonly notice = this._notice.asReadonly();
  /** Signed in with a token and this browser's device keys. */
  readonly isReady = computed(() => !!this._accessToken() && !!this._user() && !!this._device());

  constructor() {
    const saved = readPersisted();
    if (saved) {
      this._accessToken.set(saved.accessToken);
      this._user.set(saved.user);
      this.expiresAt = saved.expiresAt;
    }
  }

  /** Starts a session after login or registration; the account's keys must already be in the KeyStore. */
  start(auth: Pick<AuthResponse, 'accessToken' | 'expiresIn' | 'user'>, account: StoredAccount): void {
    this.expiresAt = Date.now() + auth.expiresIn * 1000;
    this._accessToken.set(auth.accessToken);
    this._user.set(auth.user);
    this._device.set(account.device);
    this._identity.set(account.identity);
    this._notice.set(null);
    this.restoring = Promise.resolve(true);
    writePersisted({ accessToken: auth.accessToken, expiresAt: this.expiresAt, user: auth.user });
  }

  /**
   * Resolves true when there is a usable session: a saved, unexpired token and this browser's device keys.
   * Safe to call many times (the IndexedDB read happens once).
   */
  restore(): Promise<boolean> {
    this.restoring ??= this.load();
    return this.restoring;
  }

  /** Ends the session in this tab. The device keys stay in IndexedDB: they are this browser's device. */
  logout(notice: string | null = null): void {
    this._accessToken.set(null);
    this._user.set(null);
    this._device.set(null);
    this._identity.set(null);
    this._notice.set(notice);
    this.expiresAt = 0;
    this.restoring = undefined;
    try {
      sessionStorage.removeItem(SESSION_STORAGE_KEY);
    } catch {
      // Storage may be unavailable (privacy mode); nothing to clear then.
    }
  }

  clearNotice(): void {
    this._notice.set(null);
  }

  private async load(): Promise<boolean> {
    const user = this._user();
    if (!user || !this._accessToken()) return false;
    if (this.expiresAt <= Date.now()) {
      this.logout('Your session has expired. Log in again.');
      return false;
    }
    if (this._device()) return true;
    try {
      const account = await this.keyStore.load(user.userId);
      if (!account) {
        this.logout('This browser has no keys for your account. Log in again.');
        return false;
      }
      this._device.set(account.device);
      this._identity.set(account.identity);
      return true;
    } catch (error) {
      this.logout(error instanceof Error ? error.message : 'Could not read your keys.');
      return false;
    }
  }
}

function readPersisted(): PersistedSession | null {
  try {
    const raw = sessionStorage.getItem(SESSION_STORAGE_KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<PersistedSession>;
    if (typeof parsed.accessToken !== 'string' || typeof parsed.expiresAt !== 'number' || !parsed.user?.userId) {
      return null;
    }
    return parsed as PersistedSession;
  } catch {
    return null;
  }
}

function writePersisted(session: PersistedSession): void {
  try {
    sessionStorage.setItem(SESSION_STORAGE_KEY, JSON.stringify(session));
  } catch {
    // Without storage the session simply does not survive a reload.
  }
}
