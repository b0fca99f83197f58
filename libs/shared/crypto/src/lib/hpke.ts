/**
 * HPKE base mode, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM (RFC 9180), through `@hpke/core`, which
 * runs on Web Crypto (X25519, HKDF, AES-GCM). Single-shot seal/open only: one message per encapsulation.
 */
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { Bytes, toBytes } from './encoding';
import { CryptoFormatError, DecryptionError } from './errors';
import { KEY_BYTES } from './primitives';

export const HPKE_ENC_BYTES = 32;
export const HPKE_TAG_BYTES = 16;

let suiteInstance: CipherSuite | undefined;
/** The v1 HPKE suite (lazily created; uses Web Crypto X25519/HKDF/AES-GCM underneath). */
export function hpkeSuite(): CipherSuite {
  suiteInstance ??= new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
  return suiteInstance;
}

/**
 * Seals `pt` to a raw 32-byte X25519 public key. `ikmE` fixes the ephemeral key (RFC 9180 test vectors only —
 * never pass it in production: a repeated ephemeral key breaks confidentiality).
 */
export async function hpkeSeal(
  recipientPublic: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  pt: Uint8Array,
  testing?: { ikmE: Uint8Array },
): Promise<{ enc: Bytes; ct: Bytes }> {
  if (recipientPublic.length !== KEY_BYTES) throw new CryptoFormatError('HPKE: recipient key must be 32 bytes');
  const suite = hpkeSuite();
  let recipientPublicKey: CryptoKey;
  try {
    recipientPublicKey = await suite.kem.deserializePublicKey(toBytes(recipientPublic));
  } catch (e) {
    throw new CryptoFormatError('HPKE: unusable recipient key', { cause: e });
  }
  try {
    const { enc, ct } = await suite.seal(
      { recipientPublicKey, info: toBytes(info), ...(testing ? { ekm: toBytes(testing.ikmE) } : {}) },
      toBytes(pt),
      toBytes(aad),
    );
    return { enc: toBytes(enc), ct: toBytes(ct) };
  } catch (e) {
    // A low-order recipient key makes the DH output all-zero; @hpke/core refuses it.
    throw new CryptoFormatError('HPKE: cannot seal to this recipient key', { cause: e });
  }
}

/** Opens a single-shot HPKE ciphertext; any failure (wrong key, info, aad, tampering) → DecryptionError. */
export async function hpkeOpen(
  recipientKey: CryptoKeyPair,
  enc: Uint8Array,
  ct: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
): Promise<Bytes> {
  if (enc.length !== HPKE_ENC_BYTES) throw new CryptoFormatError('HPKE: enc must be 32 bytes');
  if (ct.length < HPKE_TAG_BYTES) throw new DecryptionError('HPKE: ciphertext shorter than the tag');
  try {
    return toBytes(await hpkeSuite().open({ recipientKey, enc: toBytes(enc), info: toBytes(info) }, toBytes(ct), toBytes(aad)));
  } catch (e) {
    throw new DecryptionError('HPKE: cannot open', { cause: e });
  }
}
