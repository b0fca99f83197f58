/**
 * The primitive layer: SHA-256/512, HKDF-SHA-256, HKDF-Expand, AES-256-GCM with 96-bit nonces, Ed25519, X25519 and
 * Argon2id. Everything goes through `globalThis.crypto.subtle` (one code path for Chromium and Node 24), except
 * Argon2id (`hash-wasm`), which Web Crypto lacks.
 * The raw-key functions at the end are exported as `primitives` (hazmat: for test vectors and interop tools).
 */
import { argon2id as hashWasmArgon2id } from 'hash-wasm';
import { CryptoFormatError, DecryptionError, SignatureError, UnsupportedError } from './errors';
import { b64uDecodeLen, Bytes, concatBytes, hexDecode, randomBytes, toBytes } from './encoding';

export const subtle = (): SubtleCrypto => {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new CryptoFormatError('Web Crypto (globalThis.crypto.subtle) is not available');
  return s;
};

export const ED25519 = { name: 'Ed25519' } as const;
export const X25519 = { name: 'X25519' } as const;
export const AES_GCM_NONCE_BYTES = 12;
export const AES_GCM_TAG_BYTES = 16;
export const ED25519_SIG_BYTES = 64;
export const KEY_BYTES = 32;

export async function sha256(data: Uint8Array): Promise<Bytes> {
  return toBytes(await subtle().digest('SHA-256', toBytes(data)));
}

export async function sha512(data: Uint8Array): Promise<Bytes> {
  return toBytes(await subtle().digest('SHA-512', toBytes(data)));
}

/** HKDF-SHA-256 → `length` raw bytes (1 ≤ length ≤ 255·32, RFC 5869). */
export async function hkdfBytes(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Bytes> {
  if (!Number.isSafeInteger(length) || length < 1 || length > 255 * 32) {
    throw new CryptoFormatError(`HKDF-SHA-256: output length ${length} outside [1, 8160]`);
  }
  const base = await subtle().importKey('raw', toBytes(ikm), 'HKDF', false, ['deriveBits']);
  const bits = await subtle().deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: toBytes(salt), info: toBytes(info) },
    base,
    length * 8,
  );
  return toBytes(bits);
}

/** HKDF-SHA-256 → a non-extractable AES-256-GCM key. */
export async function hkdfAesKey(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array): Promise<CryptoKey> {
  const base = await subtle().importKey('raw', toBytes(ikm), 'HKDF', false, ['deriveKey']);
  return subtle().deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: toBytes(salt), info: toBytes(info) },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/** Imports 32 raw bytes as a non-extractable AES-256-GCM key. */
export async function importAesKey(raw: Uint8Array): Promise<CryptoKey> {
  if (raw.length !== KEY_BYTES) throw new CryptoFormatError(`AES-256 key: expected 32 bytes, got ${raw.length}`);
  return subtle().importKey('raw', toBytes(raw), { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

/** AES-256-GCM, 96-bit nonce, 128-bit tag; returns ct‖tag. */
export async function aesGcmEncrypt(key: CryptoKey, nonce: Uint8Array, pt: Uint8Array, aad: Uint8Array): Promise<Bytes> {
  if (nonce.length !== AES_GCM_NONCE_BYTES) throw new UnsupportedError('AES-GCM: nonce must be 96 bits');
  return toBytes(
    await subtle().encrypt(
      { name: 'AES-GCM', iv: toBytes(nonce), additionalData: toBytes(aad), tagLength: 128 },
      key,
      toBytes(pt),
    ),
  );
}

/** AES-256-GCM decryption of ct‖tag; any authentication failure → DecryptionError. */
export async function aesGcmDecrypt(key: CryptoKey, nonce: Uint8Array, ct: Uint8Array, aad: Uint8Array): Promise<Bytes> {
  if (nonce.length !== AES_GCM_NONCE_BYTES) throw new UnsupportedError('AES-GCM: nonce must be 96 bits');
  if (ct.length < AES_GCM_TAG_BYTES) throw new DecryptionError('AES-GCM: ciphertext shorter than the tag');
  try {
    return toBytes(
      await subtle().decrypt(
        { name: 'AES-GCM', iv: toBytes(nonce), additionalData: toBytes(aad), tagLength: 128 },
        key,
        toBytes(ct),
      ),
    );
  } catch (e) {
    throw new DecryptionError('AES-GCM: authentication failed', { cause: e });
  }
}

/** Seals with a fresh random 96-bit nonce; layout nonce‖ct‖tag. */
export async function aesGcmSealRandom(key: CryptoKey, pt: Uint8Array, aad: Uint8Array): Promise<Bytes> {
  const nonce = randomBytes(AES_GCM_NONCE_BYTES);
  const ct = await aesGcmEncrypt(key, nonce, pt, aad);
  const out = new Uint8Array(nonce.length + ct.length);
  out.set(nonce, 0);
  out.set(ct, nonce.length);
  return out;
}

/** Opens nonce‖ct‖tag. */
export async function aesGcmOpenRandom(key: CryptoKey, sealed: Uint8Array, aad: Uint8Array): Promise<Bytes> {
  if (sealed.length < AES_GCM_NONCE_BYTES + AES_GCM_TAG_BYTES) {
    throw new CryptoFormatError('AES-GCM: sealed value too short');
  }
  return aesGcmDecrypt(key, sealed.subarray(0, AES_GCM_NONCE_BYTES), sealed.subarray(AES_GCM_NONCE_BYTES), aad);
}

export async function ed25519Sign(privateKey: CryptoKey, data: Uint8Array): Promise<Bytes> {
  return toBytes(await subtle().sign(ED25519, privateKey, toBytes(data)));
}

/** Imports a raw 32-byte Ed25519 public key given as base64url (CryptoFormatError if malformed). */
export async function importEd25519Public(publicKey: string, what = 'Ed25519 public key'): Promise<CryptoKey> {
  const raw = b64uDecodeLen(publicKey, KEY_BYTES, what);
  try {
    return await subtle().importKey('raw', raw, ED25519, true, ['verify']);
  } catch (e) {
    throw new CryptoFormatError(`${what}: not a valid Ed25519 key`, { cause: e });
  }
}

/**
 * Verifies an Ed25519 signature (base64url, 64 bytes); throws SignatureError if it does not verify (including a
 * non-canonical S), CryptoFormatError if the key or signature is malformed.
 */
export async function ed25519Verify(publicKey: string, sig: string, data: Uint8Array, what: string): Promise<void> {
  await importEd25519Public(publicKey);
  const sigBytes = b64uDecodeLen(sig, ED25519_SIG_BYTES, `${what} signature`);
  const ok = await ed25519VerifyRaw(b64uDecodeLen(publicKey, KEY_BYTES, 'Ed25519 public key'), sigBytes, data);
  if (!ok) throw new SignatureError(`${what}: invalid signature`);
}

/** Exports the raw bytes of a public key (always extractable in Web Crypto). */
export async function exportRawPublic(key: CryptoKey): Promise<Bytes> {
  return toBytes(await subtle().exportKey('raw', key));
}

/** Checks a non-negative safe integer field of a wire object. */
export function assertUint(n: unknown, max: number, what: string): asserts n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > max) {
    throw new CryptoFormatError(`${what}: expected an integer in [0, ${max}]`);
  }
}

/** Checks a non-empty string field of a wire object. */
export function assertString(s: unknown, what: string): asserts s is string {
  if (typeof s !== 'string' || s.length === 0) throw new CryptoFormatError(`${what}: expected a non-empty string`);
}

export const U32_MAX = 0xffffffff;

/**
 * HKDF-Expand alone (RFC 5869 §2.3, no Extract), as Cobblestone specifies, on Web Crypto's HMAC:
 * T(i) = HMAC(prk, T(i−1) ‖ info ‖ u8(i)). (Web Crypto's HKDF always extracts first; `@noble/hashes`' expand
 * insists on a PRK of at least HashLen bytes, which Cobblestone-256's 32-byte key with SHA-512 is not.)
 */
export async function hkdfExpand(hash: 'SHA-256' | 'SHA-512', prk: Uint8Array, info: Uint8Array, length: number): Promise<Bytes> {
  const hashLen = hash === 'SHA-256' ? 32 : 64;
  if (!Number.isSafeInteger(length) || length < 1 || length > 255 * hashLen) {
    throw new CryptoFormatError(`HKDF-Expand-${hash}: output length ${length} outside [1, ${255 * hashLen}]`);
  }
  if (prk.length === 0) throw new CryptoFormatError(`HKDF-Expand-${hash}: empty prk`);
  const key = await subtle().importKey('raw', toBytes(prk), { name: 'HMAC', hash }, false, ['sign']);
  const out = new Uint8Array(Math.ceil(length / hashLen) * hashLen);
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1; (i - 1) * hashLen < length; i++) {
    t = toBytes(await subtle().sign('HMAC', key, concatBytes(t, info, new Uint8Array([i]))));
    out.set(t, (i - 1) * hashLen);
  }
  const okm = out.slice(0, length);
  out.fill(0);
  return okm;
}

/** HKDF-Expand-SHA-512 (Cobblestone-256's KDF). */
export function hkdfExpandSha512(prk: Uint8Array, info: Uint8Array, length: number): Promise<Bytes> {
  return hkdfExpand('SHA-512', prk, info, length);
}

export interface Argon2idParams {
  /** memory in KiB */
  m: number;
  t: number;
  p: number;
}

/** Argon2id (RFC 9106, version 0x13) → `length` bytes, via hash-wasm (WebAssembly; run it in a Worker in the UI). */
export async function argon2idBytes(password: Uint8Array, salt: Uint8Array, params: Argon2idParams, length = 32): Promise<Bytes> {
  const out = await hashWasmArgon2id({
    password,
    salt,
    parallelism: params.p,
    iterations: params.t,
    memorySize: params.m,
    hashLength: length,
    outputType: 'binary',
  });
  return toBytes(out);
}

// ---------------------------------------------------------------------------------------------------------------
// Raw-key primitives (exported as `primitives`): what the Wycheproof/RFC vectors and interop tests drive.

/** PKCS#8 prefixes (RFC 8410) for raw 32-byte X25519 / Ed25519 private keys: Web Crypto imports no raw private keys. */
const PKCS8_X25519 = hexDecode('302e020100300506032b656e04220420');
const PKCS8_ED25519 = hexDecode('302e020100300506032b657004220420');

function checkAes256(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== KEY_BYTES) {
    throw new UnsupportedError(`AES-GCM: only 256-bit keys are used by protocol v1 (got ${key.length * 8} bits)`);
  }
  if (nonce.length !== AES_GCM_NONCE_BYTES) {
    throw new UnsupportedError(`AES-GCM: only 96-bit nonces are allowed (got ${nonce.length * 8} bits)`);
  }
}

/** AES-256-GCM seal with a raw key: ciphertext ‖ 16-byte tag. */
export async function aes256GcmSeal(key: Uint8Array, nonce: Uint8Array, pt: Uint8Array, aad: Uint8Array): Promise<Bytes> {
  checkAes256(key, nonce);
  return aesGcmEncrypt(await importAesKey(key), nonce, pt, aad);
}

/** AES-256-GCM open with a raw key; any authentication failure → DecryptionError. */
export async function aes256GcmOpen(key: Uint8Array, nonce: Uint8Array, ctTag: Uint8Array, aad: Uint8Array): Promise<Bytes> {
  checkAes256(key, nonce);
  return aesGcmDecrypt(await importAesKey(key), nonce, ctTag, aad);
}

/** Imports a raw 32-byte X25519 private key (non-extractable) for deriveBits. */
export async function importX25519Private(raw: Uint8Array, extractable = false): Promise<CryptoKey> {
  if (raw.length !== KEY_BYTES) throw new CryptoFormatError('X25519 private key: expected 32 bytes');
  try {
    return await subtle().importKey('pkcs8', concatBytes(PKCS8_X25519, raw), X25519, extractable, ['deriveBits']);
  } catch (e) {
    throw new CryptoFormatError('X25519 private key: rejected', { cause: e });
  }
}

/** Imports a raw 32-byte X25519 public key. */
export async function importX25519Public(raw: Uint8Array): Promise<CryptoKey> {
  if (raw.length !== KEY_BYTES) throw new CryptoFormatError('X25519 public key: expected 32 bytes');
  try {
    return await subtle().importKey('raw', toBytes(raw), X25519, true, []);
  } catch (e) {
    throw new CryptoFormatError('X25519 public key: rejected', { cause: e });
  }
}

/**
 * X25519(private, public) → 32-byte shared secret (RFC 7748). An all-zero result (a low-order public key) is
 * refused with DecryptionError, as RFC 7748 §6.1 allows and HPKE (RFC 9180 §7.1.4) requires.
 */
export async function x25519(privateKey: CryptoKey | Uint8Array, publicKey: CryptoKey | Uint8Array): Promise<Bytes> {
  const priv = ArrayBuffer.isView(privateKey) ? await importX25519Private(privateKey) : privateKey;
  const pub = ArrayBuffer.isView(publicKey) ? await importX25519Public(publicKey) : publicKey;
  let out: Bytes;
  try {
    out = toBytes(await subtle().deriveBits({ name: 'X25519', public: pub }, priv, 256));
  } catch (e) {
    throw new DecryptionError('X25519: no shared secret (low-order public key?)', { cause: e });
  }
  if (out.every((b) => b === 0)) throw new DecryptionError('X25519: all-zero shared secret');
  return out;
}

/** Imports a raw 32-byte Ed25519 private seed (RFC 8032 "secret key") as a signing key. */
export async function importEd25519Seed(seed: Uint8Array, extractable = false): Promise<CryptoKey> {
  if (seed.length !== KEY_BYTES) throw new CryptoFormatError('Ed25519 seed: expected 32 bytes');
  return subtle().importKey('pkcs8', concatBytes(PKCS8_ED25519, seed), ED25519, extractable, ['sign']);
}

/** The group order L of edwards25519, little-endian (RFC 8032 §5.1). */
const ED25519_L = hexDecode('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');

/** S < L, read little-endian (RFC 8032 §5.1.7 step 1: reject non-canonical S; Web Crypto backends do too). */
function ed25519ScalarCanonical(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    if (s[i] < ED25519_L[i]) return true;
    if (s[i] > ED25519_L[i]) return false;
  }
  return false;
}

/**
 * Strict Ed25519 verification with a raw public key: false for any bad signature, malformed length, a
 * non-canonical S or a public key Web Crypto refuses. Never throws on attacker input.
 */
export async function ed25519VerifyRaw(publicKey: Uint8Array, sig: Uint8Array, msg: Uint8Array): Promise<boolean> {
  if (publicKey.length !== KEY_BYTES || sig.length !== ED25519_SIG_BYTES) return false;
  if (!ed25519ScalarCanonical(sig.subarray(32))) return false;
  let key: CryptoKey;
  try {
    key = await subtle().importKey('raw', toBytes(publicKey), ED25519, false, ['verify']);
  } catch {
    return false;
  }
  try {
    return await subtle().verify(ED25519, key, toBytes(sig), toBytes(msg));
  } catch {
    return false;
  }
}

/** Ed25519 signature with a raw seed (deterministic, RFC 8032). */
export async function ed25519SignRaw(seed: Uint8Array, msg: Uint8Array): Promise<Bytes> {
  return ed25519Sign(await importEd25519Seed(seed), msg);
}

/** The raw public key of an Ed25519 seed. */
export async function ed25519PublicFromSeed(seed: Uint8Array): Promise<Bytes> {
  const key = await importEd25519Seed(seed, true);
  const jwk = await subtle().exportKey('jwk', key);
  if (typeof jwk.x !== 'string') throw new CryptoFormatError('Ed25519: cannot derive the public key');
  return b64uDecodeLen(jwk.x, KEY_BYTES, 'Ed25519 public key');
}

/** The raw public key of an X25519 private key. */
export async function x25519PublicFromPrivate(raw: Uint8Array): Promise<Bytes> {
  const key = await importX25519Private(raw, true);
  const jwk = await subtle().exportKey('jwk', key);
  if (typeof jwk.x !== 'string') throw new CryptoFormatError('X25519: cannot derive the public key');
  return b64uDecodeLen(jwk.x, KEY_BYTES, 'X25519 public key');
}
