import { Injectable, inject } from '@angular/core';
import { pairSafetyNumber } from '@parley/shared/crypto';
import { ProfileCache, SessionStore, type IdentityView } from '@parley/web/core';
import { RoomSecurity } from './room-security';

/** The safety number of me and one contact, as both of us see it. */
export interface SafetyNumberView {
  userId: string;
  displayName: string;
  /** 60 digits in twelve groups of five, as Signal shows them. */
  groups: string[];
  /** What a QR code of this pair encodes (identical on both sides). */
  qr: string;
  verified: boolean;
  /** The contact's key changed and waits for acknowledgement: it cannot be marked verified before that. */
  changed: boolean;
}

/**
 * Trust on the UI side (DESIGN §3, "Trust"): safety numbers, the verified mark, changed keys per room. The pins
 * themselves live in the ProfileCache's TrustManager (IndexedDB).
 */
@Injectable({ providedIn: 'root' })
export class TrustService {
  private readonly profiles = inject(ProfileCache);
  private readonly security = inject(RoomSecurity);
  private readonly session = inject(SessionStore);

  readonly identities = this.profiles.identities;

  /** The other members of a room (as the verified chain says) with what this device knows of their keys. */
  members(roomId: string): IdentityView[] {
    const me = this.session.user()?.userId;
    const identities = this.identities();
    return this.security
      .state(roomId)
      .members.filter((id) => id !== me)
      .map((id) => identities[id])
      .filter((view): view is IdentityView => view !== undefined)
      .sort((a, b) => a.displayName.localeCompare(b.displayName));
  }

  /** Members of this room whose identity key changed since it was pinned (and not dismissed yet). */
  changedIn(roomId: string): IdentityView[] {
    return this.members(roomId).filter((m) => m.changed || m.blocked);
  }

  /** Why sending to this room is disabled right now, or null. */
  sendBlocked(roomId: string): string | null {
    const reason = this.security.blockedReason(roomId);
    if (reason) return reason;
    const blocked = this.members(roomId).find((m) => m.blocked);
    return blocked ? `Sending is paused: ${blocked.displayName}’s safety number changed. Confirm it above to continue.` : null;
  }

  async safetyNumber(userId: string): Promise<SafetyNumberView> {
    const me = this.session.user();
    const identity = this.session.identity();
    if (!me || !identity) throw new Error('You are not signed in.');
    const profile = await this.profiles.get(userId);
    const pair = await pairSafetyNumber(
      { userId: me.userId, uikPublic: identity.publicKey },
      { userId, uikPublic: profile.uikPublicKey },
    );
    const view = this.identities()[userId];
    return {
      userId,
      displayName: profile.displayName,
      groups: pair.digits.match(/.{5}/g) ?? [],
      qr: pair.qr,
      verified: view?.verified ?? false,
      changed: view?.blocked ?? false,
    };
  }

  markVerified(userId: string): Promise<void> {
    return this.profiles.markVerified(userId);
  }

  /** Accepts a changed key: a verified contact's is pinned (unverified again); an unverified one's warning goes. */
  async acknowledgeChange(userId: string): Promise<void> {
    if (this.identities()[userId]?.blocked) await this.profiles.acknowledgeChange(userId);
    else this.profiles.dismissChange(userId);
  }
}
