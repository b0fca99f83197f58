/**
 * User identity key (UIK, Ed25519): one per user, signs device certificates. Its private half travels only inside
 * the ABK-encrypted secret bundle, as PKCS#8 (48 bytes for Ed25519: a fixed 16-byte header ‖ the 32-byte seed).
 */
import { b64uDecode, b64uEncode, Bytes, toBytes } from './encoding';
import { CryptoFormatError } from './errors';
import { ED25519, exportRawPublic, subtle } from './primitives';
import { B64u } from './types';

export interface IdentityKeys {
  /** Raw 32-byte Ed25519 public key, base64url. */
  publicKey: B64u;
  /** Ed25519 private key (extractable when it must go into the secret bundle). */
  privateKey: CryptoKey;
}

/** Generates a fresh UIK. The private key is extractable so `exportIdentity` can put it into the secret bundle. */
export async function generateIdentity(): Promise<IdentityKeys> {
  const pair = (await subtle().generateKey(ED25519, true, ['sign', 'verify'])) as CryptoKeyPair;
  return { publicKey: b64uEncode(await exportRawPublic(pair.publicKey)), privateKey: pair.privateKey };
}

/** Exports the UIK private key as PKCS#8, base64url (for the secret bundle only — never send it anywhere else). */
export async function exportIdentity(identity: IdentityKeys): Promise<B64u> {
  if (!identity.privateKey.extractable) throw new CryptoFormatError('identity: private key is not extractable');
  const pkcs8: Bytes = toBytes(await subtle().exportKey('pkcs8', identity.privateKey));
  try {
    return b64uEncode(pkcs8);
  } finally {
    pkcs8.fill(0);
  }
}

/**
 * Imports a UIK from PKCS#8 (base64url) and recovers its public key. `extractable` (default true) keeps the key
 * exportable so the bundle can be re-sealed; pass false when the caller only needs to sign.
 */
export async function importIdentity(pkcs8: B64u, extractable = true): Promise<IdentityKeys> {
  const bytes = b64uDecode(pkcs8);
  let jwk: JsonWebKey;
  let privateKey: CryptoKey;
  try {
    // Import once extractable to read the public part (`x`) from the JWK; Web Crypto has no "derive public key".
    const tmp = await subtle().importKey('pkcs8', bytes, ED25519, true, ['sign']);
    jwk = await subtle().exportKey('jwk', tmp);
    privateKey = extractable ? tmp : await subtle().importKey('pkcs8', bytes, ED25519, false, ['sign']);
  } catch (e) {
    throw new CryptoFormatError('identity: not an Ed25519 PKCS#8 private key', { cause: e });
  } finally {
    bytes.fill(0);
  }
  if (typeof jwk.x !== 'string') throw new CryptoFormatError('identity: cannot recover the public key');
  const publicKey = b64uEncode(b64uDecode(jwk.x)); // re-encode: checks strict, canonical base64url
  return { publicKey, privateKey };
}
