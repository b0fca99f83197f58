import { Injectable, inject } from '@angular/core';
import { USERNAME_PATTERN, type RoomDetail, type RoomSummary, type StoredMessage } from '@parley/shared/contracts';
import {
  ChainError,
  GENESIS_HASH,
  IdentityChangedError as TrustBlockedError,
  ParleyCryptoError,
  ReplayGuard,
  assertRosterMatches,
  assertSendableEpoch,
  createEpochKey,
  encryptMessage,
  hashRoomOp,
  openEpochKey,
  randomId,
  receiveMessage,
  sealEpochKey,
  signRoomOp,
  verifyRoomChain,
  verifyRoomEpoch,
  type DeviceKeys,
  type DeviceResolver,
  type EncryptedEvent,
  type EpochKeyEnvelope,
  type Payload,
  type RoomOp,
  type RoomOpKind,
  type VerifiedChain as ChainProof,
  type VerifiedEpoch,
} from '@parley/shared/crypto';
import { ApiClient, ApiRequestError, ProfileCache, SessionStore, type VerifiedProfile } from '@parley/web/core';
import { RoomSecurity } from './trust/room-security';
import { readItem, writeItem } from './safe-storage';

/** Room epoch keys known to this device, by epoch. */
export type Keyring = Map<number, Uint8Array>;

/** The roster rebuilt from the verified, hash-chained op log (not taken from the server's member list). */
export interface VerifiedChain {
  head: RoomOp;
  members: string[];
  /** The library's proof: every step, its hash and the roster after it. */
  chain: ChainProof;
}

/** A message could not be decrypted because this device holds no key for its epoch. */
export class MissingEpochKeyError extends Error {
  constructor(readonly epoch: number) {
    super(`No key for epoch ${epoch} on this device.`);
    this.name = 'MissingEpochKeyError';
  }
}

/** The room's signed membership history, or the server's member list, does not hold up. */
export class RoomIntegrityError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RoomIntegrityError';
  }
}

/**
 * The E2EE side of rooms (DESIGN §3): signs membership ops, seals and opens epoch keys, encrypts and decrypts
 * messages. Everything the server hands over goes through the receiver-side checks of `@parley/shared/crypto`
 * (chain, roster, epoch envelopes, signatures, replay, trust); what fails is recorded in RoomSecurity for the UI.
 */
@Injectable({ providedIn: 'root' })
export class RoomCrypto {
  private readonly api = inject(ApiClient);
  private readonly session = inject(SessionStore);
  private readonly profiles = inject(ProfileCache);
  private readonly security = inject(RoomSecurity);

  /** The verified envelope of every epoch this tab accepted, by room: its roster is who may send under it. */
  private readonly epochs = new Map<string, Map<number, VerifiedEpoch>>();
  /**
   * One ReplayGuard per keyring: a keyring lives exactly as long as the message list that shows its room (a
   * ChatStore), so a list rebuilt from history is not mistaken for a replay of the one shown before.
   */
  private readonly guards = new WeakMap<Keyring, ReplayGuard>();
  /** Messages of one room are received one at a time, in call order, so senderSeq gaps are judged in order. */
  private readonly receiving = new Map<string, Promise<unknown>>();
  /** Which room a keyring belongs to (chat-store keeps one per room), so `decrypt` knows the room it reads. */
  private readonly keyringRooms = new WeakMap<Keyring, string>();
  private readonly resolve: DeviceResolver = (userId, deviceId) => this.profiles.resolveDevice(userId, deviceId);

  /** Creates a room (signed `create` op) and its first epoch key, sealed to all of my devices. */
  async createRoom(name: string): Promise<RoomSummary> {
    const me = this.me();
    const roomId = randomId();
    const createOp = await signRoomOp(
      {
        v: 1,
        roomId,
        seq: 0,
        prevHash: GENESIS_HASH,
        op: 'create',
        target: me.userId,
        actorUserId: me.userId,
        actorDeviceId: me.device.deviceId,
      },
      me.device,
    );
    const room = await this.api.createRoom({ roomId, name, createOp });
    await this.rotate(roomId, 1, createOp, [me.userId]);
    return room;
  }

  /**
   * Adds a user by exact username: signed `add` op on the verified chain, then a new epoch sealed to every
   * verified device of every member. Returns the new member's profile.
   */
  async invite(roomId: string, rawUsername: string): Promise<VerifiedProfile> {
    const username = rawUsername.trim().replace(/^@/, '').toLowerCase();
    const notFound = new Error(`No user named “${username || rawUsername.trim()}”.`);
    if (!USERNAME_PATTERN.test(username)) throw notFound;
    const match = (await this.api.searchUsers(username)).find((u) => u.username === username);
    if (!match) throw notFound;
    const target = await this.profiles.get(match.userId, { refresh: true });
    if (target.devices.length === 0) throw new Error(`${target.displayName} has no verified device yet.`);

    const chain = await this.verifiedChain(roomId);
    if (chain.members.includes(match.userId)) throw new Error(`${target.displayName} is already in this room.`);
    const op = await this.appendOp(roomId, 'add', match.userId);

    // The new epoch covers the roster as the verified chain says, plus the new member.
    const members = [...new Set([...chain.members, match.userId])];
    for (let attempt = 0; ; attempt++) {
      const room = await this.api.getRoom(roomId);
      try {
        await this.rotate(roomId, room.currentEpoch + 1, op, members);
        break;
      } catch (error) {
        // Someone else rotated at the same moment: take the next epoch number once more.
        if (!(error instanceof ApiRequestError && error.status === 409) || attempt > 0) throw error;
      }
    }
    return target;
  }

  /**
   * Removes a member: a signed `remove` op on the verified chain, then at once a new epoch sealed to the members
   * left (DESIGN §3: the remover rotates), so the removed user reads nothing sent from now on.
   */
  async remove(roomId: string, userId: string): Promise<void> {
    const chain = await this.verifiedChain(roomId);
    if (!chain.members.includes(userId)) throw new Error('That user is not in this room.');
    const op = await this.appendOp(roomId, 'remove', userId);
    const members = chain.members.filter((m) => m !== userId);
    for (let attempt = 0; ; attempt++) {
      const room = await this.api.getRoom(roomId);
      try {
        await this.rotate(roomId, room.currentEpoch + 1, op, members);
        return;
      } catch (error) {
        if (!(error instanceof ApiRequestError && error.status === 409) || attempt > 0) throw error;
      }
    }
  }

  /** Leaves a room (a signed `leave` op). The next member to send rotates: their epoch no longer fits the roster. */
  async leave(roomId: string): Promise<void> {
    await this.appendOp(roomId, 'leave', this.me().userId);
  }

  /**
   * Starts a new epoch sealed to every member's current devices. Used when this device is a member but holds no
   * key for the current epoch (e.g. it was set up after the last rotation), so that from now on it can read and
   * write. Resolves false when someone else rotated first.
   */
  async rekey(roomId: string): Promise<boolean> {
    const chain = await this.verifiedChain(roomId);
    if (!chain.members.includes(this.me().userId)) throw new Error('You are not a member of this room.');
    const room = await this.api.getRoom(roomId);
    try {
      await this.rotate(roomId, room.currentEpoch + 1, chain.head, chain.members);
      return true;
    } catch (error) {
      if (error instanceof ApiRequestError && error.status === 409) return false;
      throw error;
    }
  }

  /**
   * Verifies the room (chain + the server's member list, see `checkRoom`), then every epoch envelope the server
   * has after the newest one in `keyring`: each must be signed by a member's certified device, built from an op of
   * the verified chain and sealed exactly to that roster (`verifyRoomEpoch`); the newest must not be older than
   * one this device saw before (a replayed old epoch). Rejected envelopes are recorded in RoomSecurity and give no
   * key. Opens the accepted ones addressed to this device. Resolves with the newest accepted epoch (0 if none).
   * A room whose chain fails keeps only the keys it had.
   */
  async loadEpochKeys(roomId: string, keyring: Keyring): Promise<number> {
    const me = this.me();
    this.keyringRooms.set(keyring, roomId);
    const known = [...keyring.keys()];
    const since = known.length ? Math.max(...known) : 0;
    // Envelopes first, then the chain: every op an envelope was built from is then in the chain we check it with.
    // The newest known envelope comes again, to be checked against today's chain: if someone left or was removed
    // since it was made, its `removedSince` says so and the next send rotates first.
    const envelopes = await this.api.getEpochs(roomId, Math.max(0, since - 1));
    let room: { chain: VerifiedChain; detail: RoomDetail };
    try {
      room = await this.checkRoomDetail(roomId);
    } catch (error) {
      if (error instanceof RoomIntegrityError) return since;
      throw error;
    }
    const verifiedEpochs = this.verifiedEpochs(roomId);
    let latest = since;
    const rejected: { epoch: number; message: string }[] = [];
    const reject = (epoch: number, message: string) => rejected.push({ epoch, message });
    for (const envelope of [...envelopes].sort((a, b) => a.epoch - b.epoch)) {
      const verified = await this.verifyEnvelope(roomId, envelope, room.chain.chain, reject);
      if (!verified) continue;
      verifiedEpochs.set(envelope.epoch, verified);
      latest = Math.max(latest, envelope.epoch);
      if (keyring.has(envelope.epoch)) continue;
      if (!envelope.wraps.some((w) => w.userId === me.userId && w.deviceId === me.device.deviceId)) continue;
      const creatorCert = verified.recipients.find(
        (c) => c.userId === envelope.creatorUserId && c.deviceId === envelope.creatorDeviceId,
      ) ?? (await this.resolve(envelope.creatorUserId, envelope.creatorDeviceId));
      if (!creatorCert) continue;
      keyring.set(envelope.epoch, await openEpochKey(envelope, me, creatorCert));
    }
    // A rejected envelope newer than every accepted one is the key we would send under: that blocks sending.
    for (const r of rejected) this.security.epochRejected(roomId, r.message, r.epoch > latest);
    const seen = this.highestSeenEpoch(roomId);
    const claimed = Math.max(latest, room.detail.currentEpoch);
    if (claimed < seen) {
      this.security.epochRejected(
        roomId,
        `The server offers epoch ${claimed} as this room’s newest key, but this device already saw epoch ${seen}. ` +
          'An old key may be being replayed.',
        true,
      );
    } else if (rejected.length === 0) {
      this.security.epochsVerified(roomId);
    }
    this.rememberSeenEpoch(roomId, latest);
    return latest;
  }

  /**
   * Encrypts under the newest key in `keyring`, after the sending checks: nothing in RoomSecurity blocks the room,
   * no member's changed identity waits for acknowledgement, and the epoch is current (`assertSendableEpoch`).
   * An epoch that still includes a member removed since is rotated first.
   */
  async encryptText(roomId: string, keyring: Keyring, senderSeq: number, body: string): Promise<EncryptedEvent> {
    const me = this.me();
    const blocked = this.security.blockedReason(roomId);
    if (blocked) throw new Error(blocked);
    await this.assertContactsTrusted(roomId);
    const epoch = await this.sendableEpoch(roomId, keyring);
    const rek = keyring.get(epoch);
    if (!rek) throw new MissingEpochKeyError(epoch);
    const payload: Payload = { type: 'text', body };
    return encryptMessage({ rek, roomId, epoch, sender: me, senderSeq, payload });
  }

  /**
   * Runs every receiver check (`receiveMessage`): the signature against the sender's verified DeviceCert, the
   * sender on the epoch's verified roster, decryption, a duplicate messageId (DuplicateMessageError: drop it) and
   * senderSeq gaps (recorded in RoomSecurity). Throws MissingEpochKeyError when this device has no accepted key.
   */
  async decrypt(message: StoredMessage, keyring: Keyring): Promise<Payload> {
    const roomId = this.keyringRooms.get(keyring) ?? message.roomId;
    const rek = keyring.get(message.epoch);
    const epoch = this.epochs.get(roomId)?.get(message.epoch);
    if (!rek || !epoch) throw new MissingEpochKeyError(message.epoch);
    return this.inOrder(roomId, async () => {
      const senderCert = await this.profiles.deviceCert(message.senderUserId, message.senderDeviceId);
      const received = await receiveMessage(message, {
        roomId,
        rek,
        epoch: message.epoch,
        senderCert,
        roster: epoch.recipients,
        guard: this.guard(keyring),
      });
      if (received.seq?.kind === 'gap' && message.senderDeviceId !== this.session.device()?.deviceId) {
        this.security.gapBefore(message.messageId, message.senderUserId);
      }
      return received.payload;
    });
  }

  /**
   * Verifies the room's membership: the op chain (`verifyRoomChain`, with the head verified before as checkpoint)
   * and the server's member list against it (`assertRosterMatches`); refreshes every member's identity (TOFU).
   * A failure is recorded in RoomSecurity (sending disabled); a broken chain is thrown as RoomIntegrityError.
   */
  async checkRoom(roomId: string): Promise<VerifiedChain> {
    return (await this.checkRoomDetail(roomId)).chain;
  }

  /**
   * Fetches the op log and verifies it with the library (`verifyRoomChain`). Throws RoomIntegrityError with a
   * readable reason when the chain is broken, forged or rewrites history verified before.
   */
  async verifiedChain(roomId: string): Promise<VerifiedChain> {
    const ops = await this.api.getOps(roomId);
    const checkpoint = this.readCheckpoint(roomId);
    let chain: ChainProof;
    try {
      chain = await verifyRoomChain(roomId, ops, this.resolve, checkpoint ? { checkpoint } : {});
    } catch (error) {
      if (error instanceof ChainError) {
        throw new RoomIntegrityError(
          `The membership history of this room failed verification (${error.message}). ` +
            'The server may have altered it, so sending to this room is disabled.',
          { cause: error },
        );
      }
      throw error;
    }
    this.writeCheckpoint(roomId, { seq: chain.head.seq, hash: chain.head.hash });
    return { head: chain.head.op, members: [...chain.members.keys()], chain };
  }

  /**
   * The chain, then the server's member list against it. A broken chain throws (nothing can be verified against
   * it); a member list that differs from a valid chain is recorded (sending disabled) but the chain is returned,
   * so keys sealed to the chain's members can still be read.
   */
  private async checkRoomDetail(roomId: string): Promise<{ chain: VerifiedChain; detail: RoomDetail }> {
    let chain: VerifiedChain;
    try {
      chain = await this.verifiedChain(roomId);
    } catch (error) {
      if (error instanceof RoomIntegrityError) this.security.chainFailed(roomId, error.message);
      throw error;
    }
    // An op can land between the two reads; only a mismatch that survives a second look is reported.
    for (let attempt = 0; ; attempt++) {
      const detail = await this.api.getRoom(roomId);
      try {
        assertRosterMatches(chain.chain, detail.members);
        this.security.chainVerified(roomId, chain.members);
      } catch (error) {
        if (!(error instanceof ChainError)) throw error;
        if (attempt === 0) {
          chain = await this.verifiedChain(roomId);
          continue;
        }
        this.security.chainFailed(
          roomId,
          `The server’s member list does not match this room’s signed membership history (${error.message}). ` +
            'Someone may have been added without the members’ consent, so sending to this room is disabled.',
          chain.members,
        );
      }
      await Promise.all(chain.members.map((id) => this.profiles.get(id, { refresh: true }).catch(() => undefined)));
      return { chain, detail };
    }
  }

  private async verifyEnvelope(
    roomId: string,
    envelope: EpochKeyEnvelope,
    chain: ChainProof,
    reject: (epoch: number, message: string) => void,
  ): Promise<VerifiedEpoch | undefined> {
    const epochs = this.verifiedEpochs(roomId);
    try {
      const verified = await verifyRoomEpoch(envelope, chain, this.resolve);
      // A later epoch built from an older membership state than an earlier one is a replay of old state.
      const older = [...epochs.values()].find((e) => e.envelope.epoch < envelope.epoch && e.step.seq > verified.step.seq);
      if (older) {
        reject(envelope.epoch, `The key for epoch ${envelope.epoch} was rejected: it predates the membership of epoch ${older.envelope.epoch}.`);
        return undefined;
      }
      return verified;
    } catch (error) {
      if (!(error instanceof ParleyCryptoError)) throw error;
      const why = error.message.replace(/^epoch \d+: /, '');
      reject(envelope.epoch, `The key for epoch ${envelope.epoch} was rejected: ${why}.`);
      return undefined;
    }
  }

  /** The epoch to send under; rotates once when the newest one still includes someone removed since. */
  private async sendableEpoch(roomId: string, keyring: Keyring): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const epochs = [...keyring.keys()];
      if (epochs.length === 0) throw new Error('This room has no key for you yet.');
      const epoch = Math.max(...epochs);
      const verified = this.epochs.get(roomId)?.get(epoch);
      if (!verified) throw new Error('This room’s key has not been verified yet. Reopen the room.');
      const newer = Math.max(this.highestSeenEpoch(roomId), ...this.verifiedEpochs(roomId).keys());
      if (epoch < newer) throw new Error(`This room has a newer key (epoch ${newer}) that this device has not received yet.`);
      try {
        assertSendableEpoch(verified, newer);
        return epoch;
      } catch (error) {
        if (!(error instanceof ParleyCryptoError) || attempt > 0) throw new Error(`Cannot send yet: ${errorText(error)}`);
        await this.rekey(roomId);
        await this.loadEpochKeys(roomId, keyring);
      }
    }
  }

  /** A verified contact whose key changed blocks sending until the user acknowledges it (DESIGN §3, Trust). */
  private async assertContactsTrusted(roomId: string): Promise<void> {
    const me = this.me().userId;
    const others = this.security.state(roomId).members.filter((id) => id !== me);
    try {
      await this.profiles.trust().assertCanSend(others);
    } catch (error) {
      if (!(error instanceof TrustBlockedError)) throw error;
      const name = await this.profiles.displayName(error.userId);
      throw new Error(`${name}’s safety number changed. Review it in the warning above and confirm before sending.`);
    }
  }

  /** Appends a signed op after the current head; on a lost race (409) refetches and retries once. */
  private async appendOp(roomId: string, kind: RoomOpKind, target: string): Promise<RoomOp> {
    const me = this.me();
    for (let attempt = 0; ; attempt++) {
      const { head } = await this.verifiedChain(roomId);
      const op = await signRoomOp(
        {
          v: 1,
          roomId,
          seq: head.seq + 1,
          prevHash: await hashRoomOp(head),
          op: kind,
          target,
          actorUserId: me.userId,
          actorDeviceId: me.device.deviceId,
        },
        me.device,
      );
      try {
        await this.api.postOp(op);
        return op;
      } catch (error) {
        if (!(error instanceof ApiRequestError && error.status === 409) || attempt > 0) throw error;
      }
    }
  }

  /** Seals a fresh epoch key to every verified device of `memberIds` and posts it as `epoch`. */
  private async rotate(roomId: string, epoch: number, head: RoomOp, memberIds: string[]): Promise<void> {
    const me = this.me();
    const profiles = await Promise.all(memberIds.map((id) => this.profiles.get(id, { refresh: true })));
    const recipients = profiles.flatMap((p) => p.devices);
    if (!recipients.some((c) => c.userId === me.userId && c.deviceId === me.device.deviceId)) {
      throw new Error('This device is not certified on your account. Log out and in again.');
    }
    const rek = createEpochKey();
    try {
      const envelope = await sealEpochKey({
        rek,
        roomId,
        epoch,
        opsHead: await hashRoomOp(head),
        creator: me,
        recipients,
      });
      await this.api.postEpoch(envelope);
    } finally {
      rek.fill(0);
    }
  }

  private inOrder<T>(roomId: string, work: () => Promise<T>): Promise<T> {
    const next = (this.receiving.get(roomId) ?? Promise.resolve()).then(work, work);
    this.receiving.set(roomId, next.catch(() => undefined));
    return next;
  }

  private guard(keyring: Keyring): ReplayGuard {
    let guard = this.guards.get(keyring);
    if (!guard) {
      guard = new ReplayGuard();
      this.guards.set(keyring, guard);
    }
    return guard;
  }

  private verifiedEpochs(roomId: string): Map<number, VerifiedEpoch> {
    let epochs = this.epochs.get(roomId);
    if (!epochs) {
      epochs = new Map();
      this.epochs.set(roomId, epochs);
    }
    return epochs;
  }

  // The chain head and the highest epoch this device verified survive a reload (localStorage), so a server cannot
  // rewrite history or replay an old epoch to a fresh tab either.
  private readCheckpoint(roomId: string): { seq: number; hash: string } | undefined {
    try {
      const value = JSON.parse(readItem(this.storageKey('chainHead', roomId)) ?? 'null') as { seq: number; hash: string } | null;
      return value && Number.isSafeInteger(value.seq) && typeof value.hash === 'string' ? value : undefined;
    } catch {
      return undefined;
    }
  }

  private writeCheckpoint(roomId: string, head: { seq: number; hash: string }): void {
    const known = this.readCheckpoint(roomId);
    if (!known || head.seq >= known.seq) writeItem(this.storageKey('chainHead', roomId), JSON.stringify(head));
  }

  private highestSeenEpoch(roomId: string): number {
    const value = Number(readItem(this.storageKey('epochSeen', roomId)) ?? 0);
    return Number.isSafeInteger(value) && value > 0 ? value : 0;
  }

  private rememberSeenEpoch(roomId: string, epoch: number): void {
    if (epoch > this.highestSeenEpoch(roomId)) writeItem(this.storageKey('epochSeen', roomId), String(epoch));
  }

  private storageKey(kind: string, roomId: string): string {
    return `parley.${kind}.${this.me().userId}.${roomId}`;
  }

  private me(): { userId: string; device: DeviceKeys } {
    const user = this.session.user();
    const device = this.session.device();
    if (!user || !device) throw new Error('You are not signed in.');
    return { userId: user.userId, device };
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
