/**
 * Room epoch keys (REK): 32 random bytes per epoch, HPKE-sealed to every roster device and signed by the creator.
 *
 *   HPKE   = base mode, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM (RFC 9180, @hpke/core)
 *   info   = "parley/v1/rek" ‖ lp(roomId) ‖ u32(epoch) ‖ lp(userId) ‖ lp(deviceId)
 *   aad    = rosterHash (raw 32 bytes)
 *   wrap   = { userId, deviceId, enc (32 B), ct (32 B REK + 16 B tag) }, wraps in roster order
 *   sig    = Ed25519(creator sigKey, "parley/v1/epoch" ‖ lp(roomId) ‖ u32(epoch) ‖ lp(rosterHash raw)
 *            ‖ lp(opsHead raw) ‖ lp(creatorUserId) ‖ lp(creatorDeviceId) ‖ u64(createdAt)
 *            ‖ for each wrap: lp(userId) ‖ lp(deviceId) ‖ lp(enc raw) ‖ lp(ct raw))
 */
import { b64uDecodeLen, b64uEncode, Bytes, concatBytes, lp, randomBytes, toBytes, u32, u64, utf8 } from './encoding';
import { CryptoFormatError, DecryptionError, NotARecipientError, RosterError, SignatureError } from './errors';
import type { DeviceKeys } from './device-cert';
import { assertString, assertUint, ed25519Sign, ed25519Verify, KEY_BYTES, U32_MAX } from './primitives';
import { rosterHash, sortRoster } from './room-op';
import { hpkeOpen, hpkeSeal } from './hpke';
import { B64u, DeviceCert, EpochKeyEnvelope, EpochKeyWrap } from './types';

const CTX_REK = 'parley/v1/rek';
const CTX_EPOCH = 'parley/v1/epoch';
const HPKE_ENC_BYTES = 32;
const HPKE_CT_BYTES = KEY_BYTES + 16;

/** A fresh 32-byte room epoch key. */
export function createEpochKey(): Bytes {
  return randomBytes(KEY_BYTES);
}

function rekInfo(roomId: string, epoch: number, userId: string, deviceId: string): Bytes {
  return concatBytes(utf8(CTX_REK), lp(roomId), u32(epoch), lp(userId), lp(deviceId));
}

/** The exact bytes an envelope's signature covers (fields are validated on the way). */
export function epochSigningBytes(env: Omit<EpochKeyEnvelope, 'sig'>): Bytes {
  if (!env || typeof env !== 'object') throw new CryptoFormatError('epoch envelope: expected an object');
  if (env.v !== 1 || env.suite !== 'v1') throw new CryptoFormatError('epoch envelope: unsupported version/suite');
  assertString(env.roomId, 'epoch envelope roomId');
  assertUint(env.epoch, U32_MAX, 'epoch envelope epoch');
  assertString(env.creatorUserId, 'epoch envelope creatorUserId');
  assertString(env.creatorDeviceId, 'epoch envelope creatorDeviceId');
  assertUint(env.createdAt, Number.MAX_SAFE_INTEGER, 'epoch envelope createdAt');
  if (!Array.isArray(env.wraps) || env.wraps.length === 0) throw new CryptoFormatError('epoch envelope: no wraps');
  const seen = new Set<string>();
  const wrapParts: Uint8Array[] = [];
  for (const w of env.wraps) {
    if (!w || typeof w !== 'object') throw new CryptoFormatError('epoch envelope: malformed wrap');
    assertString(w.userId, 'wrap userId');
    assertString(w.deviceId, 'wrap deviceId');
    const key = JSON.stringify([w.userId, w.deviceId]);
    if (seen.has(key)) throw new RosterError(`epoch envelope: duplicate wrap for ${w.userId}/${w.deviceId}`);
    seen.add(key);
    wrapParts.push(
      lp(w.userId),
      lp(w.deviceId),
      lp(b64uDecodeLen(w.enc, HPKE_ENC_BYTES, 'wrap enc')),
      lp(b64uDecodeLen(w.ct, HPKE_CT_BYTES, 'wrap ct')),
    );
  }
  return concatBytes(
    utf8(CTX_EPOCH),
    lp(env.roomId),
    u32(env.epoch),
    lp(b64uDecodeLen(env.rosterHash, 32, 'epoch envelope rosterHash')),
    lp(b64uDecodeLen(env.opsHead, 32, 'epoch envelope opsHead')),
    lp(env.creatorUserId),
    lp(env.creatorDeviceId),
    u64(env.createdAt),
    ...wrapParts,
  );
}

export interface SealEpochKeyParams {
  rek: Uint8Array;
  roomId: string;
  epoch: number;
  /** Hash of the room-op chain head (`hashRoomOp` of the last op) this epoch's roster was built from. */
  opsHead: B64u;
  creator: { userId: string; device: DeviceKeys };
  /** One verified, non-revoked certificate per roster device. */
  recipients: DeviceCert[];
  /** Defaults to Date.now(). */
  createdAt?: number;
}

/** HPKE-seals the REK to every recipient device and signs the envelope with the creator's device key. */
export async function sealEpochKey(params: SealEpochKeyParams): Promise<EpochKeyEnvelope> {
  const { rek, roomId, epoch, opsHead, creator, recipients } = params;
  if (!ArrayBuffer.isView(rek) || rek.length !== KEY_BYTES) throw new CryptoFormatError('rek: expected 32 bytes');
  assertString(roomId, 'roomId');
  assertUint(epoch, U32_MAX, 'epoch');
  b64uDecodeLen(opsHead, 32, 'opsHead');
  if (!Array.isArray(recipients)) throw new RosterError('recipients: expected an array');
  for (const r of recipients) {
    if (r.revoked) throw new RosterError(`recipients: device ${r.userId}/${r.deviceId} is revoked`);
  }
  const sorted = sortRoster(recipients);
  const hash = await rosterHash(sorted);
  const aad = b64uDecodeLen(hash, 32, 'rosterHash');
  const pt = toBytes(rek);
  const wraps: EpochKeyWrap[] = [];
  try {
    for (const r of sorted) {
      const pkRaw = b64uDecodeLen(r.kemKey, KEY_BYTES, 'recipient kemKey');
      let sealed: { enc: Uint8Array; ct: Uint8Array };
      try {
        sealed = await hpkeSeal(pkRaw, rekInfo(roomId, epoch, r.userId, r.deviceId), aad, pt);
      } catch (e) {
        throw new CryptoFormatError(`recipient ${r.userId}/${r.deviceId}: unusable kemKey`, { cause: e });
      }
      wraps.push({ userId: r.userId, deviceId: r.deviceId, enc: b64uEncode(sealed.enc), ct: b64uEncode(sealed.ct) });
    }
  } finally {
    pt.fill(0);
  }
  const unsigned: Omit<EpochKeyEnvelope, 'sig'> = {
    v: 1,
    suite: 'v1',
    roomId,
    epoch,
    rosterHash: hash,
    opsHead,
    creatorUserId: creator.userId,
    creatorDeviceId: creator.device.deviceId,
    createdAt: params.createdAt ?? Date.now(),
    wraps,
  };
  const sig = b64uEncode(await ed25519Sign(creator.device.sigKey.privateKey, epochSigningBytes(unsigned)));
  return { ...unsigned, sig };
}

/**
 * Verifies an envelope's signature against the creator's device certificate (already verified against the
 * creator's UIK by the caller). Usable by servers too (defence in depth).
 */
export async function verifyEpochEnvelope(envelope: EpochKeyEnvelope, creatorCert: DeviceCert): Promise<void> {
  const bytes = epochSigningBytes(envelope);
  if (creatorCert.userId !== envelope.creatorUserId || creatorCert.deviceId !== envelope.creatorDeviceId) {
    throw new SignatureError('epoch envelope: certificate does not belong to the creator');
  }
  await ed25519Verify(creatorCert.sigKey, envelope.sig, bytes, 'epoch envelope');
}

/**
 * Verifies the envelope, finds this device's wrap and opens it. Returns the 32-byte REK.
 * Caller duties: verify `creatorCert` with the creator's UIK, and compare `envelope.rosterHash`/`opsHead`
 * with the roster rebuilt from the room-op chain (both are covered by the signature).
 */
export async function openEpochKey(
  envelope: EpochKeyEnvelope,
  me: { userId: string; device: DeviceKeys },
  creatorCert: DeviceCert,
): Promise<Bytes> {
  await verifyEpochEnvelope(envelope, creatorCert);
  const mine = envelope.wraps.find((w) => w.userId === me.userId && w.deviceId === me.device.deviceId);
  if (!mine) throw new NotARecipientError(`epoch ${envelope.epoch}: no key for ${me.userId}/${me.device.deviceId}`);
  const aad = b64uDecodeLen(envelope.rosterHash, 32, 'rosterHash');
  const enc = b64uDecodeLen(mine.enc, HPKE_ENC_BYTES, 'wrap enc');
  const ct = b64uDecodeLen(mine.ct, HPKE_CT_BYTES, 'wrap ct');
  let rek: Bytes;
  try {
    rek = await hpkeOpen(me.device.kemKey, enc, ct, rekInfo(envelope.roomId, envelope.epoch, me.userId, me.device.deviceId), aad);
  } catch (e) {
    throw new DecryptionError(`epoch ${envelope.epoch}: cannot open the key wrap`, { cause: e });
  }
  if (rek.length !== KEY_BYTES) throw new CryptoFormatError('epoch key: expected 32 bytes');
  return rek;
}
