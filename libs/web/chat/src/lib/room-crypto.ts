import { Injectable, inject } from '@angular/core';
import { USERNAME_PATTERN, type RoomSummary, type StoredMessage } from '@parley/shared/contracts';
import {
  GENESIS_HASH,
  createEpochKey,
  decryptMessage,
  encryptMessage,
  hashRoomOp,
  openEpochKey,
  randomId,
  sealEpochKey,
  signRoomOp,
  verifyRoomOp,
  type DeviceKeys,
  type EncryptedEvent,
  type Payload,
  type RoomOp,
  type RoomOpKind,
} from '@parley/shared/crypto';
import { ApiClient, ApiRequestError, ProfileCache, SessionStore, type VerifiedProfile } from '@parley/web/core';

/** Room epoch keys known to this device, by epoch. */
export type Keyring = Map<number, Uint8Array>;

/** The roster rebuilt from the verified, hash-chained op log (not taken from the server's member list). */
export interface VerifiedChain {
  head: RoomOp;
  members: string[];
}

/** A message could not be decrypted because this device holds no key for its epoch. */
export class MissingEpochKeyError extends Error {
  constructor(readonly epoch: number) {
    super(`No key for epoch ${epoch} on this device.`);
    this.name = 'MissingEpochKeyError';
  }
}

/**
 * The E2EE side of rooms (DESIGN §3): signs membership ops, seals and opens epoch keys, encrypts and decrypts
 * messages. Everything the server hands over is checked against certificates verified by the ProfileCache.
 */
@Injectable({ providedIn: 'root' })
export class RoomCrypto {
  private readonly api = inject(ApiClient);
  private readonly session = inject(SessionStore);
  private readonly profiles = inject(ProfileCache);

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
   * Opens every epoch envelope addressed to this device that is not in `keyring` yet. Envelopes from before I
   * joined are not addressed to me and are skipped. Resolves with the newest epoch the server has (0 if none).
   */
  async loadEpochKeys(roomId: string, keyring: Keyring): Promise<number> {
    const me = this.me();
    const known = [...keyring.keys()];
    const since = known.length ? Math.max(...known) : 0;
    const envelopes = await this.api.getEpochs(roomId, since);
    let latest = since;
    for (const envelope of envelopes) {
      if (envelope.roomId !== roomId) continue;
      latest = Math.max(latest, envelope.epoch);
      if (keyring.has(envelope.epoch)) continue;
      if (!envelope.wraps.some((w) => w.userId === me.userId && w.deviceId === me.device.deviceId)) continue;
      const creatorCert = await this.profiles.deviceCert(envelope.creatorUserId, envelope.creatorDeviceId);
      keyring.set(envelope.epoch, await openEpochKey(envelope, me, creatorCert));
    }
    return latest;
  }

  async encryptText(roomId: string, keyring: Keyring, senderSeq: number, body: string): Promise<EncryptedEvent> {
    const me = this.me();
    const epochs = [...keyring.keys()];
    if (epochs.length === 0) throw new Error('This room has no key for you yet.');
    const epoch = Math.max(...epochs);
    const rek = keyring.get(epoch);
    if (!rek) throw new MissingEpochKeyError(epoch);
    const payload: Payload = { type: 'text', body };
    return encryptMessage({ rek, roomId, epoch, sender: me, senderSeq, payload });
  }

  async decrypt(message: StoredMessage, keyring: Keyring): Promise<Payload> {
    const rek = keyring.get(message.epoch);
    if (!rek) throw new MissingEpochKeyError(message.epoch);
    const cert = await this.profiles.deviceCert(message.senderUserId, message.senderDeviceId);
    return decryptMessage(message, rek, cert);
  }

  /**
   * Fetches the op log and checks it: seq 0 is a `create` by its own target, each op's prevHash is the hash of
   * the one before, every signature verifies against the actor's certified device, and each actor was a member.
   */
  async verifiedChain(roomId: string): Promise<VerifiedChain> {
    const ops = await this.api.getOps(roomId);
    const members = new Set<string>();
    let prevHash = GENESIS_HASH;
    for (const [index, op] of ops.entries()) {
      const broken = (why: string) => new Error(`The membership history of this room is invalid (${why}).`);
      if (op.roomId !== roomId || op.seq !== index) throw broken('sequence');
      if (op.prevHash !== prevHash) throw broken('hash chain');
      if (index === 0 ? op.op !== 'create' || op.target !== op.actorUserId : op.op === 'create') {
        throw broken('create');
      }
      if (index > 0 && !members.has(op.actorUserId)) throw broken('actor is not a member');
      await verifyRoomOp(op, await this.profiles.deviceCert(op.actorUserId, op.actorDeviceId));
      if (op.op === 'create' || op.op === 'add') members.add(op.target);
      if (op.op === 'remove' || op.op === 'leave') members.delete(op.target);
      prevHash = await hashRoomOp(op);
    }
    const head = ops.at(-1);
    if (!head) throw new Error('This room has no membership history.');
    return { head, members: [...members] };
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

  private me(): { userId: string; device: DeviceKeys } {
    const user = this.session.user();
    const device = this.session.device();
    if (!user || !device) throw new Error('You are not signed in.');
    return { userId: user.userId, device };
  }
}
