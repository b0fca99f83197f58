import { revokeDeviceCert } from './device-cert';
import { b64uDecode, b64uEncode, concatBytes, lp, randomBytes, u32, u64, u8, utf8 } from './encoding';
import { createEpochKey } from './epoch';
import { CryptoFormatError, DecryptionError, ParleyCryptoError, SignatureError } from './errors';
import { decryptMessage, encryptMessage, EncryptMessageParams, messageAad, pad, unpad } from './message';
import { makeUser, TestUser } from './test-helpers';
import { EncryptedEvent, Payload } from './types';

describe('messages', () => {
  let alice: TestUser;
  let bob: TestUser;
  let rek: Uint8Array;
  let event: EncryptedEvent;
  const payload: Payload = { type: 'text', body: 'hello, world', mentions: ['bob'] };

  const params = (over: Partial<EncryptMessageParams> = {}): EncryptMessageParams => ({
    rek,
    roomId: 'room-1',
    epoch: 2,
    sender: { userId: 'alice', device: alice.device },
    senderSeq: 41,
    payload,
    sentAt: 1_700_000_000_123,
    ...over,
  });

  beforeAll(async () => {
    [alice, bob] = await Promise.all([makeUser('alice'), makeUser('bob')]);
    rek = createEpochKey();
    event = await encryptMessage(params());
  });

  it('round-trips a payload through encrypt and decrypt', async () => {
    expect(event).toMatchObject({ v: 1, suite: 'v1', roomId: 'room-1', epoch: 2, senderUserId: 'alice', senderDeviceId: alice.device.deviceId, senderSeq: 41, sentAt: 1_700_000_000_123 });
    expect(event.ephemeral).toBeUndefined();
    expect(b64uDecode(event.messageId)).toHaveLength(16);
    expect(b64uDecode(event.sig)).toHaveLength(64);
    expect(await decryptMessage(event, rek, alice.cert)).toEqual(payload);
  });

  it('round-trips ephemeral events, unicode bodies and caller-chosen message ids', async () => {
    const messageId = b64uEncode(randomBytes(16));
    const p: Payload = { type: 'typing', body: 'ünïcødé 🔐' };
    const e = await encryptMessage(params({ payload: p, ephemeral: true, messageId }));
    expect(e.ephemeral).toBe(true);
    expect(e.messageId).toBe(messageId);
    expect(await decryptMessage(e, rek, alice.cert)).toEqual(p);
    await expect(decryptMessage({ ...e, ephemeral: undefined }, rek, alice.cert)).rejects.toBeInstanceOf(SignatureError);
  });

  it('uses a fresh message id and ciphertext for every message', async () => {
    const again = await encryptMessage(params());
    expect(again.messageId).not.toBe(event.messageId);
    expect(again.ct).not.toBe(event.ct);
  });

  it('follows the DESIGN §3 layout for key, nonce, AAD, padding and signature', async () => {
    const mid = b64uDecode(event.messageId);
    const aad = concatBytes(
      utf8('parley/v1/msg'), lp('1'), lp('v1'), lp('room-1'), u32(2), lp(mid), lp('alice'), lp(alice.device.deviceId), u64(41), u64(1_700_000_000_123), u8(0),
    );
    expect(messageAad(event)).toEqual(aad);
    const base = await crypto.subtle.importKey('raw', new Uint8Array(rek), 'HKDF', false, ['deriveBits']);
    const okm = new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: mid, info: utf8('parley/v1/msg') }, base, 44 * 8));
    const key = await crypto.subtle.importKey('raw', okm.slice(0, 32), 'AES-GCM', false, ['decrypt']);
    const pt = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: okm.slice(32), additionalData: aad }, key, b64uDecode(event.ct)));
    const json = utf8(JSON.stringify(payload));
    expect(pt).toHaveLength(256);
    expect(pt.subarray(0, json.length)).toEqual(json);
    expect(pt[json.length]).toBe(0x80);
    expect(pt.subarray(json.length + 1).every((b) => b === 0)).toBe(true);
    const pub = await crypto.subtle.importKey('raw', b64uDecode(alice.cert.sigKey), 'Ed25519', true, ['verify']);
    const signed = concatBytes(utf8('parley/v1/sig'), aad, b64uDecode(event.ct));
    expect(await crypto.subtle.verify('Ed25519', pub, b64uDecode(event.sig), signed)).toBe(true);
  });

  it('fails with a typed error when any single byte of the ciphertext is flipped', async () => {
    const ct = b64uDecode(event.ct);
    for (let i = 0; i < ct.length; i++) {
      const t = ct.slice();
      t[i] ^= 0x01;
      await expect(decryptMessage({ ...event, ct: b64uEncode(t) }, rek, alice.cert)).rejects.toBeInstanceOf(SignatureError);
    }
  });

  it('fails with a typed error when any single byte of the signature is flipped', async () => {
    const sig = b64uDecode(event.sig);
    for (let i = 0; i < sig.length; i++) {
      const t = sig.slice();
      t[i] ^= 0x80;
      await expect(decryptMessage({ ...event, sig: b64uEncode(t) }, rek, alice.cert)).rejects.toBeInstanceOf(SignatureError);
    }
  });

  it('fails when roomId, epoch, messageId, senderUserId, senderDeviceId, senderSeq or sentAt is changed', async () => {
    const otherId = b64uEncode(randomBytes(16));
    const changed: EncryptedEvent[] = [
      { ...event, roomId: 'room-2' },
      { ...event, epoch: 3 },
      { ...event, messageId: otherId },
      { ...event, senderSeq: 42 },
      { ...event, sentAt: event.sentAt + 1 },
      { ...event, ephemeral: true },
    ];
    for (const e of changed) await expect(decryptMessage(e, rek, alice.cert)).rejects.toBeInstanceOf(SignatureError);
    // Changing the sender breaks the certificate match; with a matching forged cert, the signature fails.
    await expect(decryptMessage({ ...event, senderUserId: 'bob' }, rek, alice.cert)).rejects.toBeInstanceOf(SignatureError);
    await expect(decryptMessage({ ...event, senderUserId: 'bob' }, rek, { ...alice.cert, userId: 'bob' })).rejects.toBeInstanceOf(SignatureError);
    await expect(decryptMessage({ ...event, senderDeviceId: bob.device.deviceId }, rek, alice.cert)).rejects.toBeInstanceOf(SignatureError);
  });

  it('fails when the message was signed by a different device than the certificate says', async () => {
    await expect(decryptMessage(event, rek, { ...bob.cert, userId: 'alice', deviceId: alice.device.deviceId })).rejects.toBeInstanceOf(SignatureError);
  });

  it('refuses a message from a revoked sender device', async () => {
    const revoked = await revokeDeviceCert(alice.identity, alice.cert, 2);
    await expect(decryptMessage(event, rek, revoked)).rejects.toBeInstanceOf(SignatureError);
  });

  it('fails with DecryptionError under the wrong epoch key even with a valid signature', async () => {
    await expect(decryptMessage(event, createEpochKey(), alice.cert)).rejects.toBeInstanceOf(DecryptionError);
  });

  it('rejects malformed events with a format error', async () => {
    const bad = [
      { ...event, v: 2 },
      { ...event, suite: 'v2' },
      { ...event, messageId: b64uEncode(randomBytes(15)) },
      { ...event, ct: event.ct + '=' },
      { ...event, ct: b64uEncode(randomBytes(100)) },
      { ...event, epoch: -1 },
      { ...event, senderSeq: 1.5 },
    ] as unknown as EncryptedEvent[];
    for (const e of bad) await expect(decryptMessage(e, rek, alice.cert)).rejects.toBeInstanceOf(CryptoFormatError);
    await expect(decryptMessage(event, randomBytes(16), alice.cert)).rejects.toBeInstanceOf(CryptoFormatError);
  });

  it('rejects a validly signed ciphertext whose plaintext is not a payload', async () => {
    // A malicious room member (holding the REK and a certified device) sends garbage: typed error, never garbage out.
    const forge = async (plain: Uint8Array<ArrayBuffer>): Promise<EncryptedEvent> => {
      const e = await encryptMessage(params());
      const mid = b64uDecode(e.messageId);
      const aad = messageAad(e);
      const base = await crypto.subtle.importKey('raw', new Uint8Array(rek), 'HKDF', false, ['deriveBits']);
      const okm = new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: mid, info: utf8('parley/v1/msg') }, base, 352));
      const key = await crypto.subtle.importKey('raw', okm.slice(0, 32), 'AES-GCM', false, ['encrypt']);
      const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: okm.slice(32), additionalData: aad }, key, plain));
      const sig = new Uint8Array(await crypto.subtle.sign('Ed25519', alice.device.sigKey.privateKey, concatBytes(utf8('parley/v1/sig'), aad, ct)));
      return { ...e, ct: b64uEncode(ct), sig: b64uEncode(sig) };
    };
    const cases = [
      new Uint8Array(256), // no 0x80 marker
      pad(utf8('not json')),
      pad(utf8('[1,2]')),
      pad(utf8('{"type":5}')),
      pad(utf8('{"body":"x"}')),
      pad(new Uint8Array([0xff, 0xfe])),
    ];
    for (const c of cases) {
      const err = await decryptMessage(await forge(c), rek, alice.cert).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ParleyCryptoError);
      expect(err).toBeInstanceOf(CryptoFormatError);
    }
  });

  it('hides the body length within a 256-byte bucket', async () => {
    const short = await encryptMessage(params({ payload: { type: 'text', body: 'x' } }));
    const long = await encryptMessage(params({ payload: { type: 'text', body: 'x'.repeat(200) } }));
    const longer = await encryptMessage(params({ payload: { type: 'text', body: 'x'.repeat(300) } }));
    expect(b64uDecode(short.ct)).toHaveLength(256 + 16);
    expect(b64uDecode(long.ct).length).toBe(b64uDecode(short.ct).length);
    expect(b64uDecode(longer.ct)).toHaveLength(512 + 16);
  });

  it('pads with 0x80 and zeros, adding a whole block when the data fills one', () => {
    expect(pad(new Uint8Array(0))).toHaveLength(256);
    expect(pad(new Uint8Array(255))).toHaveLength(256);
    expect(pad(new Uint8Array(256))).toHaveLength(512);
    for (const n of [0, 1, 255, 256, 700]) {
      const data = randomBytes(n);
      expect(unpad(pad(data))).toEqual(data);
    }
    expect(() => unpad(new Uint8Array(256))).toThrow(CryptoFormatError);
    expect(() => unpad(new Uint8Array(255))).toThrow(CryptoFormatError);
    const twoBlocksOfZeros = new Uint8Array(512);
    twoBlocksOfZeros[0] = 0x80;
    expect(() => unpad(twoBlocksOfZeros)).toThrow(CryptoFormatError);
  });

  it('refuses to encrypt a payload without a type', async () => {
    await expect(encryptMessage(params({ payload: { body: 'x' } as unknown as Payload }))).rejects.toBeInstanceOf(CryptoFormatError);
  });
});
