import { createDeviceCert, generateDeviceKeys, revokeDeviceCert, verifyDeviceCert } from './device-cert';
import { b64uDecode, b64uEncode, randomBytes } from './encoding';
import { CryptoFormatError, ParleyCryptoError, SignatureError } from './errors';
import { generateIdentity } from './identity';
import { flipB64u, omit } from './test-helpers';
import { DeviceCert } from './types';

describe('device keys and certificates', () => {
  it('generates device keys with non-extractable private keys and raw public keys', async () => {
    const d = await generateDeviceKeys();
    expect(b64uDecode(d.deviceId)).toHaveLength(16);
    expect(d.sigKey.privateKey.extractable).toBe(false);
    expect(d.kemKey.privateKey.extractable).toBe(false);
    expect(d.sigKey.privateKey.algorithm.name).toBe('Ed25519');
    expect(d.kemKey.privateKey.algorithm.name).toBe('X25519');
    expect(b64uDecode(d.sigPublic)).toHaveLength(32);
    expect(b64uDecode(d.kemPublic)).toHaveLength(32);
  });

  it('keeps device keys structured-cloneable for IndexedDB', async () => {
    const d = await generateDeviceKeys();
    const clone = structuredClone(d);
    expect(clone.kemKey.privateKey.algorithm.name).toBe('X25519');
    expect(clone.sigPublic).toBe(d.sigPublic);
  });

  it('verifies a certificate signed by the user identity key', async () => {
    const uik = await generateIdentity();
    const d = await generateDeviceKeys();
    const cert = await createDeviceCert(uik, 'alice', d, 7, { createdAt: 1_700_000_000_000 });
    expect(cert).toMatchObject({ v: 1, userId: 'alice', deviceId: d.deviceId, listVersion: 7, createdAt: 1_700_000_000_000 });
    expect(cert.revoked).toBeUndefined();
    await expect(verifyDeviceCert(cert, uik.publicKey)).resolves.toBeUndefined();
  });

  it('rejects a certificate checked against another identity key', async () => {
    const uik = await generateIdentity();
    const other = await generateIdentity();
    const cert = await createDeviceCert(uik, 'alice', await generateDeviceKeys(), 1);
    await expect(verifyDeviceCert(cert, other.publicKey)).rejects.toBeInstanceOf(SignatureError);
  });

  it('rejects a certificate when any signed field is tampered with', async () => {
    const uik = await generateIdentity();
    const cert = await createDeviceCert(uik, 'alice', await generateDeviceKeys(), 3);
    const otherKey = b64uEncode(randomBytes(32));
    const tampered: DeviceCert[] = [
      { ...cert, userId: 'mallory' },
      { ...cert, deviceId: 'other-device' },
      { ...cert, sigKey: otherKey },
      { ...cert, kemKey: otherKey },
      { ...cert, createdAt: cert.createdAt + 1 },
      { ...cert, listVersion: 4 },
      { ...cert, revoked: true },
      { ...cert, uikSig: flipB64u(cert.uikSig, 5) },
    ];
    for (const t of tampered) {
      await expect(verifyDeviceCert(t, uik.publicKey)).rejects.toBeInstanceOf(SignatureError);
    }
  });

  it('rejects malformed certificates with a format error', async () => {
    const uik = await generateIdentity();
    const cert = await createDeviceCert(uik, 'alice', await generateDeviceKeys(), 3);
    const bad = [
      { ...cert, v: 2 },
      { ...cert, sigKey: b64uEncode(randomBytes(31)) },
      { ...cert, listVersion: -1 },
      { ...cert, uikSig: cert.uikSig + 'A' },
      { ...cert, revoked: false },
    ] as unknown as DeviceCert[];
    for (const t of bad) {
      const err = await verifyDeviceCert(t, uik.publicKey).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ParleyCryptoError);
      expect(err).toBeInstanceOf(CryptoFormatError);
    }
  });

  it('issues a revocation certificate that verifies and is marked revoked', async () => {
    const uik = await generateIdentity();
    const cert = await createDeviceCert(uik, 'alice', await generateDeviceKeys(), 1);
    const revoked = await revokeDeviceCert(uik, cert, 2);
    expect(revoked.revoked).toBe(true);
    expect(revoked.listVersion).toBe(2);
    expect(revoked.sigKey).toBe(cert.sigKey);
    await expect(verifyDeviceCert(revoked, uik.publicKey)).resolves.toBeUndefined();
    await expect(verifyDeviceCert(omit(revoked, 'revoked'), uik.publicKey)).rejects.toBeInstanceOf(SignatureError);
  });
});
