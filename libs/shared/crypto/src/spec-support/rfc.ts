/**
 * Known-answer tests from the RFCs, through the library's primitive layer (platform-neutral: Node and Chromium).
 * RFC 5869 (HKDF-SHA-256), RFC 7748 (X25519), RFC 8032 (Ed25519), RFC 9106 (Argon2id), RFC 9180 (HPKE).
 */
import { Aes128Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { argon2id as nobleArgon2id } from '@noble/hashes/argon2.js';
import { primitives } from '../index';
import { bytesEqual, hexDecode as hex, hexEncode, toBytes } from '../lib/encoding';
import { failed, newReport, pass, VectorReport } from './report';
import rfc9180 from './fixtures/rfc9180-x25519.json';

const range = (from: number, to: number) => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);
const fill = (n: number, b: number) => new Uint8Array(n).fill(b);

async function check(r: VectorReport, id: string, f: () => Promise<boolean | string>): Promise<void> {
  try {
    const ok = await f();
    if (ok === true) pass(r);
    else failed(r, id, ok === false ? 'mismatch' : ok);
  } catch (e) {
    failed(r, id, `threw ${String(e)}`);
  }
}

export async function runRfc5869(): Promise<VectorReport> {
  const r = newReport('RFC 5869 A.1–A.3 (HKDF-SHA-256, and Expand alone from the PRK)', 5);
  const cases: [string, Uint8Array, Uint8Array, Uint8Array, number, string][] = [
    ['A.1', fill(22, 0x0b), range(0, 0x0c), range(0xf0, 0xf9), 42, '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865'],
    ['A.2', range(0, 0x4f), range(0x60, 0xaf), range(0xb0, 0xff), 82,
      'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87'],
    ['A.3', fill(22, 0x0b), new Uint8Array(0), new Uint8Array(0), 42, '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8'],
  ];
  for (const [id, ikm, salt, info, len, okm] of cases) {
    await check(r, id, async () => hexEncode(await primitives.hkdfSha256(ikm, salt, info, len)) === okm);
  }
  // The Expand step alone (what Cobblestone uses), from the RFC's PRKs.
  await check(r, 'A.1 Expand', async () =>
    hexEncode(await primitives.hkdfExpand('SHA-256', hex('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5'), range(0xf0, 0xf9), 42)) === cases[0][5]);
  await check(r, 'A.3 Expand', async () =>
    hexEncode(await primitives.hkdfExpand('SHA-256', hex('19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04'), new Uint8Array(0), 42)) === cases[2][5]);
  return r;
}

export async function runRfc7748(): Promise<VectorReport> {
  const r = newReport('RFC 7748 §5.2, §6.1 (X25519)', 5);
  await check(r, '5.2 #1', async () =>
    hexEncode(await primitives.x25519(hex('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'), hex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c'))) ===
    'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552');
  await check(r, '5.2 #2', async () =>
    hexEncode(await primitives.x25519(hex('4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d'), hex('e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493'))) ===
    '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957');
  await check(r, '5.2 iterated ×1 and ×1000', async () => {
    let k = hex('0900000000000000000000000000000000000000000000000000000000000000');
    let u = k.slice();
    let after1 = '';
    for (let i = 1; i <= 1000; i++) {
      const next = await primitives.x25519(k, u);
      u = k;
      k = next;
      if (i === 1) after1 = hexEncode(k);
    }
    return after1 === '422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079' &&
      hexEncode(k) === '684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51';
  });
  const alice = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
  const bob = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
  await check(r, '6.1 public keys', async () =>
    hexEncode(await primitives.x25519PublicFromPrivate(alice)) === '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a' &&
    hexEncode(await primitives.x25519PublicFromPrivate(bob)) === 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
  await check(r, '6.1 shared secret', async () => {
    const k = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
    return hexEncode(await primitives.x25519(alice, await primitives.x25519PublicFromPrivate(bob))) === k &&
      hexEncode(await primitives.x25519(bob, await primitives.x25519PublicFromPrivate(alice))) === k;
  });
  return r;
}

export async function runRfc8032(): Promise<VectorReport> {
  const cases: [string, string, string, string, string][] = [
    ['TEST 1', '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', '',
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'],
    ['TEST 2', '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', '72',
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00'],
    ['TEST 3', 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7', 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025', 'af82',
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a'],
  ];
  const r = newReport('RFC 8032 §7.1 (Ed25519)', cases.length * 3);
  for (const [id, sk, pk, msg, sig] of cases) {
    await check(r, `${id} public key`, async () => hexEncode(await primitives.ed25519PublicFromSeed(hex(sk))) === pk);
    await check(r, `${id} signature`, async () => hexEncode(await primitives.ed25519SignRaw(hex(sk), hex(msg))) === sig);
    await check(r, `${id} verify`, async () => {
      const s = hex(sig);
      const bad = s.slice();
      bad[0] ^= 1;
      return (await primitives.ed25519VerifyRaw(hex(pk), s, hex(msg))) && !(await primitives.ed25519VerifyRaw(hex(pk), bad, hex(msg)));
    });
  }
  return r;
}

/**
 * RFC 9106 §5.3 needs a secret and associated data, which hash-wasm (our Argon2id) does not take: the RFC vector is
 * checked with @noble/hashes, the reference implementation's KAT with our primitive, and both implementations
 * must agree on random inputs.
 */
export async function runRfc9106(): Promise<VectorReport> {
  const r = newReport('RFC 9106 §5.3 + reference KAT (Argon2id)', 3);
  await check(r, 'RFC 9106 §5.3 (noble)', async () =>
    hexEncode(nobleArgon2id(fill(32, 1), fill(16, 2), { t: 3, m: 32, p: 4, dkLen: 32, key: fill(8, 3), personalization: fill(12, 4) })) ===
    '0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659');
  const enc = new TextEncoder();
  await check(r, 'phc-winner-argon2 KAT m=64MiB t=2 p=1 (library)', async () =>
    hexEncode(await primitives.argon2idBytes(enc.encode('password'), enc.encode('somesalt'), { m: 65536, t: 2, p: 1 })) ===
    '09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7');
  await check(r, 'library = noble on random inputs (m=64..1024 KiB, t=1..3, p=1..4)', async () => {
    for (const [m, t, p] of [[64, 1, 1], [256, 3, 4], [1024, 2, 2]]) {
      const pw = globalThis.crypto.getRandomValues(new Uint8Array(1 + m % 40));
      const salt = globalThis.crypto.getRandomValues(new Uint8Array(16));
      const ours = await primitives.argon2idBytes(pw, salt, { m, t, p });
      if (!bytesEqual(ours, nobleArgon2id(pw, salt, { m, t, p, dkLen: 32 }))) return `differs at m=${m} t=${t} p=${p}`;
    }
    return true;
  });
  return r;
}

/** RFC 9180 A.1.1 through @hpke/core's KEM and KDF (the classes our suite uses), and our own HPKE on A.2's keys. */
export async function runRfc9180(): Promise<VectorReport> {
  const r = newReport('RFC 9180 A.1.1 (HPKE, X25519/HKDF-SHA256)', 3);
  const v = rfc9180.vectors[0];
  const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });
  await check(r, 'A.1.1 seal', async () => {
    const recipientPublicKey = await suite.kem.deserializePublicKey(toBytes(hex(v.pkRm)));
    const sender = await suite.createSenderContext({ recipientPublicKey, info: toBytes(hex(v.info)), ekm: toBytes(hex(v.ikmE)) });
    if (hexEncode(new Uint8Array(sender.enc)) !== v.enc) return 'enc differs';
    for (const e of v.encryptions) {
      if (hexEncode(new Uint8Array(await sender.seal(toBytes(hex(e.pt)), toBytes(hex(e.aad))))) !== e.ct) return `ct ${e.seq} differs`;
    }
    return true;
  });
  await check(r, 'A.1.1 open', async () => {
    const skR = await suite.kem.deserializePrivateKey(toBytes(hex(v.skRm)));
    const recipient = await suite.createRecipientContext({ recipientKey: skR, enc: toBytes(hex(v.enc)), info: toBytes(hex(v.info)) });
    for (const e of v.encryptions) {
      if (hexEncode(new Uint8Array(await recipient.open(toBytes(hex(e.ct)), toBytes(hex(e.aad))))) !== e.pt) return `pt ${e.seq} differs`;
    }
    return true;
  });
  await check(r, 'DeriveKeyPair(ikmR) and (ikmE)', async () => {
    const kr = await suite.kem.deriveKeyPair(toBytes(hex(v.ikmR)));
    const ke = await suite.kem.deriveKeyPair(toBytes(hex(v.ikmE)));
    return hexEncode(new Uint8Array(await suite.kem.serializePublicKey(kr.publicKey))) === v.pkRm &&
      hexEncode(new Uint8Array(await suite.kem.serializePublicKey(ke.publicKey))) === v.enc;
  });
  return r;
}
