import { createDeviceCert, generateDeviceKeys, revokeDeviceCert } from './device-cert';
import { CryptoFormatError, IdentityChangedError } from './errors';
import { compareSafetyNumberQr, formatSafetyNumber, pairSafetyNumber, userFingerprint } from './safety-number';
import { MemoryTrustStore, TrustManager } from './trust-store';
import { person, Person } from '../spec-support/world';

describe('safety numbers', () => {
  let alice: Person, bob: Person;
  beforeAll(async () => {
    [alice, bob] = await Promise.all([person('alice'), person('bob')]);
  });

  it('are 30 digits per user, deterministic, and differ per key and per user id', async () => {
    const a = await userFingerprint('alice', alice.identity.publicKey);
    expect(a.digits).toMatch(/^\d{30}$/);
    expect(formatSafetyNumber(a.digits)).toMatch(/^(\d{5} ){5}\d{5}$/);
    expect((await userFingerprint('alice', alice.identity.publicKey)).digits).toBe(a.digits);
    expect((await userFingerprint('alice', bob.identity.publicKey)).digits).not.toBe(a.digits);
    expect((await userFingerprint('alicf', alice.identity.publicKey)).digits).not.toBe(a.digits);
  });

  it('read the same for A–B and B–A, as digits and as QR payload', async () => {
    const ab = await pairSafetyNumber({ userId: 'alice', uikPublic: alice.identity.publicKey }, { userId: 'bob', uikPublic: bob.identity.publicKey });
    const ba = await pairSafetyNumber({ userId: 'bob', uikPublic: bob.identity.publicKey }, { userId: 'alice', uikPublic: alice.identity.publicKey });
    expect(ab).toEqual(ba);
    expect(ab.digits).toMatch(/^\d{60}$/);
    expect(compareSafetyNumberQr(ba.qr, ab.qr)).toBe(true);
  });

  it('a swapped key (man in the middle) changes the number and the QR comparison fails', async () => {
    const mitm = await person('bob');
    const real = await pairSafetyNumber({ userId: 'alice', uikPublic: alice.identity.publicKey }, { userId: 'bob', uikPublic: bob.identity.publicKey });
    const seen = await pairSafetyNumber({ userId: 'alice', uikPublic: alice.identity.publicKey }, { userId: 'bob', uikPublic: mitm.identity.publicKey });
    expect(seen.digits).not.toBe(real.digits);
    expect(compareSafetyNumberQr(seen.qr, real.qr)).toBe(false);
    expect(() => compareSafetyNumberQr('https://example.com', real.qr)).toThrow(CryptoFormatError);
  });
});

describe('trust store (TOFU)', () => {
  it('pins the first key, accepts it again, and re-pins a changed key of an unverified contact with a warning', async () => {
    const tm = new TrustManager(new MemoryTrustStore(), () => 42);
    const [k1, k2] = [(await person('bob')).identity.publicKey, (await person('bob')).identity.publicKey];
    expect(await tm.observe('bob', k1)).toEqual({ state: 'new', verified: false, blocked: false });
    expect(await tm.observe('bob', k1)).toEqual({ state: 'trusted', verified: false, blocked: false });
    expect(await tm.observe('bob', k2)).toEqual({ state: 'changed', verified: false, blocked: false, previousUik: k1 });
    expect(await tm.observe('bob', k2)).toMatchObject({ state: 'trusted' });
    await expect(tm.assertCanSend(['bob'])).resolves.toBeUndefined();
  });

  it('blocks sending to a verified contact whose key changed until the user acknowledges it', async () => {
    const tm = new TrustManager(new MemoryTrustStore());
    const [k1, k2] = [(await person('bob')).identity.publicKey, (await person('bob')).identity.publicKey];
    await tm.observe('bob', k1);
    await tm.markVerified('bob', k1);
    expect(await tm.observe('bob', k1)).toMatchObject({ state: 'trusted', verified: true });
    expect(await tm.observe('bob', k2)).toEqual({ state: 'changed', verified: true, blocked: true, previousUik: k1 });
    await expect(tm.assertCanSend(['alice', 'bob'])).rejects.toBeInstanceOf(IdentityChangedError);
    await expect(tm.markVerified('bob', k2)).rejects.toBeInstanceOf(IdentityChangedError);
    await tm.acknowledgeChange('bob');
    await expect(tm.assertCanSend(['bob'])).resolves.toBeUndefined();
    expect(await tm.observe('bob', k2)).toMatchObject({ state: 'trusted', verified: false });
  });

  it('keeps the device list state so the server cannot roll back a revocation', async () => {
    const tm = new TrustManager(new MemoryTrustStore());
    const bob = await person('bob');
    const second = await generateDeviceKeys();
    const c2 = await createDeviceCert(bob.identity, 'bob', second, 2);
    const revoked = await revokeDeviceCert(bob.identity, bob.cert, 3);
    await tm.observe('bob', bob.identity.publicKey);
    expect((await tm.verifyDevices('bob', [c2, revoked])).active).toEqual([c2]);
    await expect(tm.verifyDevices('bob', [bob.cert, c2])).rejects.toMatchObject({ reason: 'rollback' });
  });
});
