import { createDeviceCert, generateDeviceKeys, revokeDeviceCert } from './device-cert';
import { nextListVersion, verifyDeviceList } from './device-list';
import { DeviceListError, SignatureError } from './errors';
import { person } from '../spec-support/world';

describe('device list', () => {
  it('folds certificates into active and revoked devices, newest per device', async () => {
    const alice = await person('alice');
    const second = await generateDeviceKeys();
    const c2 = await createDeviceCert(alice.identity, 'alice', second, 2);
    const r1 = await revokeDeviceCert(alice.identity, alice.cert, 3);
    const list = await verifyDeviceList('alice', alice.identity.publicKey, [alice.cert, c2, r1]);
    expect(list.active.map((c) => c.deviceId)).toEqual([second.deviceId]);
    expect(list.revoked.map((c) => c.deviceId)).toEqual([alice.device.deviceId]);
    expect(list.listVersion).toBe(3);
    expect(nextListVersion([alice.cert, c2, r1])).toBe(4);
  });

  it('detects a rollback, a revoked device shown as active again and foreign certificates', async () => {
    const alice = await person('alice');
    const r1 = await revokeDeviceCert(alice.identity, alice.cert, 2);
    const seen = (await verifyDeviceList('alice', alice.identity.publicKey, [r1])).state;
    await expect(verifyDeviceList('alice', alice.identity.publicKey, [alice.cert], seen)).rejects.toMatchObject({ reason: 'rollback' });
    const again = await createDeviceCert(alice.identity, 'alice', alice.device, 5);
    await expect(verifyDeviceList('alice', alice.identity.publicKey, [again, r1])).rejects.toMatchObject({ reason: 'unrevoked' });
    await expect(verifyDeviceList('alice', alice.identity.publicKey, [again], seen)).rejects.toBeInstanceOf(DeviceListError);
    const bobCert = await createDeviceCert(alice.identity, 'bob', alice.device, 1);
    await expect(verifyDeviceList('alice', alice.identity.publicKey, [bobCert])).rejects.toMatchObject({ reason: 'wrong-user' });
  });

  it('rejects a certificate not signed by the pinned identity key', async () => {
    const alice = await person('alice');
    const server = await person('alice');
    await expect(verifyDeviceList('alice', alice.identity.publicKey, [alice.cert, server.cert])).rejects.toBeInstanceOf(SignatureError);
  });
});
