/**
 * @parley/shared/crypto — protocol v1 (DESIGN §3), walking-skeleton subset. Web Crypto only; runs unchanged in
 * Chromium and Node 24. See libs/shared/crypto/README.md for the byte layouts.
 */
export * from './lib/types';
export * from './lib/errors';
export {
  b64uEncode,
  b64uDecode,
  utf8,
  concatBytes,
  lp,
  u8,
  u32,
  u64,
  randomBytes,
  randomId,
  bytesEqual,
} from './lib/encoding';
export type { Bytes } from './lib/encoding';
export {
  derivePasswordSecrets,
  deriveRecoveryKek,
  wrapKey,
  unwrapKey,
  sealBundle,
  openBundle,
  KDF_PARAMS_V1,
  isKdfParamsStrong,
} from './lib/password';
export { generateIdentity, exportIdentity, importIdentity } from './lib/identity';
export type { IdentityKeys } from './lib/identity';
export {
  generateDeviceKeys,
  createDeviceCert,
  revokeDeviceCert,
  verifyDeviceCert,
  deviceCertSigningBytes,
} from './lib/device-cert';
export type { DeviceKeys, DevicePublicKeys } from './lib/device-cert';
export {
  GENESIS_HASH,
  signRoomOp,
  verifyRoomOp,
  hashRoomOp,
  rosterHash,
  roomOpSigningBytes,
} from './lib/room-op';
export type { RosterMember } from './lib/room-op';
export { createEpochKey, sealEpochKey, openEpochKey, verifyEpochEnvelope, epochSigningBytes } from './lib/epoch';
export type { SealEpochKeyParams } from './lib/epoch';
export { encryptMessage, decryptMessage, messageAad, pad, unpad, PAD_BLOCK } from './lib/message';
export type { EncryptMessageParams } from './lib/message';
