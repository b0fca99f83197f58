/**
 * Internal Web Crypto wrappers (not exported from the package index): SHA-256, HKDF-SHA-256, AES-256-GCM with
 * 96-bit nonces, Ed25519 sign/verify. Everything goes through `globalThis.crypto.subtle`, so the same code runs in
 * Chromium and Node 24.
 */
import { CryptoFormatError, DecryptionError, SignatureError } from './errors';
import { b64uDecodeLen, Bytes, randomBytes, toBytes } from './encoding';

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

/** HKDF-SHA-256 → `length` raw bytes. */
export async function hkdfBytes(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Bytes> {
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
  if (nonce.length !== AES_GCM_NONCE_BYTES) throw new CryptoFormatError('AES-GCM: nonce must be 96 bits');
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
  if (nonce.length !== AES_GCM_NONCE_BYTES) throw new CryptoFormatError('AES-GCM: nonce must be 96 bits');
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

/** Verifies an Ed25519 signature (base64url, 64 bytes); throws SignatureError if it does not verify. */
export async function ed25519Verify(publicKey: string, sig: string, data: Uint8Array, what: string): Promise<void> {
  const key = await importEd25519Public(publicKey);
  const sigBytes = b64uDecodeLen(sig, ED25519_SIG_BYTES, `${what} signature`);
  let ok = false;
  try {
    ok = await subtle().verify(ED25519, key, sigBytes, toBytes(data));
  } catch (e) {
    throw new SignatureError(`${what}: signature verification failed`, { cause: e });
  }
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
