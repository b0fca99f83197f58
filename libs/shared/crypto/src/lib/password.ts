/**
 * Password-derived secrets (Bitwarden pattern, DESIGN §3) and the account-backup-key (ABK) wrapping.
 *
 *   root      = Argon2id(NFKC(password), salt, m KiB, t, p) → 32 bytes
 *   authSecret= HKDF-SHA-256(root, salt = ∅, info = "parley/v1/auth", 32 bytes)      — sent instead of the password
 *   pwKek     = HKDF-SHA-256(root, salt = ∅, info = "parley/v1/backup-kek") → AES-256-GCM, non-extractable
 *   wrapKey   = nonce(12) ‖ AES-256-GCM(kek, nonce, raw, aad = UTF-8(aad)) ‖ tag(16), base64url
 *   sealBundle= nonce(12) ‖ AES-256-GCM(HKDF(abk, ∅, "parley/v1/bundle"), nonce, JSON, aad = "parley/v1/bundle") ‖ tag
 */
import { b64uDecode, b64uEncode, Bytes, utf8 } from './encoding';
import { CryptoFormatError } from './errors';
import { aesGcmOpenRandom, aesGcmSealRandom, argon2idBytes, hkdfAesKey, hkdfBytes, KEY_BYTES } from './primitives';
import { B64u, KdfParams } from './types';

const INFO_AUTH = 'parley/v1/auth';
const INFO_BACKUP_KEK = 'parley/v1/backup-kek';
const INFO_RECOVERY_KEK = 'parley/v1/recovery-kek';
const INFO_BUNDLE = 'parley/v1/bundle';
const EMPTY = new Uint8Array(0);

/** The production Argon2id parameters of protocol v1 (64 MiB, 3 passes, 4 lanes). */
export const KDF_PARAMS_V1: Readonly<Omit<KdfParams, 'salt'>> = { kdf: 'argon2id', m: 65536, t: 3, p: 4 };

/** Upper bounds that protect a client from absurd server-supplied parameters (memory/CPU exhaustion). */
const KDF_MAX = { m: 1_048_576, t: 64, p: 16 } as const;

/**
 * True when `params` are at least as strong as `minimum` (default: protocol v1). Clients should refuse to log in
 * with weaker parameters than they expect, so a malicious server cannot downgrade the KDF.
 */
export function isKdfParamsStrong(params: KdfParams, minimum: Omit<KdfParams, 'salt'> = KDF_PARAMS_V1): boolean {
  return params.kdf === 'argon2id' && params.m >= minimum.m && params.t >= minimum.t && params.p >= minimum.p;
}

function checkKdfParams(params: KdfParams): Uint8Array {
  if (!params || params.kdf !== 'argon2id') throw new CryptoFormatError('kdf: only argon2id is supported');
  const int = (n: unknown, min: number, max: number, what: string) => {
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new CryptoFormatError(`kdf: ${what} must be an integer in [${min}, ${max}]`);
    }
  };
  int(params.p, 1, KDF_MAX.p, 'p');
  int(params.t, 1, KDF_MAX.t, 't');
  int(params.m, 8 * params.p, KDF_MAX.m, 'm (KiB, ≥ 8·p)');
  const salt = b64uDecode(params.salt);
  if (salt.length < 8 || salt.length > 64) throw new CryptoFormatError('kdf: salt must be 8–64 bytes');
  return salt;
}

/**
 * Derives the login secret and the password KEK from a password. Deterministic for the same password and
 * parameters; the password itself never leaves the client.
 */
export async function derivePasswordSecrets(
  password: string,
  params: KdfParams,
): Promise<{ authSecret: B64u; pwKek: CryptoKey }> {
  if (typeof password !== 'string') throw new CryptoFormatError('password: expected a string');
  const salt = checkKdfParams(params);
  const pw = utf8(password.normalize('NFKC'));
  const root = await argon2idBytes(pw, salt, params, 32);
  try {
    const authSecret = b64uEncode(await hkdfBytes(root, EMPTY, utf8(INFO_AUTH), 32));
    const pwKek = await hkdfAesKey(root, EMPTY, utf8(INFO_BACKUP_KEK));
    return { authSecret, pwKek };
  } finally {
    root.fill(0);
    pw.fill(0);
  }
}

/**
 * Derives the recovery KEK (non-extractable AES-256-GCM) from the 32-byte recovery key shown once at sign-up:
 * HKDF-SHA-256(recoveryKey, salt = ∅, info = "parley/v1/recovery-kek"). Use it with `wrapKey`/`unwrapKey`.
 */
export async function deriveRecoveryKek(recoveryKey: Uint8Array): Promise<CryptoKey> {
  if (recoveryKey.length !== KEY_BYTES) throw new CryptoFormatError('recovery key: expected 32 bytes');
  return hkdfAesKey(recoveryKey, EMPTY, utf8(INFO_RECOVERY_KEK));
}

/** Wraps raw key bytes (e.g. the ABK) under an AES-256-GCM KEK: base64url(nonce ‖ ct ‖ tag). */
export async function wrapKey(kek: CryptoKey, raw: Uint8Array, aad: string): Promise<B64u> {
  if (typeof aad !== 'string') throw new CryptoFormatError('wrapKey: aad must be a string');
  return b64uEncode(await aesGcmSealRandom(kek, raw, utf8(aad)));
}

/** Inverse of `wrapKey`; a wrong KEK, wrong aad or any tampering → DecryptionError. */
export async function unwrapKey(kek: CryptoKey, wrapped: B64u, aad: string): Promise<Bytes> {
  if (typeof aad !== 'string') throw new CryptoFormatError('unwrapKey: aad must be a string');
  return aesGcmOpenRandom(kek, b64uDecode(wrapped), utf8(aad));
}

function bundleKey(abk: Uint8Array): Promise<CryptoKey> {
  if (!ArrayBuffer.isView(abk)) throw new CryptoFormatError('abk: expected bytes');
  if (abk.length !== KEY_BYTES) throw new CryptoFormatError('abk: expected 32 bytes');
  return hkdfAesKey(abk, EMPTY, utf8(INFO_BUNDLE));
}

/** Encrypts the JSON of the secret bundle (UIK PKCS8, backup X25519 key, …) under the ABK. */
export async function sealBundle(abk: Uint8Array, bundle: object): Promise<B64u> {
  if (bundle === null || typeof bundle !== 'object') throw new CryptoFormatError('bundle: expected an object');
  const key = await bundleKey(abk);
  return b64uEncode(await aesGcmSealRandom(key, utf8(JSON.stringify(bundle)), utf8(INFO_BUNDLE)));
}

/** Decrypts a sealed bundle; wrong ABK or tampering → DecryptionError, non-object JSON → CryptoFormatError. */
export async function openBundle<T extends object = Record<string, unknown>>(abk: Uint8Array, sealed: B64u): Promise<T> {
  const key = await bundleKey(abk);
  const pt = await aesGcmOpenRandom(key, b64uDecode(sealed), utf8(INFO_BUNDLE));
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(pt));
  } catch (e) {
    throw new CryptoFormatError('bundle: not valid UTF-8 JSON', { cause: e });
  } finally {
    pt.fill(0);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CryptoFormatError('bundle: expected a JSON object');
  }
  return parsed as T;
}
