/**
 * Device keys and UIK-signed device certificates.
 *
 *   uikSig = Ed25519(UIK, "parley/v1/device-cert" ‖ lp(userId) ‖ lp(deviceId) ‖ lp(sigKey raw) ‖ lp(kemKey raw)
 *                         ‖ u64(createdAt) ‖ u32(listVersion) ‖ u8(revoked ? 1 : 0))
 */
import { b64uDecodeLen, b64uEncode, Bytes, concatBytes, lp, randomId, u32, u64, u8, utf8 } from './encoding';
import { CryptoFormatError } from './errors';
import type { IdentityKeys } from './identity';
import {
  assertString,
  assertUint,
  ED25519,
  ed25519Sign,
  ed25519Verify,
  exportRawPublic,
  KEY_BYTES,
  subtle,
  U32_MAX,
  X25519,
} from './primitives';
import { B64u, DeviceCert } from './types';

const CTX_DEVICE_CERT = 'parley/v1/device-cert';

/**
 * A device's own key material. Private keys are non-extractable Web Crypto keys; CryptoKey objects are
 * structured-cloneable, so the web app stores this object in IndexedDB as is.
 */
export interface DeviceKeys {
  deviceId: string;
  /** Ed25519; signs messages, room ops and epoch envelopes. */
  sigKey: CryptoKeyPair;
  /** X25519; receives HPKE-sealed epoch keys. */
  kemKey: CryptoKeyPair;
  /** Raw 32-byte Ed25519 public key, base64url. */
  sigPublic: B64u;
  /** Raw 32-byte X25519 public key, base64url. */
  kemPublic: B64u;
}

/** The public half of a device, enough to (re-)certify it. `DeviceKeys` satisfies it. */
export type DevicePublicKeys = Pick<DeviceKeys, 'deviceId' | 'sigPublic' | 'kemPublic'>;

/** Generates a new device: random id, Ed25519 + X25519 key pairs with non-extractable private keys. */
export async function generateDeviceKeys(): Promise<DeviceKeys> {
  const sigKey = (await subtle().generateKey(ED25519, false, ['sign', 'verify'])) as CryptoKeyPair;
  const kemKey = (await subtle().generateKey(X25519, false, ['deriveBits'])) as CryptoKeyPair;
  return {
    deviceId: randomId(),
    sigKey,
    kemKey,
    sigPublic: b64uEncode(await exportRawPublic(sigKey.publicKey)),
    kemPublic: b64uEncode(await exportRawPublic(kemKey.publicKey)),
  };
}

/** The exact bytes the UIK signs for a certificate (fields are validated on the way). */
export function deviceCertSigningBytes(cert: Omit<DeviceCert, 'uikSig'>): Bytes {
  if (cert.v !== 1) throw new CryptoFormatError('device cert: unsupported version');
  assertString(cert.userId, 'device cert userId');
  assertString(cert.deviceId, 'device cert deviceId');
  assertUint(cert.createdAt, Number.MAX_SAFE_INTEGER, 'device cert createdAt');
  assertUint(cert.listVersion, U32_MAX, 'device cert listVersion');
  if (cert.revoked !== undefined && cert.revoked !== true) {
    throw new CryptoFormatError('device cert: revoked must be true or absent');
  }
  return concatBytes(
    utf8(CTX_DEVICE_CERT),
    lp(cert.userId),
    lp(cert.deviceId),
    lp(b64uDecodeLen(cert.sigKey, KEY_BYTES, 'device cert sigKey')),
    lp(b64uDecodeLen(cert.kemKey, KEY_BYTES, 'device cert kemKey')),
    u64(cert.createdAt),
    u32(cert.listVersion),
    u8(cert.revoked ? 1 : 0),
  );
}

/**
 * Certifies a device with the user's UIK. `listVersion` is the device list's monotonic version.
 * `options.revoked` issues a revocation certificate (see also `revokeDeviceCert`).
 */
export async function createDeviceCert(
  identity: IdentityKeys,
  userId: string,
  device: DevicePublicKeys,
  listVersion: number,
  options: { createdAt?: number; revoked?: boolean } = {},
): Promise<DeviceCert> {
  const unsigned: Omit<DeviceCert, 'uikSig'> = {
    v: 1,
    userId,
    deviceId: device.deviceId,
    sigKey: device.sigPublic,
    kemKey: device.kemPublic,
    createdAt: options.createdAt ?? Date.now(),
    listVersion,
    ...(options.revoked ? { revoked: true as const } : {}),
  };
  const uikSig = b64uEncode(await ed25519Sign(identity.privateKey, deviceCertSigningBytes(unsigned)));
  return { ...unsigned, uikSig };
}

/** Re-signs an existing certificate as revoked, under a new (higher) device-list version. */
export async function revokeDeviceCert(
  identity: IdentityKeys,
  cert: DeviceCert,
  listVersion: number,
  createdAt: number = Date.now(),
): Promise<DeviceCert> {
  return createDeviceCert(
    identity,
    cert.userId,
    { deviceId: cert.deviceId, sigPublic: cert.sigKey, kemPublic: cert.kemKey },
    listVersion,
    { createdAt, revoked: true },
  );
}

/**
 * Verifies a certificate against the user's UIK public key (raw, base64url).
 * Invalid signature → SignatureError; malformed fields → CryptoFormatError. A revoked certificate verifies
 * (it is a valid statement); callers decide what revocation means for them.
 */
export async function verifyDeviceCert(cert: DeviceCert, uikPublic: B64u): Promise<void> {
  if (!cert || typeof cert !== 'object') throw new CryptoFormatError('device cert: expected an object');
  const { uikSig, ...unsigned } = cert;
  await ed25519Verify(uikPublic, uikSig, deviceCertSigningBytes(unsigned), 'device cert');
}
