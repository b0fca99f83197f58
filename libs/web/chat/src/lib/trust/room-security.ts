import { Injectable, signal } from '@angular/core';

/** What the receiver-side checks found about one room (DESIGN §3): shown in the room, and it gates sending. */
export interface RoomSecurityState {
  /** The membership chain failed verification, or the server's member list differs from it. Blocks sending. */
  chainError: string | null;
  /** Epoch key envelopes that were rejected (newest last). */
  epochErrors: readonly string[];
  /**
   * One of them claims to be newer than every accepted epoch, or the server replays an old epoch as the newest:
   * the key to send under cannot be trusted, so sending is disabled. (A rejected older epoch only costs history.)
   */
  epochBlocked: boolean;
  /** The members the verified chain proves (userIds), empty until it verified once. */
  members: readonly string[];
}

const EMPTY: RoomSecurityState = { chainError: null, epochErrors: [], epochBlocked: false, members: [] };
const MAX_EPOCH_ERRORS = 5;

/**
 * The security findings per room, as signals, written by RoomCrypto and read by the trust UI. Sender-seq gaps are
 * kept by the messageId that arrived after the gap, so the message list can mark the spot.
 */
@Injectable({ providedIn: 'root' })
export class RoomSecurity {
  private readonly _rooms = signal<Readonly<Record<string, RoomSecurityState>>>({});
  private readonly _gaps = signal<Readonly<Record<string, string>>>({});

  readonly rooms = this._rooms.asReadonly();
  /** messageId → the user whose messages may be missing right before it. */
  readonly gaps = this._gaps.asReadonly();

  state(roomId: string): RoomSecurityState {
    return this._rooms()[roomId] ?? EMPTY;
  }

  /** Why sending to this room is disabled by a failed check, or null. */
  blockedReason(roomId: string): string | null {
    const state = this.state(roomId);
    if (state.chainError) return 'Sending is disabled: this room’s membership could not be verified.';
    if (state.epochBlocked) return 'Sending is disabled: the server offered a room key that failed verification.';
    return null;
  }

  chainVerified(roomId: string, members: readonly string[]): void {
    this.update(roomId, { chainError: null, members: [...members] });
  }

  /** `members`: what a valid chain proves when only the server's member list disagrees with it. */
  chainFailed(roomId: string, message: string, members?: readonly string[]): void {
    this.update(roomId, members ? { chainError: message, members: [...members] } : { chainError: message });
  }

  epochRejected(roomId: string, message: string, blocking: boolean): void {
    const state = this.state(roomId);
    const errors = state.epochErrors.filter((e) => e !== message);
    this.update(roomId, { epochErrors: [...errors, message].slice(-MAX_EPOCH_ERRORS), epochBlocked: state.epochBlocked || blocking });
  }

  /** A fresh, complete set of envelopes verified: earlier rejections no longer apply. */
  epochsVerified(roomId: string): void {
    if (this.state(roomId).epochErrors.length > 0) this.update(roomId, { epochErrors: [], epochBlocked: false });
  }

  gapBefore(messageId: string, senderUserId: string): void {
    this._gaps.update((gaps) => ({ ...gaps, [messageId]: senderUserId }));
  }

  private update(roomId: string, change: Partial<RoomSecurityState>): void {
    this._rooms.update((all) => ({ ...all, [roomId]: { ...(all[roomId] ?? EMPTY), ...change } }));
  }
}
