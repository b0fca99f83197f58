import { b64uDecode, b64uEncode, randomBytes } from './encoding';
import { createEpochKey, openEpochKey, sealEpochKey, verifyEpochEnvelope } from './epoch';
import { CryptoFormatError, DecryptionError, NotARecipientError, ParleyCryptoError, RosterError, SignatureError } from './errors';
import { generateDeviceKeys, createDeviceCert } from './device-cert';
import { rosterHash } from './room-op';
import { flipB64u, makeUser, omit, TestUser } from './test-helpers';
import { EpochKeyEnvelope } from './types';

describe('epoch keys', () => {
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let eve: TestUser;
  let rek: Uint8Array;
  let env: EpochKeyEnvelope;
  const opsHead = b64uEncode(randomBytes(32));

  beforeAll(async () => {
    [alice, bob, carol, eve] = await Promise.all(['alice', 'bob', 'carol', 'eve'].map((u) => makeUser(u)));
    rek = createEpochKey();
    env = await sealEpochKey({
      rek,
      roomId: 'room-1',
      epoch: 4,
      opsHead,
      creator: { userId: 'alice', device: alice.device },
      recipients: [carol.cert, alice.cert, bob.cert],
    });
  });

  const open = (e: EpochKeyEnvelope, u: TestUser = bob, creatorCert = alice.cert) =>
    openEpochKey(e, { userId: u.userId, device: u.device }, creatorCert);

  it('creates 32-byte random epoch keys', () => {
    expect(createEpochKey()).toHaveLength(32);
    expect(createEpochKey()).not.toEqual(createEpochKey());
  });

  it('builds a signed envelope with one wrap per recipient in roster order', async () => {
    expect(env).toMatchObject({ v: 1, suite: 'v1', roomId: 'room-1', epoch: 4, opsHead, creatorUserId: 'alice', creatorDeviceId: alice.device.deviceId });
    expect(env.wraps.map((w) => w.userId)).toEqual(['alice', 'bob', 'carol']);
    for (const w of env.wraps) {
      expect(b64uDecode(w.enc)).toHaveLength(32);
      expect(b64uDecode(w.ct)).toHaveLength(48);
    }
    expect(env.rosterHash).toBe(await rosterHash([alice.cert, bob.cert, carol.cert]));
    await expect(verifyEpochEnvelope(env, alice.cert)).resolves.toBeUndefined();
  });

  it('lets each of the three recipient devices open the same epoch key', async () => {
    for (const u of [alice, bob, carol]) expect(await open(env, u)).toEqual(rek);
  });

  it('opens for a recipient whose device keys went through structured cloning', async () => {
    const cloned = structuredClone(bob.device);
    expect(await openEpochKey(env, { userId: 'bob', device: cloned }, alice.cert)).toEqual(rek);
  });

  it('refuses a device that is not a recipient with NotARecipientError', async () => {
    await expect(open(env, eve)).rejects.toBeInstanceOf(NotARecipientError);
  });

  it('fails when a wrap is swapped, its enc or ct flipped, or the wrap is re-labelled for another device', async () => {
    const withWraps = (wraps: EpochKeyEnvelope['wraps']) => ({ ...env, wraps });
    const bobIdx = env.wraps.findIndex((w) => w.userId === 'bob');
    const w = env.wraps[bobIdx];
    const variants = [
      env.wraps.map((x, i) => (i === bobIdx ? { ...x, enc: flipB64u(x.enc, 3) } : x)),
      env.wraps.map((x, i) => (i === bobIdx ? { ...x, ct: flipB64u(x.ct, 40) } : x)),
      env.wraps.map((x, i) => (i === bobIdx ? { ...x, ct: env.wraps[0].ct, enc: env.wraps[0].enc } : x)),
      env.wraps.map((x) => (x.userId === 'carol' ? { ...w, userId: 'carol', deviceId: carol.device.deviceId } : x)),
    ];
    for (const wraps of variants) {
      await expect(open(withWraps(wraps))).rejects.toBeInstanceOf(SignatureError);
    }
  });

  it('does not open a wrap that the creator signed for another device even with a valid signature', async () => {
    // Carol's wrap re-labelled as Bob's in an envelope re-signed by the (malicious) creator: HPKE info binds the device.
    const evil = await sealEpochKey({ rek, roomId: 'room-1', epoch: 4, opsHead, creator: { userId: 'alice', device: alice.device }, recipients: [bob.cert, carol.cert] });
    const carolWrap = evil.wraps.find((x) => x.userId === 'carol');
    if (!carolWrap) throw new Error('fixture: no wrap for carol');
    const relabelled = evil.wraps.map((x) => (x.userId === 'bob' ? { ...carolWrap, userId: 'bob', deviceId: bob.device.deviceId } : x));
    const resealed = await sealLike(omit({ ...evil, wraps: relabelled }, 'sig'));
    await expect(open(resealed)).rejects.toBeInstanceOf(DecryptionError);
  });

  it('fails when the signature, roomId, epoch, rosterHash, opsHead, creator or createdAt is tampered with', async () => {
    const tampered: EpochKeyEnvelope[] = [
      { ...env, sig: flipB64u(env.sig, 0) },
      { ...env, sig: flipB64u(env.sig, 63, 0x80) },
      { ...env, roomId: 'room-2' },
      { ...env, epoch: 5 },
      { ...env, rosterHash: flipB64u(env.rosterHash, 7) },
      { ...env, opsHead: flipB64u(env.opsHead, 7) },
      { ...env, createdAt: env.createdAt + 1 },
      { ...env, wraps: env.wraps.slice(1) },
    ];
    for (const t of tampered) await expect(open(t)).rejects.toBeInstanceOf(SignatureError);
  });

  it('fails when verified against a certificate that is not the creator', async () => {
    await expect(open(env, bob, bob.cert)).rejects.toBeInstanceOf(SignatureError);
    await expect(open(env, bob, { ...bob.cert, userId: 'alice', deviceId: alice.device.deviceId })).rejects.toBeInstanceOf(SignatureError);
  });

  it('binds the key to roomId and epoch even when the creator re-signs a copied wrap', async () => {
    // A creator who copies wraps into an envelope for another room/epoch cannot make them open there.
    await expect(open(await sealLike(omit({ ...env, roomId: 'room-2' }, 'sig')))).rejects.toBeInstanceOf(DecryptionError);
    await expect(open(await sealLike(omit({ ...env, epoch: 5 }, 'sig')))).rejects.toBeInstanceOf(DecryptionError);
  });

  it('refuses revoked, duplicate or missing recipients', async () => {
    const base = { rek, roomId: 'r', epoch: 1, opsHead, creator: { userId: 'alice', device: alice.device } };
    await expect(sealEpochKey({ ...base, recipients: [] })).rejects.toBeInstanceOf(RosterError);
    await expect(sealEpochKey({ ...base, recipients: [bob.cert, bob.cert] })).rejects.toBeInstanceOf(RosterError);
    await expect(sealEpochKey({ ...base, recipients: [{ ...bob.cert, revoked: true }] })).rejects.toBeInstanceOf(RosterError);
    await expect(sealEpochKey({ ...base, rek: randomBytes(16), recipients: [bob.cert] })).rejects.toBeInstanceOf(CryptoFormatError);
  });

  it('rejects a recipient with a low-order X25519 key', async () => {
    const d = await generateDeviceKeys();
    const cert = await createDeviceCert(eve.identity, 'eve', { ...d, kemPublic: b64uEncode(new Uint8Array(32)) }, 1);
    const err = await sealEpochKey({ rek, roomId: 'r', epoch: 1, opsHead, creator: { userId: 'alice', device: alice.device }, recipients: [cert] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParleyCryptoError);
    expect(err).toBeInstanceOf(CryptoFormatError);
  });

  /** Signs an arbitrary (attacker-chosen) envelope body with alice's device key, as a malicious creator could. */
  async function sealLike(unsigned: Omit<EpochKeyEnvelope, 'sig'>): Promise<EpochKeyEnvelope> {
    const { epochSigningBytes } = await import('./epoch');
    const sig = new Uint8Array(await crypto.subtle.sign('Ed25519', alice.device.sigKey.privateKey, epochSigningBytes(unsigned)));
    return { ...unsigned, sig: b64uEncode(sig) };
  }
});
