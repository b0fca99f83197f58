/**
 * Account backup (DESIGN §3, "Keys" and "Password"): the account backup key (ABK) wrapped by the password KEK and
 * by a human-readable recovery key, the ABK-sealed secret bundle (UIK + backup X25519 key), the UIK-signed backup
 * key certificate, and room epoch keys sealed to the backup key so that a new device gets history.
 *
 *   recovery key    = 32 random bytes; shown as Crockford base32 of key ‖ SHA-256("parley/v1/recovery-key" ‖ key)[0:3],
 *                     56 characters in 14 groups of 4 (typos are caught by the 24-bit checksum)
 *   wrappedAbk      = wrapKey(pwKek, ABK, aad "parley/v1/abk")
 *   recoveryWrapped = wrapKey(HKDF(recoveryKey, ∅, "parley/v1/recovery-kek"), ABK, aad "parley/v1/abk-recovery")
 *   secretBundle    = sealBundle(ABK, { v: 1, uik: PKCS#8 b64u, backupKey: raw X25519 private b64u })
 *   backup key cert = { v, userId, publicKey, createdAt, uikSig = Ed25519(UIK, "parley/v1/backup-key" ‖ lp(userId)
 *                       ‖ lp(publicKey raw) ‖ u64(createdAt)) }
 *   REK backup      = HPKE(backupKey, info "parley/v1/rek-backup" ‖ lp(userId) ‖ lp(roomId) ‖ u32(epoch),
 *                          aad "parley/v1/rek-backup", REK), signed by the sealing device:
 *                     sig = Ed25519(device, "parley/v1/rek-backup-sig" ‖ lp(userId) ‖ lp(deviceId) ‖ lp(roomId)
 *                           ‖ u32(epoch) ‖ lp(backupPublicKey raw) ‖ lp(enc) ‖ lp(ct))
 */
import { b64uDecode, b64uDecodeLen, b64uEncode, Bytes, bytesEqual, concatBytes, lp, randomBytes, u32, u64, utf8 } from './encoding';
import { CryptoFormatError, DecryptionError, SignatureError } from './errors';
import type { DeviceKeys } from './device-cert';
import { hpkeOpen, hpkeSeal, HPKE_ENC_BYTES } from './hpke';
import { exportIdentity, IdentityKeys, importIdentity } from './identity';
import { deriveRecoveryKek, openBundle, sealBundle, unwrapKey, wrapKey } from './password';
import {
  assertString,
  assertUint,
  ed25519Sign,
  ed25519Verify,
  importX25519Private,
  KEY_BYTES,
  sha256,
  subtle,
  U32_MAX,
  X25519,
} from './primitives';
import { B64u, DeviceCert } from './types';

export const ABK_AAD_PASSWORD = 'parley/v1/abk';
export const ABK_AAD_RECOVERY = 'parley/v1/abk-recovery';
const CTX_RECOVERY_CHECK = 'parley/v1/recovery-key';
const CTX_BACKUP_KEY = 'parley/v1/backup-key';
const CTX_REK_BACKUP = 'parley/v1/rek-backup';
const CTX_REK_BACKUP_SIG = 'parley/v1/rek-backup-sig';

// ---------------------------------------------------------------------------------------------- recovery key

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RECOVERY_CHECK_BYTES = 3;

async function recoveryChecksum(key: Uint8Array): Promise<Bytes> {
  return (await sha256(concatBytes(utf8(CTX_RECOVERY_CHECK), key))).slice(0, RECOVERY_CHECK_BYTES);
}

/** Formats a 32-byte recovery key for humans: 56 Crockford base32 characters in groups of 4. */
export async function formatRecoveryKey(key: Uint8Array): Promise<string> {
  if (key.length !== KEY_BYTES) throw new CryptoFormatError('recovery key: expected 32 bytes');
  const bytes = concatBytes(key, await recoveryChecksum(key)); // 35 bytes = 280 bits = 56 characters
  let bits = 0;
  let acc = 0;
  let out = '';
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += CROCKFORD[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  return (out.match(/.{4}/g) ?? []).join('-');
}

/**
 * Parses what a user typed: case-insensitive, spaces and hyphens ignored, Crockford's O→0 and I/L→1.
 * A wrong character or a wrong length → CryptoFormatError (the checksum catches typos).
 */
export async function parseRecoveryKey(text: string): Promise<Bytes> {
  if (typeof text !== 'string') throw new CryptoFormatError('recovery key: expected a string');
  const clean = text.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (clean.length !== 56) throw new CryptoFormatError('recovery key: expected 56 characters');
  const out = new Uint8Array(35);
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (const c of clean) {
    const v = CROCKFORD.indexOf(c);
    if (v < 0) throw new CryptoFormatError(`recovery key: "${c}" is not a valid character`);
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out[o++] = (acc >>> (bits - 8)) & 255;
      bits -= 8;
      acc &= (1 << bits) - 1;
    }
  }
  const key = out.slice(0, KEY_BYTES);
  if (!bytesEqual(out.subarray(KEY_BYTES), await recoveryChecksum(key))) {
    throw new CryptoFormatError('recovery key: checksum mismatch (a typo?)');
  }
  return key;
}

export interface RecoveryKey {
  key: Bytes;
  /** What the user writes down, shown once at sign-up. */
  display: string;
}

export async function generateRecoveryKey(): Promise<RecoveryKey> {
  const key = randomBytes(KEY_BYTES);
  return { key, display: await formatRecoveryKey(key) };
}

// ------------------------------------------------------------------------------------------- backup key pair

export interface BackupKeyPair {
  /** Raw 32-byte X25519 public key, base64url. */
  publicKey: B64u;
  /** X25519 key pair usable for HPKE open (private half non-extractable). */
  keyPair: CryptoKeyPair;
}

/** Imports the backup X25519 key from its raw private bytes (as kept in the secret bundle). */
export async function importBackupKey(privateRaw: Uint8Array): Promise<BackupKeyPair> {
  const privateKey = await importX25519Private(privateRaw, false);
  const withPublic = await importX25519Private(privateRaw, true);
  const jwk = await subtle().exportKey('jwk', withPublic);
  if (typeof jwk.x !== 'string') throw new CryptoFormatError('backup key: cannot derive the public key');
  const publicRaw = b64uDecodeLen(jwk.x, KEY_BYTES, 'backup public key');
  const publicKey = await subtle().importKey('raw', publicRaw, X25519, true, []);
  return { publicKey: b64uEncode(publicRaw), keyPair: { privateKey, publicKey } };
}

/** A fresh backup key pair and its raw private bytes (which go into the secret bundle, nowhere else). */
export async function generateBackupKey(): Promise<BackupKeyPair & { privateRaw: Bytes }> {
  const pair = (await subtle().generateKey(X25519, true, ['deriveBits'])) as CryptoKeyPair;
  const jwk = await subtle().exportKey('jwk', pair.privateKey);
  if (typeof jwk.d !== 'string') throw new CryptoFormatError('backup key: cannot export');
  const privateRaw = b64uDecodeLen(jwk.d, KEY_BYTES, 'backup private key');
  return { ...(await importBackupKey(privateRaw)), privateRaw };
}

export interface BackupKeyCert {
  v: 1;
  userId: string;
  publicKey: B64u;
  createdAt: number;
  uikSig: B64u;
}

function backupKeyCertBytes(c: Omit<BackupKeyCert, 'uikSig'>): Bytes {
  if (!c || c.v !== 1) throw new CryptoFormatError('backup key cert: unsupported version');
  assertString(c.userId, 'backup key cert userId');
  assertUint(c.createdAt, Number.MAX_SAFE_INTEGER, 'backup key cert createdAt');
  return concatBytes(
    utf8(CTX_BACKUP_KEY),
    lp(c.userId),
    lp(b64uDecodeLen(c.publicKey, KEY_BYTES, 'backup key cert publicKey')),
    u64(c.createdAt),
  );
}

/** The UIK vouches for the backup public key, so that a server cannot substitute its own key for REK backups. */
export async function certifyBackupKey(identity: IdentityKeys, userId: string, publicKey: B64u, createdAt = Date.now()): Promise<BackupKeyCert> {
  const unsigned = { v: 1 as const, userId, publicKey, createdAt };
  return { ...unsigned, uikSig: b64uEncode(await ed25519Sign(identity.privateKey, backupKeyCertBytes(unsigned))) };
}

export async function verifyBackupKeyCert(cert: BackupKeyCert, uikPublic: B64u): Promise<void> {
  const { uikSig, ...unsigned } = cert;
  await ed25519Verify(uikPublic, uikSig, backupKeyCertBytes(unsigned), 'backup key cert');
}

// ---------------------------------------------------------------------------------------------- secret bundle

export interface SecretBundleV1 {
  v: 1;
  /** UIK, PKCS#8, base64url. */
  uik: B64u;
  /** Backup X25519 private key, raw 32 bytes, base64url. */
  backupKey: B64u;
}

/** What a client stores on the server (all opaque to it). */
export interface AccountBackup {
  wrappedAbk: B64u;
  recoveryWrappedAbk: B64u;
  secretBundle: B64u;
  backupKeyCert: BackupKeyCert;
}

export interface UnlockedAccount {
  abk: Bytes;
  identity: IdentityKeys;
  backupKey: BackupKeyPair;
}

/**
 * Creates the account's backup at sign-up: a fresh ABK and backup key, the bundle, both ABK wraps and the backup
 * key certificate. Returns the recovery key to show once.
 */
export async function createAccountBackup(params: {
  userId: string;
  identity: IdentityKeys;
  pwKek: CryptoKey;
  createdAt?: number;
}): Promise<{ backup: AccountBackup; recoveryKey: RecoveryKey; backupKey: BackupKeyPair }> {
  const abk = randomBytes(KEY_BYTES);
  const recoveryKey = await generateRecoveryKey();
  const backupKey = await generateBackupKey();
  try {
    const bundle: SecretBundleV1 = { v: 1, uik: await exportIdentity(params.identity), backupKey: b64uEncode(backupKey.privateRaw) };
    const backup: AccountBackup = {
      wrappedAbk: await wrapKey(params.pwKek, abk, ABK_AAD_PASSWORD),
      recoveryWrappedAbk: await wrapKey(await deriveRecoveryKek(recoveryKey.key), abk, ABK_AAD_RECOVERY),
      secretBundle: await sealBundle(abk, bundle),
      backupKeyCert: await certifyBackupKey(params.identity, params.userId, backupKey.publicKey, params.createdAt),
    };
    return { backup, recoveryKey, backupKey: { publicKey: backupKey.publicKey, keyPair: backupKey.keyPair } };
  } finally {
    abk.fill(0);
    backupKey.privateRaw.fill(0);
  }
}

async function openAccount(abk: Bytes, backup: AccountBackup, extractableIdentity: boolean): Promise<UnlockedAccount> {
  const bundle = await openBundle<Partial<SecretBundleV1>>(abk, backup.secretBundle);
  if (typeof bundle.uik !== 'string') throw new CryptoFormatError('secret bundle: no identity key');
  const identity = await importIdentity(bundle.uik, extractableIdentity);
  if (typeof bundle.backupKey !== 'string') throw new CryptoFormatError('secret bundle: no backup key');
  const raw = b64uDecodeLen(bundle.backupKey, KEY_BYTES, 'secret bundle backupKey');
  const backupKey = await importBackupKey(raw);
  raw.fill(0);
  // The certificate on the server must be ours: signed by this UIK, naming this key.
  await verifyBackupKeyCert(backup.backupKeyCert, identity.publicKey);
  if (backup.backupKeyCert.publicKey !== backupKey.publicKey) {
    throw new SignatureError('backup key cert: does not match the key in the secret bundle');
  }
  return { abk, identity, backupKey };
}

/** Unlocks with the password KEK (from `derivePasswordSecrets`). Wrong password → DecryptionError. */
export async function unlockWithPassword(backup: AccountBackup, pwKek: CryptoKey, extractableIdentity = false): Promise<UnlockedAccount> {
  return openAccount(await unwrapKey(pwKek, backup.wrappedAbk, ABK_AAD_PASSWORD), backup, extractableIdentity);
}

/** Unlocks with the recovery key as typed by the user. Wrong key → DecryptionError; a typo → CryptoFormatError. */
export async function unlockWithRecoveryKey(backup: AccountBackup, recoveryKey: string | Uint8Array, extractableIdentity = false): Promise<UnlockedAccount> {
  const key = typeof recoveryKey === 'string' ? await parseRecoveryKey(recoveryKey) : recoveryKey;
  const kek = await deriveRecoveryKek(key);
  return openAccount(await unwrapKey(kek, backup.recoveryWrappedAbk, ABK_AAD_RECOVERY), backup, extractableIdentity);
}

/**
 * Password change (or reset after a recovery-key unlock): only the password wrap of the ABK changes; the bundle,
 * the recovery wrap and every REK backup stay as they are.
 */
export async function rewrapAbk(abk: Uint8Array, newPwKek: CryptoKey): Promise<B64u> {
  if (abk.length !== KEY_BYTES) throw new CryptoFormatError('abk: expected 32 bytes');
  return wrapKey(newPwKek, abk, ABK_AAD_PASSWORD);
}

/** Convenience: old password KEK → new wrappedAbk (fails with DecryptionError on a wrong old password). */
export async function changePassword(backup: AccountBackup, oldPwKek: CryptoKey, newPwKek: CryptoKey): Promise<AccountBackup> {
  const abk = await unwrapKey(oldPwKek, backup.wrappedAbk, ABK_AAD_PASSWORD);
  try {
    return { ...backup, wrappedAbk: await rewrapAbk(abk, newPwKek) };
  } finally {
    abk.fill(0);
  }
}

// -------------------------------------------------------------------------------------- epoch keys in backup

export interface EpochKeyBackup {
  v: 1;
  suite: 'v1';
  userId: string;
  roomId: string;
  epoch: number;
  /** The device that sealed it (signs the entry). */
  deviceId: string;
  enc: B64u;
  ct: B64u;
  sig: B64u;
}

function rekBackupInfo(userId: string, roomId: string, epoch: number): Bytes {
  return concatBytes(utf8(CTX_REK_BACKUP), lp(userId), lp(roomId), u32(epoch));
}

function rekBackupSigBytes(b: Omit<EpochKeyBackup, 'sig'>, backupPublic: Uint8Array): Bytes {
  if (!b || b.v !== 1 || b.suite !== 'v1') throw new CryptoFormatError('epoch key backup: unsupported version/suite');
  assertString(b.userId, 'epoch key backup userId');
  assertString(b.roomId, 'epoch key backup roomId');
  assertString(b.deviceId, 'epoch key backup deviceId');
  assertUint(b.epoch, U32_MAX, 'epoch key backup epoch');
  return concatBytes(
    utf8(CTX_REK_BACKUP_SIG),
    lp(b.userId),
    lp(b.deviceId),
    lp(b.roomId),
    u32(b.epoch),
    lp(backupPublic),
    lp(b64uDecodeLen(b.enc, HPKE_ENC_BYTES, 'epoch key backup enc')),
    lp(b64uDecodeLen(b.ct, KEY_BYTES + 16, 'epoch key backup ct')),
  );
}

/**
 * Seals a REK to the user's backup key (whose certificate the caller verified with `verifyBackupKeyCert`) and
 * signs the entry with this device's key, so the server can neither read it nor plant a key of its own.
 */
export async function sealEpochKeyBackup(params: {
  rek: Uint8Array;
  roomId: string;
  epoch: number;
  userId: string;
  device: DeviceKeys;
  backupKeyCert: BackupKeyCert;
}): Promise<EpochKeyBackup> {
  const { rek, roomId, epoch, userId, device, backupKeyCert } = params;
  if (rek.length !== KEY_BYTES) throw new CryptoFormatError('rek: expected 32 bytes');
  if (backupKeyCert.userId !== userId) throw new CryptoFormatError('backup key cert: belongs to another user');
  assertString(roomId, 'roomId');
  assertUint(epoch, U32_MAX, 'epoch');
  const pk = b64uDecodeLen(backupKeyCert.publicKey, KEY_BYTES, 'backup public key');
  const { enc, ct } = await hpkeSeal(pk, rekBackupInfo(userId, roomId, epoch), utf8(CTX_REK_BACKUP), rek);
  const unsigned: Omit<EpochKeyBackup, 'sig'> = {
    v: 1, suite: 'v1', userId, roomId, epoch, deviceId: device.deviceId, enc: b64uEncode(enc), ct: b64uEncode(ct),
  };
  const sig = await ed25519Sign(device.sigKey.privateKey, rekBackupSigBytes(unsigned, pk));
  return { ...unsigned, sig: b64uEncode(sig) };
}

/**
 * Opens a REK backup entry: the sealing device must be one of the user's own certified devices (`sealerCert`,
 * verified against the user's UIK by the caller), the signature must hold, then HPKE opens with the backup key.
 * Restored keys are for reading history: never encrypt new messages under a REK that came from the backup.
 */
export async function openEpochKeyBackup(
  entry: EpochKeyBackup,
  account: { userId: string; backupKey: BackupKeyPair },
  sealerCert: DeviceCert,
  expect?: { roomId: string; epoch: number },
): Promise<Bytes> {
  const pk = b64uDecode(account.backupKey.publicKey);
  const { sig, ...unsigned } = entry;
  const bytes = rekBackupSigBytes(unsigned, pk);
  if (entry.userId !== account.userId) throw new SignatureError('epoch key backup: entry belongs to another user');
  if (expect && (entry.roomId !== expect.roomId || entry.epoch !== expect.epoch)) {
    throw new SignatureError('epoch key backup: entry is for another room or epoch');
  }
  if (sealerCert.userId !== entry.userId || sealerCert.deviceId !== entry.deviceId) {
    throw new SignatureError('epoch key backup: certificate does not belong to the sealing device');
  }
  await ed25519Verify(sealerCert.sigKey, sig, bytes, 'epoch key backup');
  const rek = await hpkeOpen(
    account.backupKey.keyPair,
    b64uDecode(entry.enc),
    b64uDecode(entry.ct),
    rekBackupInfo(entry.userId, entry.roomId, entry.epoch),
    utf8(CTX_REK_BACKUP),
  );
  if (rek.length !== KEY_BYTES) throw new DecryptionError('epoch key backup: expected a 32-byte key');
  return rek;
}

