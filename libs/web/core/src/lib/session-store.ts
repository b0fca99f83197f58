import { Injectable, computed, inject, signal } from '@angular/core';
import { Router } from '@angular/router';
import {
  AUTH_API, type AuthResponse, type RefreshError, type RefreshResponse, type UserSummary,
} from '@parley/shared/contracts';
import type { DeviceKeys, IdentityKeys } from '@parley/shared/crypto';
import { KeyStore, type StoredAccount } from './key-store';

/** What survives a reload in sessionStorage (per tab; keys stay in IndexedDB, never here). */
interface PersistedSession {
  accessToken: string;
  /** ms since the epoch */
  expiresAt: number;
  user: UserSummary;
}

/** What the login page says when the server ended this session (a sign-out elsewhere, a revocation). */
export const SESSION_REVOKED_NOTICE = 'This session was ended from another device. Log in again.';
/** What the login page says when a session ran out (or its renewal failed for any other reason). */
export const SESSION_EXPIRED_NOTICE = 'Your session has expired. Log in again.';

export const SESSION_STORAGE_KEY = 'parley.session';
/** Refresh this long before the access token expires (it lives 15 minutes). */
const REFRESH_AHEAD_MS = 60_000;

/**
 * The signed-in user: access token, profile, and this browser's device keys. The token lives in sessionStorage
 * so that a reload keeps the session; the device keys are loaded from IndexedDB by `restore()`. The access token
 * lives 15 minutes: a minute before it expires (or when a call gets 401) it is renewed with the refresh token,
 * which only the browser holds (an HttpOnly cookie no script can read).
 */
@Injectable({ providedIn: 'root' })
export class SessionStore {
  private readonly keyStore = inject(KeyStore);
  private readonly router = inject(Router);

  private readonly _user = signal<UserSummary | null>(null);
  private readonly _accessToken = signal<string | null>(null);
  private readonly _device = signal<DeviceKeys | null>(null);
  private readonly _identity = signal<IdentityKeys | null>(null);
  private readonly _notice = signal<string | null>(null);
  private revokedElsewhere = false;
  private expiresAt = 0;
  private restoring?: Promise<boolean>;
  private refreshing?: Promise<boolean>;
  private timer?: ReturnType<typeof setTimeout>;

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
      this.schedule();
    }
  }

  /** Starts a session after login or registration; the account's keys must already be in the KeyStore. */
  start(auth: Pick<AuthResponse, 'accessToken' | 'expiresIn' | 'user'>, account: StoredAccount): void {
    this.setToken(auth);
    this._device.set(account.device);
    this._identity.set(account.identity);
    this._notice.set(null);
    this.restoring = Promise.resolve(true);
  }

  /** True when the access token is gone or about to expire: renew before using it. */
  expiresSoon(): boolean {
    return this.expiresAt - Date.now() < 30_000;
  }

  /**
   * The server said this session was ended elsewhere (the socket's `session-revoked`, or a renewal refused with
   * reason `revoked`). Whichever path ends the session here next (the socket's own, an API call whose renewal
   * fails, a reload) says so, not "expired".
   */
  endedElsewhere(): void {
    this.revokedElsewhere = true;
  }

  /**
   * Trades the refresh cookie for a new access token. One request at a time (callers share it). False when the
   * session has ended (revoked, logged out elsewhere, reused token) or the server was not reached; the caller
   * decides whether that ends the session here. A refusal that says the session was revoked is remembered (see
   * `endedElsewhere`), whichever path renewed: the timer, a reload, an API call's retry, the socket.
   */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.renew().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /**
   * Logs out on the server too: this session, or every session of the account (`all`). The local session ends
   * whatever the server says.
   */
  async signOut(all = false): Promise<void> {
    const token = this._accessToken();
    this._accessToken.set(null); // so that logout() does not tell the server a second time
    this.logout();
    if (token) await serverLogout(token, all);
  }

  /**
   * Resolves true when there is a usable session: a saved, unexpired token and this browser's device keys.
   * Safe to call many times (the IndexedDB read happens once).
   */
  restore(): Promise<boolean> {
    this.restoring ??= this.load();
    return this.restoring;
  }

  /**
   * Ends the session in this tab. The device keys stay in IndexedDB: they are this browser's device. Without a
   * notice it is the user logging out, so the server session ends too (its refresh token dies).
   */
  logout(notice: string | null = null): void {
    const token = this._accessToken();
    if (notice === null && token) void serverLogout(token, false);
    // The socket heard why first; the failed renewal that often ends the session a moment later cannot tell.
    if (notice !== null && this.revokedElsewhere) notice = SESSION_REVOKED_NOTICE;
    this.revokedElsewhere = false;
    clearTimeout(this.timer);
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
    if (this.expiresAt <= Date.now() && !(await this.refresh())) {
      this.logout(SESSION_EXPIRED_NOTICE);
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

  private setToken(auth: Pick<RefreshResponse, 'accessToken' | 'expiresIn' | 'user'>): void {
    this.expiresAt = Date.now() + auth.expiresIn * 1000;
    this._accessToken.set(auth.accessToken);
    this._user.set(auth.user);
    writePersisted({ accessToken: auth.accessToken, expiresAt: this.expiresAt, user: auth.user });
    this.schedule();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    const delay = Math.max(5_000, this.expiresAt - Date.now() - REFRESH_AHEAD_MS);
    this.timer = setTimeout(() => void this.renewInBackground(), delay);
  }

  /**
   * The timer's renewal. A refusal that says the session was revoked ends it here at once, on the login page: the
   * access token would still work for up to a minute, but the user should not keep writing into a session that
   * was ended from another device. Other failures (offline, expired) are left to the next call, which retries.
   */
  private async renewInBackground(): Promise<void> {
    if ((await this.refresh()) || !this.revokedElsewhere || !this._accessToken()) return;
    this.logout(SESSION_REVOKED_NOTICE);
    await this.router.navigateByUrl('/login');
  }

  private async renew(): Promise<boolean> {
    const user = this._user();
    if (!user) return false;
    try {
      const res = await fetch(AUTH_API.refresh, { method: 'POST', credentials: 'same-origin' });
      if (!res.ok) {
        if (res.status === 401 && (await refusalReason(res)) === 'revoked') this.endedElsewhere();
        return false;
      }
      const body = (await res.json()) as RefreshResponse;
      // The cookie is per browser: if another tab signed in as someone else, this tab must not become them.
      if (body.user?.userId !== user.userId || typeof body.accessToken !== 'string') return false;
      // The session lives (the cookie may be a new login's, from another tab): an earlier "revoked" is stale.
      this.revokedElsewhere = false;
      this.setToken(body);
      return true;
    } catch {
      return false;
    }
  }
}

/** The `reason` of a refused refresh (`RefreshError`), if the body has one. */
async function refusalReason(res: Response): Promise<RefreshError['reason'] | undefined> {
  try {
    const body = (await res.json()) as Partial<RefreshError> | null;
    return body?.reason;
  } catch {
    return undefined; // not JSON (a proxy's error page): no reason given
  }
}

async function serverLogout(token: string, all: boolean): Promise<void> {
  try {
    await fetch(AUTH_API.logout, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ all }),
    });
  } catch {
    // Offline: the access token dies within 15 minutes; the refresh cookie is cleared by the next login.
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
