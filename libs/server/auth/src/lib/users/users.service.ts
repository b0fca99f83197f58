import { BadRequestException, ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { Bus } from '@parley/server/core';
import {
  type DeviceList, type OwnProfile, type PublicProfile, type StoredEpochKeyBackup, USER_SEARCH_PAGE_MAX, type UserSummary,
  type VersionedBackup,
} from '@parley/shared/contracts';
import { type BackupKeyCert, type DeviceCert, type EpochKeyBackup, verifyDeviceCert } from '@parley/shared/crypto';
import { checkBackupKeyCert } from '../backup-key-cert';
import { BackupKeyRepository } from '../backups/backup-key.repository';
import {
  NAME_PREFIX_LENGTH, type ProfileFields, UserIdTakenError, type UserRecord, UserRepository, VersionConflictError,
} from './user.repository';

function ownProfileOf(user: UserRecord): OwnProfile {
  return { userId: user.userId, username: user.username, displayName: user.displayName,
    statusText: user.statusText ?? '', avatarFileId: user.avatarFileId ?? '' };
}

@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly users: UserRepository,
    private readonly bus: Bus,
    private readonly backupKeys: BackupKeyRepository,
  ) {}

  /**
   * Username prefix search, paginated (`after` = the last name of the previous page), for signed-in users only and
   * rate-limited per user: a prefix needs NAME_PREFIX_LENGTH characters, so nobody pages through a directory by
   * one-letter queries. The exact name, when it exists, is the first result.
   */
  async search(query: string, after?: string, limit = USER_SEARCH_PAGE_MAX): Promise<UserSummary[]> {
    const prefix = query.trim().toLowerCase();
    if (prefix.length < NAME_PREFIX_LENGTH) return [];
    let found: UserRecord[];
    try {
      found = await this.users.searchByPrefix(prefix, after, Math.min(limit, USER_SEARCH_PAGE_MAX));
    } catch (err) {
      // A table from before the prefix index (old local data): exact match still works.
      this.logger.warn({ err: (err as Error).message }, 'prefix search failed; answering the exact match only');
      const exact = after ? undefined : await this.users.findByUsername(prefix);
      found = exact ? [exact] : [];
    }
    return found.map((u) => ({ userId: u.userId, username: u.username, displayName: u.displayName }));
  }

  async ownProfile(userId: string): Promise<OwnProfile> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundException('no such user');
    return ownProfileOf(user);
  }

  async updateProfile(userId: string, fields: ProfileFields): Promise<OwnProfile> {
    const changes: ProfileFields = {
      ...(fields.displayName !== undefined && { displayName: fields.displayName.trim() }),
      ...(fields.statusText !== undefined && { statusText: fields.statusText.trim() }),
      ...(fields.avatarFileId !== undefined && { avatarFileId: fields.avatarFileId }),
    };
    if (changes.displayName === '') throw new BadRequestException('displayName must not be empty');
    if (Object.keys(changes).length === 0) return this.ownProfile(userId);
    return ownProfileOf(await this.users.updateProfile(userId, changes));
  }

  async profile(userId: string): Promise<PublicProfile> {
    // Both reads at once: every gateway connection asks for this (its devices).
    const [user, devices] = await Promise.all([this.users.findById(userId), this.users.listDevices(userId)]);
    if (!user) throw new NotFoundException('no such user');
    return {
      userId: user.userId,
      username: user.username,
      displayName: user.displayName,
      statusText: user.statusText ?? '',
      avatarFileId: user.avatarFileId ?? '',
      uikPublicKey: user.uikPublicKey,
      devices,
    };
  }

  async devices(userId: string): Promise<DeviceList> {
    const [listVersion, devices] = await Promise.all([this.users.listVersion(userId), this.users.listDevices(userId)]);
    return { listVersion, devices };
  }

  /**
   * Adds a device certificate: it must be signed by the user's UIK and take the next list version (claimed with a
   * condition, so two devices added at once cannot share one). Clients verify the signature again; the server's
   * check keeps junk out of everyone's device lists.
   */
  async addDevice(userId: string, cert: DeviceCert): Promise<DeviceCert> {
    if (cert.userId !== userId) throw new BadRequestException('deviceCert.userId must be your userId');
    if (cert.revoked) throw new BadRequestException('a new device cannot be revoked');
    const uik = await this.uikOf(userId);
    await this.checkSignature(cert, uik);
    await this.takeListVersion(userId, cert);
    try {
      await this.users.addDevice(cert);
    } catch (err) {
      if (err instanceof UserIdTakenError) throw new ConflictException('that deviceId exists; generate another');
      throw err;
    }
    return cert;
  }

  /**
   * Revokes a device with its UIK-signed revocation certificate (same keys, `revoked: true`, next list version),
   * and tells the other services: rooms with that device need a new epoch.
   */
  async revokeDevice(userId: string, deviceId: string, cert: DeviceCert): Promise<DeviceCert> {
    if (cert.userId !== userId || cert.deviceId !== deviceId) {
      throw new BadRequestException('the revocation certificate must name your user and this device');
    }
    if (cert.revoked !== true) throw new BadRequestException('deviceCert.revoked must be true');
    const current = (await this.users.listDevices(userId)).find((d) => d.deviceId === deviceId);
    if (!current) throw new NotFoundException('no such device');
    if (current.revoked) throw new ConflictException('that device is already revoked');
    if (current.sigKey !== cert.sigKey || current.kemKey !== cert.kemKey) {
      throw new BadRequestException('the revocation certificate must carry the device\'s keys');
    }
    await this.checkSignature(cert, await this.uikOf(userId));
    await this.takeListVersion(userId, cert);
    await this.users.revokeDevice(cert);
    await this.bus.publish('user.device.revoked', { userId, deviceId, listVersion: cert.listVersion })
      .catch((err: unknown) => this.logger.error({ err: (err as Error).message }, 'could not publish a device revocation'));
    return cert;
  }

  async backup(userId: string): Promise<VersionedBackup> {
    const backup = await this.users.backup(userId);
    if (!backup) throw new NotFoundException('no such user');
    return backup;
  }

  async putBackup(userId: string, dto: { wrappedAbk: string; secretBundle: string; recoveryWrappedAbk?: string;
    backupKeyCert?: BackupKeyCert; version: number }): Promise<VersionedBackup> {
    const backupKeyCert = dto.backupKeyCert && await checkBackupKeyCert({ ...dto.backupKeyCert }, userId, await this.uikOf(userId));
    const optional = {
      ...(dto.recoveryWrappedAbk && { recoveryWrappedAbk: dto.recoveryWrappedAbk }),
      ...(backupKeyCert && { backupKeyCert }),
    };
    try {
      const version = await this.users.putBackup(userId, dto.version, { wrappedAbk: dto.wrappedAbk,
        secretBundle: dto.secretBundle, ...optional });
      return { wrappedAbk: dto.wrappedAbk, secretBundle: dto.secretBundle, ...optional, version };
    } catch (err) {
      if (err instanceof VersionConflictError) {
        throw new ConflictException('the backup changed since that version; fetch it and try again');
      }
      throw err;
    }
  }

  /** Stores REK backup entries of the user's own devices (the server cannot open them; clients verify the sig). */
  async addBackupKeys(userId: string, entries: EpochKeyBackup[]): Promise<{ stored: number }> {
    if (entries.some((e) => e.userId !== userId)) throw new BadRequestException('every entry must name your userId');
    const devices = new Set((await this.users.listDevices(userId)).filter((d) => !d.revoked).map((d) => d.deviceId));
    if (entries.some((e) => !devices.has(e.deviceId))) {
      throw new BadRequestException('every entry must come from one of your current devices');
    }
    return { stored: await this.backupKeys.add(userId, entries, Date.now()) };
  }

  backupKeysSince(userId: string, since = 0): Promise<StoredEpochKeyBackup[]> {
    return this.backupKeys.since(userId, since);
  }

  private async uikOf(userId: string): Promise<string> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundException('no such user');
    return user.uikPublicKey;
  }

  private async checkSignature(cert: DeviceCert, uik: string): Promise<void> {
    try {
      await verifyDeviceCert(cert, uik);
    } catch {
      throw new BadRequestException('deviceCert is not signed by your identity key');
    }
  }

  private async takeListVersion(userId: string, cert: DeviceCert): Promise<void> {
    const highest = await this.users.listVersion(userId);
    if (cert.listVersion !== highest + 1 || !(await this.users.claimListVersion(userId, cert.listVersion, cert.deviceId))) {
      throw new ConflictException(`listVersion must be ${highest + 1}; fetch the device list and sign again`);
    }
  }
}
