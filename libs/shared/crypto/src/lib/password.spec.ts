import { b64uDecode, b64uEncode, randomBytes, utf8 } from './encoding';
import { CryptoFormatError, DecryptionError } from './errors';
import {
  derivePasswordSecrets,
  deriveRecoveryKek,
  isKdfParamsStrong,
  KDF_PARAMS_V1,
  openBundle,
  sealBundle,
  unwrapKey,
  wrapKey,
} from './password';
import { KdfParams } from './types';

const small = (salt: string): KdfParams => ({ kdf: 'argon2id', m: 1024, t: 1, p: 1, salt });
const SALT_A = b64uEncode(utf8('salt-aaaaaaaaaaa'));
const SALT_B = b64uEncode(utf8('salt-bbbbbbbbbbb'));

describe('password', () => {
  it('derives the same authSecret for the same password and parameters', async () => {
    const a = await derivePasswordSecrets('correct horse', small(SALT_A));
    const b = await derivePasswordSecrets('correct horse', small(SALT_A));
    expect(a.authSecret).toBe(b.authSecret);
    expect(b64uDecode(a.authSecret)).toHaveLength(32);
  });

  it('derives a different authSecret for a different salt or password', async () => {
    const a = await derivePasswordSecrets('correct horse', small(SALT_A));
    const b = await derivePasswordSecrets('correct horse', small(SALT_B));
    const c = await derivePasswordSecrets('correct horsf', small(SALT_A));
    expect(a.authSecret).not.toBe(b.authSecret);
    expect(a.authSecret).not.toBe(c.authSecret);
  });

  it('NFKC-normalises the password before hashing', async () => {
    const composed = await derivePasswordSecrets('caf\u00e9', small(SALT_A));
    const decomposed = await derivePasswordSecrets('cafe\u0301', small(SALT_A));
    expect(composed.authSecret).toBe(decomposed.authSecret);
  });

  it('matches the Argon2id reference vector followed by HKDF-SHA-256', async () => {
    // phc-winner-argon2 src/test.c, Argon2id v1.3: "password", "somesalt", t=2, m=256 KiB, p=2.
    const rootHex = '6d093c501fd5999645e0ea3bf620d7b8be7fd2db59c20d9fff9539da2bf57037';
    const root = new Uint8Array(rootHex.length / 2).map((_, i) => parseInt(rootHex.slice(2 * i, 2 * i + 2), 16));
    const base = await crypto.subtle.importKey('raw', root, 'HKDF', false, ['deriveBits']);
    const bits = await crypto.subtle.deriveBits(
      { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: utf8('parley/v1/auth') },
      base,
      256,
    );
    const params: KdfParams = { kdf: 'argon2id', m: 256, t: 2, p: 2, salt: b64uEncode(utf8('somesalt')) };
    const { authSecret } = await derivePasswordSecrets('password', params);
    expect(authSecret).toBe(b64uEncode(new Uint8Array(bits)));
  });

  it('returns a non-extractable AES-GCM password KEK', async () => {
    const { pwKek } = await derivePasswordSecrets('pw', small(SALT_A));
    expect(pwKek.extractable).toBe(false);
    expect((pwKek.algorithm as AesKeyAlgorithm).name).toBe('AES-GCM');
    expect((pwKek.algorithm as AesKeyAlgorithm).length).toBe(256);
  });

  it('rejects unsupported or absurd KDF parameters', async () => {
    await expect(derivePasswordSecrets('pw', { ...small(SALT_A), kdf: 'scrypt' as 'argon2id' })).rejects.toBeInstanceOf(
      CryptoFormatError,
    );
    await expect(derivePasswordSecrets('pw', { ...small(SALT_A), t: 0 })).rejects.toBeInstanceOf(CryptoFormatError);
    await expect(derivePasswordSecrets('pw', { ...small(SALT_A), m: 1 << 30 })).rejects.toBeInstanceOf(CryptoFormatError);
    await expect(derivePasswordSecrets('pw', small(b64uEncode(new Uint8Array(4))))).rejects.toBeInstanceOf(
      CryptoFormatError,
    );
  });

  it('tells weak parameters from the protocol v1 parameters', () => {
    expect(isKdfParamsStrong({ ...KDF_PARAMS_V1, salt: SALT_A })).toBe(true);
    expect(isKdfParamsStrong(small(SALT_A))).toBe(false);
  });

  it('derives secrets with the real 64 MiB, t=3, p=4 parameters', async () => {
    const params: KdfParams = { ...KDF_PARAMS_V1, salt: SALT_A };
    const a = await derivePasswordSecrets('correct horse battery staple', params);
    expect(b64uDecode(a.authSecret)).toHaveLength(32);
    expect(a.authSecret).not.toBe((await derivePasswordSecrets('correct horse battery staple', small(SALT_A))).authSecret);
  }, 60_000);

  it('wraps and unwraps a key with the password KEK', async () => {
    const { pwKek } = await derivePasswordSecrets('pw', small(SALT_A));
    const abk = randomBytes(32);
    const wrapped = await wrapKey(pwKek, abk, 'parley/v1/abk/password');
    expect(b64uDecode(wrapped)).toHaveLength(12 + 32 + 16);
    expect(await unwrapKey(pwKek, wrapped, 'parley/v1/abk/password')).toEqual(abk);
  });

  it('uses a fresh nonce for every wrap', async () => {
    const { pwKek } = await derivePasswordSecrets('pw', small(SALT_A));
    const abk = randomBytes(32);
    expect(await wrapKey(pwKek, abk, 'x')).not.toBe(await wrapKey(pwKek, abk, 'x'));
  });

  it('fails to unwrap with a wrong password, a wrong aad or a flipped byte', async () => {
    const { pwKek } = await derivePasswordSecrets('pw', small(SALT_A));
    const { pwKek: wrongKek } = await derivePasswordSecrets('pw2', small(SALT_A));
    const wrapped = await wrapKey(pwKek, randomBytes(32), 'aad');
    await expect(unwrapKey(wrongKek, wrapped, 'aad')).rejects.toBeInstanceOf(DecryptionError);
    await expect(unwrapKey(pwKek, wrapped, 'other')).rejects.toBeInstanceOf(DecryptionError);
    const bytes = b64uDecode(wrapped);
    for (const i of [0, 11, 12, bytes.length - 1]) {
      const t = bytes.slice();
      t[i] ^= 1;
      await expect(unwrapKey(pwKek, b64uEncode(t), 'aad')).rejects.toBeInstanceOf(DecryptionError);
    }
    await expect(unwrapKey(pwKek, b64uEncode(bytes.slice(0, 20)), 'aad')).rejects.toBeInstanceOf(CryptoFormatError);
  });

  it('unwraps with the recovery KEK derived from the recovery key', async () => {
    const recoveryKey = randomBytes(32);
    const abk = randomBytes(32);
    const wrapped = await wrapKey(await deriveRecoveryKek(recoveryKey), abk, 'parley/v1/abk/recovery');
    expect(await unwrapKey(await deriveRecoveryKek(recoveryKey), wrapped, 'parley/v1/abk/recovery')).toEqual(abk);
    await expect(unwrapKey(await deriveRecoveryKek(randomBytes(32)), wrapped, 'parley/v1/abk/recovery')).rejects.toBeInstanceOf(
      DecryptionError,
    );
  });

  it('seals and opens the secret bundle under the ABK', async () => {
    const abk = randomBytes(32);
    const bundle = { uik: 'MC4CAQAwBQYDK2VwBCIEI', backupKem: 'abc', n: 1 };
    const sealed = await sealBundle(abk, bundle);
    expect(await openBundle(abk, sealed)).toEqual(bundle);
  });

  it('refuses to open the bundle with a wrong ABK or after tampering', async () => {
    const abk = randomBytes(32);
    const sealed = await sealBundle(abk, { a: 1 });
    await expect(openBundle(randomBytes(32), sealed)).rejects.toBeInstanceOf(DecryptionError);
    const t = b64uDecode(sealed);
    t[t.length - 5] ^= 0x40;
    await expect(openBundle(abk, b64uEncode(t))).rejects.toBeInstanceOf(DecryptionError);
    await expect(sealBundle(randomBytes(16), { a: 1 })).rejects.toBeInstanceOf(CryptoFormatError);
  });
});
