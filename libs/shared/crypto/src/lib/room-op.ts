/**
 * Hash-chained, device-signed room membership operations, and the roster hash.
 *
 *   opBytes = "parley/v1/room-op" ‖ lp(String(v)) ‖ lp(roomId) ‖ u64(seq) ‖ lp(prevHash raw) ‖ lp(op) ‖ lp(target)
 *             ‖ lp(role ?? "") ‖ lp(actorUserId) ‖ lp(actorDeviceId)
 *   sig     = Ed25519(actor device sigKey, opBytes)
 *   hash    = SHA-256(opBytes ‖ lp(sig raw))        — the next op's prevHash; the first op uses GENESIS_HASH
 *   roster  = SHA-256(for each member sorted by (userId, deviceId) as UTF-8 bytes: lp(userId) ‖ lp(deviceId) ‖ lp(kemKey raw))
 */
import { b64uDecodeLen, b64uEncode, Bytes, compareUtf8, concatBytes, lp, u64, utf8 } from './encoding';
import { CryptoFormatError, RosterError, SignatureError } from './errors';
import type { DeviceKeys } from './device-cert';
import { assertString, assertUint, ed25519Sign, ed25519Verify, ED25519_SIG_BYTES, KEY_BYTES, sha256 } from './primitives';
import { B64u, DeviceCert, RoomOp, RoomOpKind } from './types';

const CTX_ROOM_OP = 'parley/v1/room-op';
const OP_KINDS: readonly RoomOpKind[] = ['create', 'add', 'remove', 'leave', 'role'];

/** prevHash of the first op of every room: 32 zero bytes, base64url. */
export const GENESIS_HASH: B64u = b64uEncode(new Uint8Array(32));

/** The exact bytes a room op's signature covers (fields are validated on the way). */
export function roomOpSigningBytes(op: Omit<RoomOp, 'sig'>): Bytes {
  if (!op || typeof op !== 'object') throw new CryptoFormatError('room op: expected an object');
  if (op.v !== 1) throw new CryptoFormatError('room op: unsupported version');
  assertString(op.roomId, 'room op roomId');
  assertUint(op.seq, Number.MAX_SAFE_INTEGER, 'room op seq');
  if (!OP_KINDS.includes(op.op)) throw new CryptoFormatError('room op: unknown op');
  if (typeof op.target !== 'string') throw new CryptoFormatError('room op target: expected a string');
  if (op.role !== undefined && op.role !== 'admin' && op.role !== 'member') {
    throw new CryptoFormatError('room op: unknown role');
  }
  assertString(op.actorUserId, 'room op actorUserId');
  assertString(op.actorDeviceId, 'room op actorDeviceId');
  return concatBytes(
    utf8(CTX_ROOM_OP),
    lp(String(op.v)),
    lp(op.roomId),
    u64(op.seq),
    lp(b64uDecodeLen(op.prevHash, 32, 'room op prevHash')),
    lp(op.op),
    lp(op.target),
    lp(op.role ?? ''),
    lp(op.actorUserId),
    lp(op.actorDeviceId),
  );
}

/** Signs a room op with the acting device's sigKey. */
export async function signRoomOp(unsigned: Omit<RoomOp, 'sig'>, device: DeviceKeys): Promise<RoomOp> {
  if (unsigned.actorDeviceId !== device.deviceId) {
    throw new CryptoFormatError('room op: actorDeviceId is not the signing device');
  }
  const sig = b64uEncode(await ed25519Sign(device.sigKey.privateKey, roomOpSigningBytes(unsigned)));
  const { v, roomId, seq, prevHash, op, target, role, actorUserId, actorDeviceId } = unsigned;
  return { v, roomId, seq, prevHash, op, target, ...(role !== undefined ? { role } : {}), actorUserId, actorDeviceId, sig };
}

/**
 * Verifies a room op against its actor's device certificate (which the caller has verified with
 * `verifyDeviceCert` against the actor's UIK). The cert must name the op's actor; a revoked cert is NOT rejected
 * here because historic ops stay valid — chain validation decides whether the actor was allowed at that point.
 */
export async function verifyRoomOp(op: RoomOp, actorCert: DeviceCert): Promise<void> {
  const bytes = roomOpSigningBytes(op);
  if (actorCert.userId !== op.actorUserId || actorCert.deviceId !== op.actorDeviceId) {
    throw new SignatureError('room op: certificate does not belong to the actor');
  }
  await ed25519Verify(actorCert.sigKey, op.sig, bytes, 'room op');
}

/** SHA-256(opBytes ‖ lp(sig raw)), base64url — the `prevHash` of the next op. */
export async function hashRoomOp(op: RoomOp): Promise<B64u> {
  const sig = b64uDecodeLen(op.sig, ED25519_SIG_BYTES, 'room op sig');
  return b64uEncode(await sha256(concatBytes(roomOpSigningBytes(op), lp(sig))));
}

export interface RosterMember {
  userId: string;
  deviceId: string;
  /** Raw 32-byte X25519 public key, base64url. */
  kemKey: B64u;
}

/** Orders ids by their UTF-8 bytes, which any implementation can reproduce (equal to JS order for ASCII ids). */
const cmp = compareUtf8;

/** Members sorted by (userId, deviceId); RosterError on an empty roster or a duplicate device. */
export function sortRoster<T extends RosterMember>(members: readonly T[]): T[] {
  if (!Array.isArray(members) || members.length === 0) throw new RosterError('roster: no members');
  const sorted = [...members].sort((a, b) => cmp(a.userId, b.userId) || cmp(a.deviceId, b.deviceId));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].userId === sorted[i - 1].userId && sorted[i].deviceId === sorted[i - 1].deviceId) {
      throw new RosterError(`roster: duplicate device ${sorted[i].userId}/${sorted[i].deviceId}`);
    }
  }
  return sorted;
}

/** SHA-256 over the members sorted by (userId, deviceId), each as lp(userId) ‖ lp(deviceId) ‖ lp(kemKey raw). */
export async function rosterHash(members: readonly RosterMember[]): Promise<B64u> {
  const parts: Uint8Array[] = [];
  for (const m of sortRoster(members)) {
    assertString(m.userId, 'roster userId');
    assertString(m.deviceId, 'roster deviceId');
    parts.push(lp(m.userId), lp(m.deviceId), lp(b64uDecodeLen(m.kemKey, KEY_BYTES, 'roster kemKey')));
  }
  return b64uEncode(await sha256(concatBytes(...parts)));
}
