/**
 * @parley/shared/crypto — protocol v1 (DESIGN §3). Web Crypto first; runs unchanged in Chromium and Node 24.
 * See libs/shared/crypto/README.md for the byte layouts and the security properties.
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
  u16,
  u32,
  u64,
  hexEncode,
  hexDecode,
  randomBytes,
  randomId,
  bytesEqual,
  compareUtf8,
  ByteReader,
} from './lib/encoding';
export type { Bytes } from './lib/encoding';
export * as primitives from './lib/hazmat';
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
export {
  ABK_AAD_PASSWORD,
  ABK_AAD_RECOVERY,
  generateRecoveryKey,
  formatRecoveryKey,
  parseRecoveryKey,
  generateBackupKey,
  importBackupKey,
  certifyBackupKey,
  verifyBackupKeyCert,
  createAccountBackup,
  unlockWithPassword,
  unlockWithRecoveryKey,
  rewrapAbk,
  changePassword,
  sealEpochKeyBackup,
  openEpochKeyBackup,
} from './lib/backup';
export type {
  RecoveryKey,
  BackupKeyPair,
  BackupKeyCert,
  SecretBundleV1,
  AccountBackup,
  UnlockedAccount,
  EpochKeyBackup,
} from './lib/backup';
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
export { verifyDeviceList, nextListVersion } from './lib/device-list';
export type { DeviceListState, VerifiedDeviceList } from './lib/device-list';
export {
  GENESIS_HASH,
  signRoomOp,
  verifyRoomOp,
  hashRoomOp,
  rosterHash,
  roomOpSigningBytes,
} from './lib/room-op';
export type { RosterMember } from './lib/room-op';
export { verifyRoomChain, applyRoomOpRules, findChainStep, assertRosterMatches } from './lib/room-chain';
export type { RoomRole, DeviceResolver, ChainStep, VerifiedChain, ChainOptions } from './lib/room-chain';
export { createEpochKey, sealEpochKey, openEpochKey, verifyEpochEnvelope, epochSigningBytes } from './lib/epoch';
export type { SealEpochKeyParams } from './lib/epoch';
export {
  verifyRoomEpoch,
  openRoomEpochKey,
  assertSendableEpoch,
  rotationDecision,
  nextEpoch,
  ROTATION_POLICY_V1,
} from './lib/epoch-room';
export type { VerifiedEpoch, RotationInput, RotationDecision, RotationReason, RotationPolicy } from './lib/epoch-room';
export {
  encryptMessage,
  decryptMessage,
  verifyMessageSignature,
  openMessage,
  messageAad,
  pad,
  unpad,
  PAD_BLOCK,
} from './lib/message';
export type { EncryptMessageParams } from './lib/message';
export { receiveMessage, ReplayGuard } from './lib/receiver';
export type { ReceiveContext, ReceivedMessage, SeqAnomaly } from './lib/receiver';
export {
  FILE_SCHEME,
  COBBLESTONE_CHUNK,
  COBBLESTONE_HEADER,
  cobblestoneCiphertextSize,
  cobblestoneEncryptStream,
  cobblestoneDecryptStream,
  fileContext,
  createFileEncryption,
  createFileDecryption,
  makeFileRef,
} from './lib/file';
export type { CobblestoneOptions, CobblestoneDecryptOptions, CobblestoneResult } from './lib/file';
export { userFingerprint, pairSafetyNumber, formatSafetyNumber, compareSafetyNumberQr } from './lib/safety-number';
export type { Fingerprint, PairSafetyNumber } from './lib/safety-number';
export { MemoryTrustStore, IndexedDbTrustStore, TrustManager } from './lib/trust-store';
export type { TrustRecord, TrustStore, TrustStatus, TrustState } from './lib/trust-store';
