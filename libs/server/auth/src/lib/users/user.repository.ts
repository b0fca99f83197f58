import { Injectable } from '@nestjs/common';
import type { ModelType } from 'dynamoose/dist/General';
import { DynamoTables, isConditionFailed } from '@parley/server/core';
import type { DeviceCert, KdfParams } from '@parley/shared/crypto';
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
  createdAt: number;
}

export class UsernameTakenError extends Error {}
export class UserIdTakenError extends Error {}

const claimKey = (username: string) => `USERNAME#${username}`;

/** Users, username claims and device certificates. The only code that touches auth's tables. */
@Injectable()
export class UserRepository {
  private readonly users: ModelType<UserItem>;
  private readonly devices: ModelType<DeviceItem>;

  constructor(tables: DynamoTables) {
    this.users = tables.define<UserItem>('users', userSchema);
    this.devices = tables.define<DeviceItem>('devices', deviceSchema);
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
    try {
      await this.users.create({ ...user, kdf: JSON.stringify(user.kdf) }, { overwrite: false });
    } catch (err) {
      await this.users.delete(claimKey(user.username));
      if (isConditionFailed(err)) throw new UserIdTakenError(user.userId);
      throw err;
    }
    await this.addDevice(firstDevice);
  }

  async findById(userId: string): Promise<UserRecord | undefined> {
    if (userId.startsWith('USERNAME#')) return undefined;
    const item = await this.users.get(userId);
    return item?.username ? toRecord(item) : undefined;
  }

  async findByUsername(username: string): Promise<UserRecord | undefined> {
    const claim = await this.users.get(claimKey(username));
    return claim?.ownerId ? this.findById(claim.ownerId) : undefined;
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
    return items.map((i) => JSON.parse(i.cert) as DeviceCert).sort((a, b) => a.listVersion - b.listVersion);
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
    createdAt: item.createdAt ?? 0,
  };
}
