import { Injectable, inject, signal } from '@angular/core';
import type { PublicProfile } from '@parley/shared/contracts';
import { verifyDeviceCert, type DeviceCert } from '@parley/shared/crypto';
import { ApiClient } from './api-client';

/** A public profile whose device certificates all verified against its (pinned) identity key. */
export interface VerifiedProfile {
  userId: string;
  username: string;
  displayName: string;
  uikPublicKey: string;
  /** Verified, non-revoked devices. */
  devices: DeviceCert[];
}

/** The server presented an identity key for a user that differs from the one first seen (TOFU). */
export class IdentityChangedError extends Error {
  constructor(readonly userId: string, readonly username: string) {
    super(
      `Security warning: the identity key of “${username}” changed. ` +
        'Their devices are not trusted until you check their safety number.',
    );
    this.name = 'IdentityChangedError';
  }
}

/**
 * Public profiles, fetched once and verified: each DeviceCert must verify against the profile's UIK, and the
 * first UIK seen per user is pinned for the lifetime of the tab (trust on first use). A changed UIK is refused
 * and reported in `warnings`.
 */
@Injectable({ providedIn: 'root' })
export class ProfileCache {
  private readonly api = inject(ApiClient);
  private readonly pins = new Map<string, string>();
  private readonly cache = new Map<string, Promise<VerifiedProfile>>();
  private readonly _warnings = signal<readonly string[]>([]);

  /** Security problems the user should see (changed identity keys, certificates that did not verify). */
  readonly warnings = this._warnings.asReadonly();

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

  /** The verified certificate of one device; refetches the profile once for a device not seen yet. */
  async deviceCert(userId: string, deviceId: string): Promise<DeviceCert> {
    const find = (p: VerifiedProfile) => p.devices.find((d) => d.deviceId === deviceId);
    const cert = find(await this.get(userId)) ?? find(await this.get(userId, { refresh: true }));
    if (!cert) throw new Error('The sender’s device is not certified by their identity key.');
    return cert;
  }

  /** A display name for a user, falling back to a short id when the profile cannot be fetched. */
  async displayName(userId: string): Promise<string> {
    try {
      return (await this.get(userId)).displayName;
    } catch {
      return `user ${userId.slice(0, 6)}`;
    }
  }

  clear(): void {
    this.cache.clear();
    this.pins.clear();
    this._warnings.set([]);
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
    const devices = valid.filter((c) => !revoked.has(c.deviceId));
    this.pins.set(userId, profile.uikPublicKey);
    return {
      userId,
      username: profile.username,
      displayName: profile.displayName,
      uikPublicKey: profile.uikPublicKey,
      devices,
    };
  }

  private warn(message: string): void {
    this._warnings.update((list) => (list.includes(message) ? list : [...list, message]));
  }
}
