/**
 * Interop: an independent implementation of the documented layouts (README.md), written here with node:crypto
 * only, opens what the library builds and builds what the library opens — messages and epoch envelopes. Its HPKE
 * is checked against RFC 9180 A.1.1 and A.2.1 first.
 */
import * as nc from 'node:crypto';
import { decryptMessage, encryptMessage } from './message';
import { createEpochKey, openEpochKey, sealEpochKey } from './epoch';
import { DeviceKeys, verifyDeviceCert } from './device-cert';
import { rosterHash } from './room-op';
import { DeviceCert, EncryptedEvent, EpochKeyEnvelope, Payload } from './types';
import rfc9180 from '../spec-support/fixtures/rfc9180-x25519.json';

// ------------------------------------------------------------------ the independent implementation (node:crypto)
const B = Buffer;
const cat = (...p: Buffer[]) => B.concat(p);
const str = (s: string) => B.from(s, 'utf8');
const lp = (b: Buffer | string) => {
  const x = typeof b === 'string' ? str(b) : b;
  const l = B.alloc(2);
  l.writeUInt16BE(x.length);
  return cat(l, x);
};
const u8 = (n: number) => B.from([n]);
const u32 = (n: number) => {
  const b = B.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const u64 = (n: number) => {
  const b = B.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};
const b64u = (b: Buffer) => b.toString('base64url');
const unb64u = (s: string) => B.from(s, 'base64url');

const X25519_PKCS8 = B.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI = B.from('302a300506032b656e032100', 'hex');
const x25519Priv = (raw: Buffer) => nc.createPrivateKey({ key: cat(X25519_PKCS8, raw), format: 'der', type: 'pkcs8' });
const x25519Pub = (raw: Buffer) => nc.createPublicKey({ key: cat(X25519_SPKI, raw), format: 'der', type: 'spki' });
const rawPub = (k: nc.KeyObject) => B.from((k.export({ format: 'jwk' }) as { x: string }).x, 'base64url');
const rawPriv = (k: nc.KeyObject) => B.from((k.export({ format: 'jwk' }) as { d: string }).d, 'base64url');
const edPub = (raw: Buffer) => nc.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64u(raw) }, format: 'jwk' });

/** RFC 9180 base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, single shot. */
const hpke = (aeadId: number) => {
  const nk = aeadId === 1 ? 16 : 32;
  const cipher = aeadId === 1 ? 'aes-128-gcm' : aeadId === 2 ? 'aes-256-gcm' : 'chacha20-poly1305';
  const kemSuite = cat(str('KEM'), B.from([0x00, 0x20]));
  const suite = cat(str('HPKE'), B.from([0x00, 0x20, 0x00, 0x01, 0x00, aeadId]));
  const extract = (salt: Buffer, ikm: Buffer) => nc.createHmac('sha256', salt.length ? salt : B.alloc(32)).update(ikm).digest();
  const expand = (prk: Buffer, info: Buffer, len: number) => {
    let t = B.alloc(0);
    let out = B.alloc(0);
    for (let i = 1; out.length < len; i++) {
      t = nc.createHmac('sha256', prk).update(cat(t, info, u8(i))).digest();
      out = cat(out, t);
    }
    return out.subarray(0, len);
  };
  const lx = (sid: Buffer, salt: Buffer, label: string, ikm: Buffer) => extract(salt, cat(str('HPKE-v1'), sid, str(label), ikm));
  const le = (sid: Buffer, prk: Buffer, label: string, info: Buffer, len: number) => {
    const l = B.alloc(2);
    l.writeUInt16BE(len);
    return expand(prk, cat(l, str('HPKE-v1'), sid, str(label), info), len);
  };
  const deriveKeyPair = (ikm: Buffer) => le(kemSuite, lx(kemSuite, B.alloc(0), 'dkp_prk', ikm), 'sk', B.alloc(0), 32);
  const sharedSecret = (dh: Buffer, enc: Buffer, pkR: Buffer) =>
    le(kemSuite, lx(kemSuite, B.alloc(0), 'eae_prk', dh), 'shared_secret', cat(enc, pkR), 32);
  const schedule = (ss: Buffer, info: Buffer) => {
    const ctx = cat(u8(0), lx(suite, B.alloc(0), 'psk_id_hash', B.alloc(0)), lx(suite, B.alloc(0), 'info_hash', info));
    const secret = lx(suite, ss, 'secret', B.alloc(0));
    return { key: le(suite, secret, 'key', ctx, nk), nonce: le(suite, secret, 'base_nonce', ctx, 12) };
  };
  const nonceFor = (base: Buffer, seq: number) => {
    const n = B.from(base);
    n[11] ^= seq & 255;
    n[10] ^= (seq >> 8) & 255;
    return n;
  };
  const aeadSeal = (key: Buffer, nonce: Buffer, aad: Buffer, pt: Buffer) => {
    const c = nc.createCipheriv(cipher as 'aes-256-gcm', key, nonce, { authTagLength: 16 });
    c.setAAD(aad);
    return cat(c.update(pt), c.final(), c.getAuthTag());
  };
  const aeadOpen = (key: Buffer, nonce: Buffer, aad: Buffer, ct: Buffer) => {
    const d = nc.createDecipheriv(cipher as 'aes-256-gcm', key, nonce, { authTagLength: 16 });
    d.setAAD(aad);
    d.setAuthTag(ct.subarray(ct.length - 16));
    return cat(d.update(ct.subarray(0, ct.length - 16)), d.final());
  };
  return {
    deriveKeyPair,
    seal(pkR: Buffer, info: Buffer, aad: Buffer, pts: Buffer[], ikmE?: Buffer) {
      const skE = ikmE ? deriveKeyPair(ikmE) : rawPriv(nc.generateKeyPairSync('x25519').privateKey);
      const enc = rawPub(nc.createPublicKey(x25519Priv(skE)));
      const ss = sharedSecret(nc.diffieHellman({ privateKey: x25519Priv(skE), publicKey: x25519Pub(pkR) }), enc, pkR);
      const { key, nonce } = schedule(ss, info);
      return { enc, ss, key, nonce, cts: pts.map((pt, seq) => aeadSeal(key, nonceFor(nonce, seq), aad, pt)) };
    },
    open(skR: Buffer, enc: Buffer, info: Buffer, aad: Buffer, ct: Buffer, seq = 0) {
      const pkR = rawPub(nc.createPublicKey(x25519Priv(skR)));
      const ss = sharedSecret(nc.diffieHellman({ privateKey: x25519Priv(skR), publicKey: x25519Pub(enc) }), enc, pkR);
      const { key, nonce } = schedule(ss, info);
      return aeadOpen(key, nonceFor(nonce, seq), aad, ct);
    },
  };
};

/** A device whose private keys node:crypto also holds (the library gets them as Web Crypto keys). */
async function nodeDevice(deviceId: string) {
  const sig = nc.generateKeyPairSync('ed25519');
  const kem = nc.generateKeyPairSync('x25519');
  const wc = globalThis.crypto.subtle;
  const device: DeviceKeys = {
    deviceId,
    sigKey: {
      privateKey: await wc.importKey('pkcs8', sig.privateKey.export({ format: 'der', type: 'pkcs8' }), 'Ed25519', false, ['sign']),
      publicKey: await wc.importKey('raw', rawPub(sig.publicKey), 'Ed25519', true, ['verify']),
    },
    kemKey: {
      privateKey: await wc.importKey('pkcs8', kem.privateKey.export({ format: 'der', type: 'pkcs8' }), 'X25519', false, ['deriveBits']),
      publicKey: await wc.importKey('raw', rawPub(kem.publicKey), 'X25519', true, []),
    },
    sigPublic: b64u(rawPub(sig.publicKey)),
    kemPublic: b64u(rawPub(kem.publicKey)),
  };
  return { device, sig, kem };
}

/** A DeviceCert built and signed by node:crypto from the README layout. */
function nodeCert(uik: nc.KeyObject, userId: string, deviceId: string, sigPub: Buffer, kemPub: Buffer): DeviceCert {
  const createdAt = 1_700_000_000_000;
  const bytes = cat(str('parley/v1/device-cert'), lp(userId), lp(deviceId), lp(sigPub), lp(kemPub), u64(createdAt), u32(1), u8(0));
  return { v: 1, userId, deviceId, sigKey: b64u(sigPub), kemKey: b64u(kemPub), createdAt, listVersion: 1, uikSig: b64u(nc.sign(null, bytes, uik)) };
}

const messageAad = (e: Omit<EncryptedEvent, 'ct' | 'sig'>) =>
  cat(str('parley/v1/msg'), lp('1'), lp('v1'), lp(e.roomId), u32(e.epoch), lp(unb64u(e.messageId)), lp(e.senderUserId),
    lp(e.senderDeviceId), u64(e.senderSeq), u64(e.sentAt), u8(e.ephemeral ? 1 : 0));
const messageKey = (rek: Buffer, messageId: Buffer) => B.from(nc.hkdfSync('sha256', rek, messageId, str('parley/v1/msg'), 44));
const sortKey = (a: { userId: string; deviceId: string }, b: { userId: string; deviceId: string }) =>
  B.compare(str(a.userId), str(b.userId)) || B.compare(str(a.deviceId), str(b.deviceId));
const nodeRosterHash = (certs: DeviceCert[]) =>
  nc.createHash('sha256').update(cat(...[...certs].sort(sortKey).map((c) => cat(lp(c.userId), lp(c.deviceId), lp(unb64u(c.kemKey)))))).digest();
const epochSigBytes = (e: Omit<EpochKeyEnvelope, 'sig'>) =>
  cat(str('parley/v1/epoch'), lp(e.roomId), u32(e.epoch), lp(unb64u(e.rosterHash)), lp(unb64u(e.opsHead)), lp(e.creatorUserId),
    lp(e.creatorDeviceId), u64(e.createdAt), ...e.wraps.flatMap((w) => [lp(w.userId), lp(w.deviceId), lp(unb64u(w.enc)), lp(unb64u(w.ct))]));
const rekInfo = (roomId: string, epoch: number, userId: string, deviceId: string) => cat(str('parley/v1/rek'), lp(roomId), u32(epoch), lp(userId), lp(deviceId));

// ------------------------------------------------------------------------------------------------------- tests
describe('the independent HPKE (node:crypto) against RFC 9180', () => {
  it.each(rfc9180.vectors.map((v) => [v.name, v] as const))('%s', (_n, v) => {
    const h = hpke(v.aead_id);
    expect(h.deriveKeyPair(B.from(v.ikmE, 'hex')).toString('hex')).toBe(v.skEm);
    const s = h.seal(B.from(v.pkRm, 'hex'), B.from(v.info, 'hex'), B.alloc(0), [], B.from(v.ikmE, 'hex'));
    expect([s.enc.toString('hex'), s.ss.toString('hex'), s.key.toString('hex'), s.nonce.toString('hex')]).toEqual([v.enc, v.shared_secret, v.key, v.base_nonce]);
    for (const e of v.encryptions) {
      const one = h.seal(B.from(v.pkRm, 'hex'), B.from(v.info, 'hex'), B.from(e.aad, 'hex'), Array(e.seq + 1).fill(B.from(e.pt, 'hex')), B.from(v.ikmE, 'hex'));
      expect(one.cts[e.seq].toString('hex')).toBe(e.ct);
      expect(h.open(B.from(v.skRm, 'hex'), B.from(v.enc, 'hex'), B.from(v.info, 'hex'), B.from(e.aad, 'hex'), B.from(e.ct, 'hex'), e.seq).toString('hex')).toBe(e.pt);
    }
  });
});

describe('interop with an independent implementation of the documented layouts', () => {
  const uik = nc.generateKeyPairSync('ed25519');
  const uikPublic = b64u(rawPub(uik.publicKey));
  let alice: Awaited<ReturnType<typeof nodeDevice>>;
  let bob: Awaited<ReturnType<typeof nodeDevice>>;
  let aliceCert: DeviceCert;
  let bobCert: DeviceCert;

  beforeAll(async () => {
    alice = await nodeDevice('alice-phone');
    bob = await nodeDevice('bob-laptop');
    aliceCert = nodeCert(uik.privateKey, 'alice', 'alice-phone', rawPub(alice.sig.publicKey), rawPub(alice.kem.publicKey));
    bobCert = nodeCert(uik.privateKey, 'bob', 'bob-laptop', rawPub(bob.sig.publicKey), rawPub(bob.kem.publicKey));
  });

  it('the library accepts device certificates made by node:crypto', async () => {
    await expect(verifyDeviceCert(aliceCert, uikPublic)).resolves.toBeUndefined();
  });

  it('node:crypto verifies and decrypts a message built by the library', async () => {
    const rek = createEpochKey();
    const payload: Payload = { type: 'text', body: 'interop ✓', mentions: ['bob'] };
    const e = await encryptMessage({ rek, roomId: 'room-1', epoch: 7, sender: { userId: 'alice', device: alice.device }, senderSeq: 3, payload, sentAt: 1_700_000_000_001 });
    const aad = messageAad(e);
    const ct = unb64u(e.ct);
    expect(nc.verify(null, cat(str('parley/v1/sig'), aad, ct), edPub(rawPub(alice.sig.publicKey)), unb64u(e.sig))).toBe(true);
    const okm = messageKey(B.from(rek), unb64u(e.messageId));
    const d = nc.createDecipheriv('aes-256-gcm', okm.subarray(0, 32), okm.subarray(32, 44));
    d.setAAD(aad);
    d.setAuthTag(ct.subarray(ct.length - 16));
    const padded = cat(d.update(ct.subarray(0, ct.length - 16)), d.final());
    expect(padded.length % 256).toBe(0);
    const end = padded.lastIndexOf(0x80);
    expect(padded.subarray(end + 1).every((b) => b === 0)).toBe(true);
    expect(JSON.parse(padded.subarray(0, end).toString('utf8'))).toEqual(payload);
  });

  it('the library verifies and decrypts a message built by node:crypto', async () => {
    const rek = nc.randomBytes(32);
    const header = { v: 1 as const, suite: 'v1' as const, roomId: 'room-1', epoch: 7, messageId: b64u(nc.randomBytes(16)), senderUserId: 'alice',
      senderDeviceId: 'alice-phone', senderSeq: 9, sentAt: 1_700_000_000_002, ephemeral: true as const };
    const aad = messageAad(header);
    const json = str(JSON.stringify({ type: 'typing' }));
    const padded = B.alloc(Math.ceil((json.length + 1) / 256) * 256);
    json.copy(padded);
    padded[json.length] = 0x80;
    const okm = messageKey(rek, unb64u(header.messageId));
    const c = nc.createCipheriv('aes-256-gcm', okm.subarray(0, 32), okm.subarray(32, 44));
    c.setAAD(aad);
    const ct = cat(c.update(padded), c.final(), c.getAuthTag());
    const sig = nc.sign(null, cat(str('parley/v1/sig'), aad, ct), alice.sig.privateKey);
    const event: EncryptedEvent = { ...header, ct: b64u(ct), sig: b64u(sig) };
    expect(await decryptMessage(event, new Uint8Array(rek), aliceCert)).toEqual({ type: 'typing' });
  });

  it('node:crypto checks and opens an epoch envelope built by the library', async () => {
    const rek = createEpochKey();
    const opsHead = b64u(nc.randomBytes(32));
    const env = await sealEpochKey({ rek, roomId: 'room-1', epoch: 2, opsHead, creator: { userId: 'alice', device: alice.device }, recipients: [bobCert, aliceCert], createdAt: 5 });
    const { sig, ...unsigned } = env;
    expect(nc.verify(null, epochSigBytes(unsigned), edPub(rawPub(alice.sig.publicKey)), unb64u(sig))).toBe(true);
    expect(b64u(nodeRosterHash([aliceCert, bobCert]))).toBe(env.rosterHash);
    expect(env.wraps.map((w) => w.userId)).toEqual(['alice', 'bob']);
    const w = env.wraps[1];
    const out = hpke(2).open(rawPriv(bob.kem.privateKey), unb64u(w.enc), rekInfo('room-1', 2, 'bob', 'bob-laptop'), unb64u(env.rosterHash), unb64u(w.ct));
    expect(new Uint8Array(out)).toEqual(rek);
  });

  it('the library verifies and opens an epoch envelope built by node:crypto', async () => {
    const rek = nc.randomBytes(32);
    const certs = [aliceCert, bobCert];
    const rh = nodeRosterHash(certs);
    const wraps = [...certs].sort(sortKey).map((c) => {
      const s = hpke(2).seal(unb64u(c.kemKey), rekInfo('room-1', 3, c.userId, c.deviceId), rh, [rek]);
      return { userId: c.userId, deviceId: c.deviceId, enc: b64u(s.enc), ct: b64u(s.cts[0]) };
    });
    const unsigned = { v: 1 as const, suite: 'v1' as const, roomId: 'room-1', epoch: 3, rosterHash: b64u(rh), opsHead: b64u(nc.randomBytes(32)),
      creatorUserId: 'alice', creatorDeviceId: 'alice-phone', createdAt: 6, wraps };
    const env: EpochKeyEnvelope = { ...unsigned, sig: b64u(nc.sign(null, epochSigBytes(unsigned), alice.sig.privateKey)) };
    expect(await rosterHash(certs)).toBe(env.rosterHash);
    expect(await openEpochKey(env, { userId: 'bob', device: bob.device }, aliceCert)).toEqual(new Uint8Array(rek));
  });
});
