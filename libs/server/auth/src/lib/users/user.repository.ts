import { Injectable } from '@nestjs/common';
import { Condition } from 'dynamoose';
import type { Condition as ConditionType } from 'dynamoose/dist/Condition';
import type { ModelType } from 'dynamoose/dist/General';
import { DynamoTables, isConditionFailed } from '@parley/server/core';
import type { BackupKeyCert, DeviceCert, KdfParams } from '@parley/shared/crypto';
import { type DeviceItem, deviceSchema, type UserItem, userSchema } from './user.schema';

export interface UserRecord {
  userId: string;
  username: string;
  displayName: string;
  uikPublicKey: string;
  authHash: string;
  kdf: KdfParams;
  wrappedAbk: string;
  secretBundle: string;
  /** Version of wrappedAbk + secretBundle (1 at registration). */
  backupVersion: number;
  recoveryWrappedAbk?: string;
  backupKeyCert?: BackupKeyCert;
  statusText?: string;
  avatarFileId?: string;
  createdAt: number;
}

/** The account backup as stored: all opaque to the server except the certificate, whose signature it checks. */
export interface StoredBackup {
  wrappedAbk: string;
  secretBundle: string;
  version: number;
  recoveryWrappedAbk?: string;
  backupKeyCert?: BackupKeyCert;
}

export const NAME_PREFIX_LENGTH = 3;

export interface ProfileFields {
  displayName?: string;
  statusText?: string;
  avatarFileId?: string;
}

export class UsernameTakenError extends Error {}
export class UserIdTakenError extends Error {}
/** A conditional write lost: someone else changed the item first. */
export class VersionConflictError extends Error {}

const LIST_VERSION_PREFIX = '#v';
const listVersionKey = (v: number) => `${LIST_VERSION_PREFIX}${String(v).padStart(10, '0')}`;

/** The item exists and its backup is still at `version` (a missing attribute counts as version 1). */
function atBackupVersion(version: number): ConditionType {
  const base = new Condition().where('username').exists().and();
  return version === 1
    ? base.parenthesis(new Condition().where('backupVersion').not().exists().or().where('backupVersion').eq(1))
    : base.where('backupVersion').eq(version);
}

const claimKey = (username: string) => `USERNAME#${username}`;
/** A key no user has (ids are 22 characters): the second read of an unknown name. */
const NO_SUCH_USER = 'NO-SUCH-USER';
/**
 * What prelogin's second read finds there: KDF parameters shaped like a user's and no username (so it is nobody:
 * findById, login and search skip it). A hit costs DynamoDB more than a miss, so the decoy makes that read a hit
 * for unknown names too.
 */
const DECOY_KDF = JSON.stringify({ kdf: 'argon2id', m: 65536, t: 3, p: 1, salt: 'A'.repeat(22) });

/** Users, username claims and device certificates. The only code that touches auth's tables. */
@Injectable()
export class UserRepository {
  private readonly users: ModelType<UserItem>;
  private readonly devices: ModelType<DeviceItem>;
  private readonly client: DynamoTables['client'];

  constructor(tables: DynamoTables) {
    this.users = tables.define<UserItem>('users', userSchema);
    this.devices = tables.define<DeviceItem>('devices', deviceSchema);
    this.client = tables.client;
  }

  /** Claims the name, then writes the user; undoes the claim if the user id turns out to be taken. */
  async create(user: UserRecord, firstDevice: DeviceCert): Promise<void> {
    try {
      await this.users.create({ userId: claimKey(user.username), ownerId: user.userId, createdAt: user.createdAt },
        { overwrite: false });
    } catch (err) {
      if (isConditionFailed(err)) throw new UsernameTakenError(user.username);
      throw err;
    }
    const { backupKeyCert, ...fields } = user;
    try {
      await this.users.create({ ...fields, kdf: JSON.stringify(user.kdf),
        ...(backupKeyCert && { backupKeyCert: certJson(backupKeyCert) }),
        namePrefix: user.username.slice(0, NAME_PREFIX_LENGTH) }, { overwrite: false });
    } catch (err) {
      await this.users.delete(claimKey(user.username));
      if (isConditionFailed(err)) throw new UserIdTakenError(user.userId);
      throw err;
    }
    await this.claimListVersion(user.userId, firstDevice.listVersion, firstDevice.deviceId);
    await this.addDevice(firstDevice);
  }

  async findById(userId: string): Promise<UserRecord | undefined> {
    if (userId.startsWith('USERNAME#')) return undefined;
    const item = await this.users.get(userId);
    return item?.username ? toRecord(item) : undefined;
  }

  /**
   * Two reads whether or not the name exists (the second misses for an unknown name), so that prelogin and login
   * take the same time for both: the timing must not tell who has an account.
   */
  async findByUsername(username: string): Promise<UserRecord | undefined> {
    const claim = await this.users.get(claimKey(username));
    const item = await this.users.get(claim?.ownerId ?? NO_SUCH_USER);
    return claim?.ownerId && item?.username ? toRecord(item) : undefined;
  }

  /**
   * Prelogin's read, which must take as long for a name nobody has as for a user's: its timing must not tell who
   * has an account. The same two reads as findByUsername, with three differences, each measured on a slow machine
   * (apps/auth tokens.integration-spec, "timing within noise"), where a known name answered 4–7 ms slower:
   * - the user's read asks for the KDF parameters only, not kilobytes of wrapped keys;
   * - for an unknown name it reads a decoy item (writeDecoy), so DynamoDB has a hit to return in both cases;
   * - both reads go through the client dynamoose was given, because dynamoose turns a hit into an Item through a
   *   long chain of promises (a miss skips it): milliseconds on a busy box, twice for a known name only.
   */
  async findKdfByUsername(username: string): Promise<KdfParams | undefined> {
    const claim = await this.rawGet(claimKey(username), ['ownerId']);
    const ownerId = claim?.['ownerId']?.S;
    const user = await this.rawGet(ownerId ?? NO_SUCH_USER, ['username', 'kdf']);
    if (!ownerId && !user) await this.writeDecoy();
    const kdf = user?.['kdf']?.S;
    return ownerId && user?.['username']?.S && kdf ? (JSON.parse(kdf) as KdfParams) : undefined;
  }

  private async rawGet(userId: string, attributes: string[]) {
    const { Item } = await this.client.getItem({
      TableName: this.users.table().name, Key: { userId: { S: userId } },
      ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(', '),
      ExpressionAttributeNames: Object.fromEntries(attributes.map((a, i) => [`#a${i}`, a])),
    });
    return Item;
  }

  /** Once per table; several instances may race, the first write stands. */
  private async writeDecoy(): Promise<void> {
    try {
      await this.users.create({ userId: NO_SUCH_USER, kdf: DECOY_KDF }, { overwrite: false });
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  }

  /**
   * Users whose name starts with `prefix` (at least NAME_PREFIX_LENGTH characters), in name order, after `after`.
   * One query on the prefix index: the partition is the first characters, the sort key the name.
   */
  async searchByPrefix(prefix: string, after: string | undefined, limit: number): Promise<UserRecord[]> {
    // Usernames are [a-z0-9._-]: '!' sorts below every allowed character and '~' above.
    const from = after && after > prefix ? `${after}!` : prefix;
    const items = await this.users.query('namePrefix').eq(prefix.slice(0, NAME_PREFIX_LENGTH))
      .where('username').between(from, `${prefix}~`).using('namePrefix-index').limit(limit).exec();
    return items.filter((i) => i.username?.startsWith(prefix)).map(toRecord);
  }

  async updateProfile(userId: string, fields: ProfileFields): Promise<UserRecord> {
    await this.users.update({ userId }, fields, { condition: new Condition().where('username').exists() });
    const user = await this.findById(userId);
    if (!user) throw new Error('user vanished');
    return user;
  }

  async backup(userId: string): Promise<StoredBackup | undefined> {
    const user = await this.findById(userId);
    return user && {
      wrappedAbk: user.wrappedAbk, secretBundle: user.secretBundle, version: user.backupVersion,
      ...(user.recoveryWrappedAbk !== undefined && { recoveryWrappedAbk: user.recoveryWrappedAbk }),
      ...(user.backupKeyCert !== undefined && { backupKeyCert: user.backupKeyCert }),
    };
  }

  /** Replaces the backup if it is still at `expected`; returns the new version. Absent optional fields stay. */
  async putBackup(userId: string, expected: number, backup: Omit<StoredBackup, 'version'>): Promise<number> {
    const { backupKeyCert, ...rest } = backup;
    return this.conditionalUpdate(userId, { ...rest, ...(backupKeyCert && { backupKeyCert: certJson(backupKeyCert) }),
      backupVersion: expected + 1 }, atBackupVersion(expected), expected);
  }

  /** Sets a new password verifier and re-wrapped ABK, if neither the verifier nor the backup changed meanwhile. */
  async changePassword(userId: string, expected: { authHash: string; backupVersion: number },
    next: { authHash: string; kdf: KdfParams; wrappedAbk: string }): Promise<number> {
    const condition = atBackupVersion(expected.backupVersion).and().where('authHash').eq(expected.authHash);
    return this.conditionalUpdate(userId, { authHash: next.authHash, kdf: JSON.stringify(next.kdf),
      wrappedAbk: next.wrappedAbk, backupVersion: expected.backupVersion + 1 }, condition, expected.backupVersion);
  }

  /** Recovery: a new verifier and wrapped ABK, only if the backup is still at the version the proof signed. */
  async recoverPassword(userId: string, expectedVersion: number,
    next: { authHash: string; kdf: KdfParams; wrappedAbk: string }): Promise<number> {
    return this.conditionalUpdate(userId, { authHash: next.authHash, kdf: JSON.stringify(next.kdf),
      wrappedAbk: next.wrappedAbk, backupVersion: expectedVersion + 1 }, atBackupVersion(expectedVersion), expectedVersion);
  }

  private async conditionalUpdate(userId: string, fields: Partial<UserItem>, condition: ConditionType, expected: number):
    Promise<number> {
    try {
      await this.users.update({ userId }, fields, { condition });
      return expected + 1;
    } catch (err) {
      if (isConditionFailed(err)) throw new VersionConflictError(`the account changed since version ${expected}`);
      throw err;
    }
  }

  /** Claims a list version for this user: exactly one writer gets each. */
  async claimListVersion(userId: string, listVersion: number, deviceId: string): Promise<boolean> {
    try {
      await this.devices.create({ userId, deviceId: listVersionKey(listVersion), cert: deviceId, listVersion,
        createdAt: Date.now() }, { overwrite: false });
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  /** Replaces a device's certificate by its revocation certificate. */
  async revokeDevice(cert: DeviceCert): Promise<void> {
    await this.devices.update({ userId: cert.userId, deviceId: cert.deviceId },
      { cert: JSON.stringify(cert), listVersion: cert.listVersion, revoked: true });
  }

  async addDevice(cert: DeviceCert): Promise<void> {
    try {
      await this.devices.create(
        { userId: cert.userId, deviceId: cert.deviceId, cert: JSON.stringify(cert), listVersion: cert.listVersion,
          createdAt: Date.now() },
        { overwrite: false },
      );
    } catch (err) {
      if (isConditionFailed(err)) throw new UserIdTakenError(`device ${cert.deviceId} exists`);
      throw err;
    }
  }

  async listDevices(userId: string): Promise<DeviceCert[]> {
    const items = await this.devices.query('userId').eq(userId).all().exec();
    return items.filter((i) => !i.deviceId.startsWith(LIST_VERSION_PREFIX))
      .map((i) => JSON.parse(i.cert) as DeviceCert).sort((a, b) => a.listVersion - b.listVersion);
  }

  /** The highest list version claimed so far (0 for none). */
  async listVersion(userId: string): Promise<number> {
    const items = await this.devices.query('userId').eq(userId).all().exec();
    return items.reduce((max, i) => Math.max(max, i.listVersion), 0);
  }
}

function toRecord(item: UserItem): UserRecord {
  return {
    userId: item.userId,
    username: item.username ?? '',
    displayName: item.displayName ?? '',
    uikPublicKey: item.uikPublicKey ?? '',
    authHash: item.authHash ?? '',
    kdf: JSON.parse(item.kdf ?? '{}') as KdfParams,
    wrappedAbk: item.wrappedAbk ?? '',
    secretBundle: item.secretBundle ?? '',
    backupVersion: item.backupVersion ?? 1,
    ...(item.recoveryWrappedAbk !== undefined && { recoveryWrappedAbk: item.recoveryWrappedAbk }),
    ...(item.backupKeyCert !== undefined && { backupKeyCert: JSON.parse(item.backupKeyCert) as BackupKeyCert }),
    statusText: item.statusText ?? '',
    avatarFileId: item.avatarFileId ?? '',
    createdAt: item.createdAt ?? 0,
  };
}

/** Stored as JSON of exactly the certificate's fields (nothing a request smuggled in alongside them). */
function certJson(cert: BackupKeyCert): string {
  return JSON.stringify({ v: cert.v, userId: cert.userId, publicKey: cert.publicKey, createdAt: cert.createdAt,
    uikSig: cert.uikSig });
}
