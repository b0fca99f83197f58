/**
 * The primitive layer, raw keys in and out ("hazmat"): for test vectors, interop tools and benchmarks. Product code
 * uses the protocol functions instead.
 */
export {
  aes256GcmSeal,
  aes256GcmOpen,
  argon2idBytes,
  ed25519SignRaw,
  ed25519VerifyRaw,
  ed25519PublicFromSeed,
  hkdfBytes as hkdfSha256,
  hkdfExpand,
  hkdfExpandSha512,
  sha256,
  sha512,
  x25519,
  x25519PublicFromPrivate,
  importX25519Private,
} from './primitives';
export type { Argon2idParams } from './primitives';
export { hpkeSeal, hpkeOpen } from './hpke';
export { cobblestoneDerive, cobblestoneNonce, cobblestoneEncrypt, cobblestoneDecrypt, runTransform } from './file';
