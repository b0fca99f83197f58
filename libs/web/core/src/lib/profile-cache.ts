import { Injectable, InjectionToken, inject, signal } from '@angular/core';
import type { PublicProfile } from '@parley/shared/contracts';
import {
  IndexedDbTrustStore,
  MemoryTrustStore,
  TrustManager,
  verifyDeviceCert,
  type DeviceCert,
  type TrustStatus,
  type TrustStore,
} from '@parley/shared/crypto';
import { ApiClient } from './api-client';
import { SessionStore } from './session-store';

/** A public profile whose device certificates all verified against its identity key. */
export interface VerifiedProfile {
  userId: string;
  username: string;
  displayName: string;
  uikPublicKey: string;
  /** Verified, non-revoked devices. */
  devices: DeviceCert[];
  /**
   * The newest verified certificate of every device, revoked ones included: old membership ops were signed by
   * devices that may have been revoked since.
   */
  certs: DeviceCert[];
}

/** The server presented an identity key for a user that differs from the one pinned for this tab (your own). */
export class IdentityChangedError extends Error {
  constructor(readonly userId: string, readonly username: string) {
    super(
      `Security warning: the identity key of “${username}” changed. ` +
        'Their devices are not trusted until you check their safety number.',
    );
    this.name = 'IdentityChangedError';
  }
}

/** What this client knows about a contact's identity key (TOFU pin, verified mark, change). */
export interface IdentityView {
  userId: string;
  displayName: string;
  /** The key the server presents now. */
  uikPublicKey: string;
  verified: boolean;
  /** The key differs from the one pinned before, and the user has not dismissed or acknowledged that yet. */
  changed: boolean;
  /** A verified contact's key changed: sending to them is blocked until the user acknowledges it. */
  blocked: boolean;
}

/** Opens the trust store (TOFU pins, verified marks) of one local account. */
export const TRUST_STORE_FACTORY = new InjectionToken<(accountId: string) => TrustStore>('TRUST_STORE_FACTORY', {
  providedIn: 'root',
  factory: () => (accountId: string) =>
    typeof indexedDB === 'undefined' ? new MemoryTrustStore() : new IndexedDbTrustStore(`parley-trust-${accountId}`),
});

/**
 * Public profiles, fetched and verified: each DeviceCert must verify against the profile's UIK. Each contact's
 * UIK goes through the TrustManager (pinned on first use in IndexedDB, change detection, verified mark); a change
 * shows in `identities`. Your own key is pinned from your secret bundle, and a different one is refused.
 */
@Injectable({ providedIn: 'root' })
export class ProfileCache {
  private readonly api = inject(ApiClient);
  private readonly session = inject(SessionStore);
  private readonly openTrustStore = inject(TRUST_STORE_FACTORY);
  private readonly pins = new Map<string, string>();
  private readonly cache = new Map<string, Promise<VerifiedProfile>>();
  private readonly _warnings = signal<readonly string[]>([]);
  private readonly _identities = signal<Readonly<Record<string, IdentityView>>>({});
  private trustManager?: { accountId: string; manager: TrustManager };

  /** Security problems the user should see (own identity key changed, certificates that did not verify). */
  readonly warnings = this._warnings.asReadonly();
  /** Every contact whose profile this tab fetched, by userId. */
  readonly identities = this._identities.asReadonly();

  /** Pins a user's identity key known from elsewhere (e.g. your own, from your secret bundle). */
  pin(userId: string, uikPublicKey: string): void {
    if (!this.pins.has(userId)) this.pins.set(userId, uikPublicKey);
  }

  get(userId: string, options: { refresh?: boolean } = {}): Promise<VerifiedProfile> {
    let entry = options.refresh ? undefined : this.cache.get(userId);
    if (!entry) {
      entry = this.fetch(userId);
      this.cache.set(userId, entry);
      entry.catch(() => {
        if (this.cache.get(userId) === entry) this.cache.delete(userId);
      });
    }
    return entry;
  }

  /** The verified certificate of one active device; refetches the profile once for a device not seen yet. */
  async deviceCert(userId: string, deviceId: string): Promise<DeviceCert> {
    const find = (p: VerifiedProfile) => p.devices.find((d) => d.deviceId === deviceId);
    const cert = find(await this.get(userId)) ?? find(await this.get(userId, { refresh: true }));
    if (!cert) throw new Error('The sender’s device is not certified by their identity key.');
    return cert;
  }

  /**
   * The newest verified certificate of a device, revoked or not (for checking old signatures), or undefined when
   * the user never certified it. Refetches once for a device not seen yet.
   */
  async resolveDevice(userId: string, deviceId: string): Promise<DeviceCert | undefined> {
    // A failed fetch rejects (the caller says "try again"), rather than reading as "not certified" (an attack).
    const find = (p: VerifiedProfile) => p.certs.find((d) => d.deviceId === deviceId);
    return find(await this.get(userId)) ?? find(await this.get(userId, { refresh: true }));
  }

  /** A display name for a user, falling back to a short id when the profile cannot be fetched. */
  async displayName(userId: string): Promise<string> {
    try {
      return (await this.get(userId)).displayName;
    } catch {
      return `user ${userId.slice(0, 6)}`;
    }
  }

  /** The trust rules over the signed-in account's trust store. */
  trust(): TrustManager {
    const accountId = this.session.user()?.userId ?? 'anonymous';
    if (this.trustManager?.accountId !== accountId) {
      this.trustManager = { accountId, manager: new TrustManager(this.openTrustStore(accountId)) };
    }
    return this.trustManager.manager;
  }

  /** The user compared safety numbers with `userId`: marks the presented (pinned) key as verified. */
  async markVerified(userId: string): Promise<void> {
    const view = this._identities()[userId];
    if (!view) throw new Error('Open a room with this person first.');
    await this.trust().markVerified(userId, view.uikPublicKey);
    this.setIdentity({ ...view, verified: true, changed: false, blocked: false });
  }

  /**
   * The user saw a contact's key change: the new key is pinned (unverified until compared again) and sending is
   * no longer blocked.
   */
  async acknowledgeChange(userId: string): Promise<void> {
    const view = this._identities()[userId];
    if (!view) return;
    await this.trust().acknowledgeChange(userId);
    this.setIdentity({ ...view, verified: false, changed: false, blocked: false });
  }

  clear(): void {
    this.cache.clear();
    this.pins.clear();
    this._warnings.set([]);
    this._identities.set({});
    this.trustManager = undefined;
  }

  private async fetch(userId: string): Promise<VerifiedProfile> {
    const profile: PublicProfile = await this.api.getProfile(userId);
    if (profile.userId !== userId) throw new Error('The server returned the wrong profile.');
    const pinned = this.pins.get(userId);
    if (pinned && pinned !== profile.uikPublicKey) {
      const error = new IdentityChangedError(userId, profile.username);
      this.warn(error.message);
      throw error;
    }
    if (!pinned) await this.observe(profile);
    const valid: DeviceCert[] = [];
    for (const cert of profile.devices) {
      try {
        if (cert.userId !== userId) throw new Error('certificate names another user');
        await verifyDeviceCert(cert, profile.uikPublicKey);
        valid.push(cert);
      } catch {
        this.warn(`A device of “${profile.username}” has an invalid certificate and is ignored.`);
      }
    }
    // A revocation certificate for a device outranks any earlier certificate of it.
    const revoked = new Set(valid.filter((c) => c.revoked).map((c) => c.deviceId));
    const newest = new Map<string, DeviceCert>();
    for (const cert of valid) {
      const seen = newest.get(cert.deviceId);
      if (!seen || cert.revoked || (!seen.revoked && cert.listVersion > seen.listVersion)) newest.set(cert.deviceId, cert);
    }
    return {
      userId,
      username: profile.username,
      displayName: profile.displayName,
      uikPublicKey: profile.uikPublicKey,
      devices: valid.filter((c) => !revoked.has(c.deviceId)),
      certs: [...newest.values()],
    };
  }

  /** TOFU: the first key seen is pinned; a later, different one is reported (and blocks sending if verified). */
  private async observe(profile: PublicProfile): Promise<void> {
    const status: TrustStatus = await this.trust().observe(profile.userId, profile.uikPublicKey);
    const before = this._identities()[profile.userId];
    const changed = status.state === 'changed' || (before?.changed === true && before.uikPublicKey === profile.uikPublicKey);
    this.setIdentity({
      userId: profile.userId,
      displayName: profile.displayName,
      uikPublicKey: profile.uikPublicKey,
      verified: status.verified && !status.blocked,
      changed,
      blocked: status.blocked,
    });
  }

  /** Hides the warning about an unverified contact's changed key (nothing is blocked for them). */
  dismissChange(userId: string): void {
    const view = this._identities()[userId];
    if (view && !view.blocked) this.setIdentity({ ...view, changed: false });
  }

  private setIdentity(view: IdentityView): void {
    this._identities.update((all) => ({ ...all, [view.userId]: view }));
  }

  private warn(message: string): void {
    this._warnings.update((list) => (list.includes(message) ? list : [...list, message]));
  }
}
