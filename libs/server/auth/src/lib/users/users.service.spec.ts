import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';
import type { Bus } from '@parley/server/core';
import {
  certifyBackupKey, createDeviceCert, type DeviceCert, generateBackupKey, generateDeviceKeys, generateIdentity, type IdentityKeys,
  revokeDeviceCert,
} from '@parley/shared/crypto';
import type { BackupKeyRepository } from '../backups/backup-key.repository';
import type { UserRecord, UserRepository } from './user.repository';
import { UsersService } from './users.service';

const userId = 'u'.repeat(22);

/** Devices and list-version claims of one user, with the repository's conditional semantics. */
class FakeUsers {
  devices = new Map<string, DeviceCert>();
  claims = new Set<number>();
  constructor(private readonly uik: string) {}
  async findById(id: string) { return id === userId ? ({ userId, uikPublicKey: this.uik } as UserRecord) : undefined; }
  async listDevices() { return [...this.devices.values()]; }
  async listVersion() { return Math.max(0, ...this.claims); }
  async claimListVersion(_u: string, v: number) { if (this.claims.has(v)) return false; this.claims.add(v); return true; }
  async addDevice(cert: DeviceCert) { this.devices.set(cert.deviceId, cert); }
  async revokeDevice(cert: DeviceCert) { this.devices.set(cert.deviceId, cert); }
  puts: unknown[] = [];
  async putBackup(_u: string, expected: number, backup: unknown) { this.puts.push(backup); return expected + 1; }
}

describe('UsersService devices', () => {
  let identity: IdentityKeys;
  let users: FakeUsers;
  let published: unknown[];
  let service: UsersService;
  let first: DeviceCert;

  beforeEach(async () => {
    identity = await generateIdentity();
    users = new FakeUsers(identity.publicKey);
    published = [];
    const bus = { publish: async (channel: string, payload: unknown) => void published.push([channel, payload]) } as Bus;
    service = new UsersService(users as unknown as UserRepository, bus, {} as BackupKeyRepository);
    first = await createDeviceCert(identity, userId, await generateDeviceKeys(), 1);
    users.claims.add(1);
    users.devices.set(first.deviceId, first);
  });

  it('adds a UIK-signed device at the next list version only', async () => {
    const next = await createDeviceCert(identity, userId, await generateDeviceKeys(), 2);
    await expect(service.addDevice(userId, { ...next, listVersion: 3 })).rejects.toBeInstanceOf(BadRequestException);
    await expect(service.addDevice(userId, await createDeviceCert(identity, userId, await generateDeviceKeys(), 3)))
      .rejects.toBeInstanceOf(ConflictException);
    await expect(service.addDevice(userId, next)).resolves.toEqual(next);
    expect(await service.devices(userId)).toEqual({ listVersion: 2, devices: [first, next] });
  });

  it('refuses a device signed by another identity', async () => {
    const other = await generateIdentity();
    const cert = await createDeviceCert(other, userId, await generateDeviceKeys(), 2);
    await expect(service.addDevice(userId, cert)).rejects.toThrow('not signed by your identity key');
  });

  it('revokes with a signed revocation certificate and publishes user.device.revoked', async () => {
    const revocation = await revokeDeviceCert(identity, first, 2);
    await expect(service.revokeDevice(userId, first.deviceId, revocation)).resolves.toEqual(revocation);
    expect(published).toEqual([['user.device.revoked', { userId, deviceId: first.deviceId, listVersion: 2 }]]);
    await expect(service.revokeDevice(userId, first.deviceId, await revokeDeviceCert(identity, first, 3)))
      .rejects.toThrow('already revoked');
  });

  it.each([
    ['not marked revoked', (c: DeviceCert) => ({ ...c, revoked: undefined }), BadRequestException],
    ['for another device', (c: DeviceCert) => ({ ...c, deviceId: 'x'.repeat(22) }), BadRequestException],
    ['with other keys', (c: DeviceCert) => ({ ...c, kemKey: 'A'.repeat(43) }), BadRequestException],
  ])('refuses a revocation certificate %s', async (_name, change, error) => {
    const revocation = change(await revokeDeviceCert(identity, first, 2)) as DeviceCert;
    await expect(service.revokeDevice(userId, first.deviceId, revocation)).rejects.toBeInstanceOf(error);
    expect(published).toEqual([]);
  });

  it('answers 404 for a device that does not exist', async () => {
    const stranger = await createDeviceCert(identity, userId, await generateDeviceKeys(), 2);
    const revocation = await revokeDeviceCert(identity, stranger, 2);
    await expect(service.revokeDevice(userId, stranger.deviceId, revocation)).rejects.toBeInstanceOf(NotFoundException);
  });
});

describe('UsersService backup', () => {
  let identity: IdentityKeys;
  let users: FakeUsers;
  let service: UsersService;
  const body = { wrappedAbk: 'w'.repeat(40), secretBundle: 'b'.repeat(40), version: 1 };

  beforeEach(async () => {
    identity = await generateIdentity();
    users = new FakeUsers(identity.publicKey);
    service = new UsersService(users as unknown as UserRepository, {} as Bus, {} as BackupKeyRepository);
  });

  it('stores a new backup key certificate signed by my identity key and returns it', async () => {
    const backupKeyCert = await certifyBackupKey(identity, userId, (await generateBackupKey()).publicKey);
    await expect(service.putBackup(userId, { ...body, backupKeyCert })).resolves.toEqual({ ...body, backupKeyCert, version: 2 });
    expect(users.puts).toEqual([{ wrappedAbk: body.wrappedAbk, secretBundle: body.secretBundle, backupKeyCert }]);
  });

  it('refuses a backup key certificate signed by another identity and writes nothing', async () => {
    const backupKeyCert = await certifyBackupKey(await generateIdentity(), userId, (await generateBackupKey()).publicKey);
    await expect(service.putBackup(userId, { ...body, backupKeyCert })).rejects.toThrow('not signed by the identity key');
    expect(users.puts).toEqual([]);
  });
});
