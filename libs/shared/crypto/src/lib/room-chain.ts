/**
 * The room's roster, rebuilt from its signed, hash-chained membership ops (DESIGN §3, "Room membership").
 * A server that inserts a member, drops or reorders an op, forges or strips a signature, or lets a non-admin act
 * is caught here with a ChainError naming the reason and the op.
 *
 * Rules (v1): seq 0 is `create` by its own target, who becomes admin; after that only members act; `add`,
 * `remove` and `role` need an admin; `add` targets a non-member (role `member` unless given); `remove` targets
 * another member; `leave` is a member removing themself; `role` sets a member's role. Each op's prevHash is the
 * hash of the one before (GENESIS_HASH first) and its signature verifies against the actor's certified device.
 */
import { ChainError, CryptoFormatError, ParleyCryptoError } from './errors';
import { b64uDecode } from './encoding';
import { ED25519_SIG_BYTES } from './primitives';
import { GENESIS_HASH, hashRoomOp, verifyRoomOp } from './room-op';
import { B64u, DeviceCert, RoomOp } from './types';

export type RoomRole = 'admin' | 'member';

/**
 * Returns the certificate of a device, already verified against its user's UIK (e.g. from `verifyDeviceList`),
 * or undefined for a device the user never certified.
 */
export type DeviceResolver = (userId: string, deviceId: string) => Promise<DeviceCert | undefined> | DeviceCert | undefined;

export interface ChainStep {
  seq: number;
  op: RoomOp;
  /** hashRoomOp(op): the next op's prevHash, and what an epoch envelope names as `opsHead`. */
  hash: B64u;
  /** Members and roles right after this op. */
  members: ReadonlyMap<string, RoomRole>;
}

export interface VerifiedChain {
  roomId: string;
  steps: ChainStep[];
  head: ChainStep;
  members: ReadonlyMap<string, RoomRole>;
}

export interface ChainOptions {
  /**
   * A head this client verified before: the chain must still contain it (no rewritten history), and ops up to it
   * stay valid even if their actor's device has been revoked since.
   */
  checkpoint?: { seq: number; hash: B64u };
}

function fail(reason: ConstructorParameters<typeof ChainError>[0], op: RoomOp | undefined, why: string): never {
  throw new ChainError(reason, `room chain${op ? ` op ${op.seq}` : ''}: ${why}`, op?.seq);
}

/** Applies the membership rules of one op to `members` (a copy is returned). Throws ChainError. */
export function applyRoomOpRules(members: ReadonlyMap<string, RoomRole> | undefined, op: RoomOp): Map<string, RoomRole> {
  const next = new Map(members ?? []);
  if (typeof op.target !== 'string' || op.target.length === 0) fail('invalid-op', op, 'empty target');
  if (op.seq === 0 || !members) {
    if (op.op !== 'create') fail('bad-genesis', op, 'the first op must be create');
    if (op.target !== op.actorUserId) fail('bad-genesis', op, 'create must name its own actor');
    if (op.role !== undefined && op.role !== 'admin') fail('invalid-op', op, 'the creator is an admin');
    next.set(op.target, 'admin');
    return next;
  }
  const actorRole = members.get(op.actorUserId);
  if (!actorRole) fail('not-member', op, `${op.actorUserId} is not a member`);
  const needAdmin = () => {
    if (actorRole !== 'admin') fail('not-admin', op, `${op.actorUserId} is not an admin`);
  };
  switch (op.op) {
    case 'create':
      return fail('invalid-op', op, 'create after the first op');
    case 'add':
      needAdmin();
      if (members.has(op.target)) fail('invalid-op', op, `${op.target} is already a member`);
      next.set(op.target, op.role ?? 'member');
      return next;
    case 'remove':
      needAdmin();
      if (op.role !== undefined) fail('invalid-op', op, 'remove carries no role');
      if (!members.has(op.target)) fail('invalid-op', op, `${op.target} is not a member`);
      if (op.target === op.actorUserId) fail('invalid-op', op, 'use leave to remove yourself');
      next.delete(op.target);
      return next;
    case 'leave':
      if (op.role !== undefined) fail('invalid-op', op, 'leave carries no role');
      if (op.target !== op.actorUserId) fail('invalid-op', op, 'leave must name its own actor');
      next.delete(op.target);
      return next;
    case 'role':
      needAdmin();
      if (!members.has(op.target)) fail('invalid-op', op, `${op.target} is not a member`);
      if (op.role === undefined) fail('invalid-op', op, 'role needs a role');
      next.set(op.target, op.role);
      return next;
    default:
      return fail('invalid-op', op, 'unknown op');
  }
}

/**
 * Verifies a room's whole op log and rebuilds its roster. `ops` must be the complete chain from seq 0, in order.
 */
export async function verifyRoomChain(
  roomId: string,
  ops: readonly RoomOp[],
  resolve: DeviceResolver,
  options: ChainOptions = {},
): Promise<VerifiedChain> {
  if (!Array.isArray(ops) || ops.length === 0) throw new ChainError('empty', 'room chain: no ops');
  const steps: ChainStep[] = [];
  let prevHash = GENESIS_HASH;
  let members: ReadonlyMap<string, RoomRole> | undefined;
  const { checkpoint } = options;
  for (const [index, op] of ops.entries()) {
    if (!op || typeof op !== 'object') fail('invalid-op', undefined, `op ${index} is not an object`);
    if (op.roomId !== roomId) fail('wrong-room', op, `belongs to room ${String(op.roomId)}`);
    if (op.seq !== index) fail('bad-seq', op, `expected seq ${index}`);
    if (op.prevHash !== prevHash) fail(index === 0 ? 'bad-genesis' : 'broken-link', op, 'prevHash does not match');
    if (typeof op.sig !== 'string' || op.sig.length === 0) fail('unsigned', op, 'no signature');
    let sigLen = 0;
    try {
      sigLen = b64uDecode(op.sig).length;
    } catch {
      fail('unsigned', op, 'signature is not base64url');
    }
    if (sigLen !== ED25519_SIG_BYTES) fail('unsigned', op, 'signature has the wrong length');
    const cert = await resolve(op.actorUserId, op.actorDeviceId);
    if (!cert) fail('unknown-device', op, `${op.actorUserId}/${op.actorDeviceId} is not a certified device`);
    if (cert.revoked && !(checkpoint && op.seq <= checkpoint.seq)) {
      fail('revoked-device', op, `${op.actorUserId}/${op.actorDeviceId} is revoked`);
    }
    try {
      await verifyRoomOp(op, cert);
    } catch (e) {
      if (e instanceof CryptoFormatError) throw new ChainError('invalid-op', `room chain op ${op.seq}: ${e.message}`, op.seq, { cause: e });
      if (e instanceof ParleyCryptoError) throw new ChainError('bad-signature', `room chain op ${op.seq}: ${e.message}`, op.seq, { cause: e });
      throw e;
    }
    members = applyRoomOpRules(members, op);
    const hash = await hashRoomOp(op);
    if (checkpoint && checkpoint.seq === op.seq && checkpoint.hash !== hash) {
      fail('fork', op, 'differs from the op verified before (history was rewritten)');
    }
    steps.push({ seq: op.seq, op, hash, members });
    prevHash = hash;
  }
  if (checkpoint && checkpoint.seq >= steps.length) {
    throw new ChainError('fork', `room chain: ends at ${steps.length - 1}, before the verified head ${checkpoint.seq}`);
  }
  const head = steps[steps.length - 1];
  return { roomId, steps, head, members: head.members };
}

/** The step whose hash is `opsHead` (what an epoch envelope was built from), or undefined. */
export function findChainStep(chain: VerifiedChain, opsHead: B64u): ChainStep | undefined {
  return chain.steps.find((s) => s.hash === opsHead);
}

/**
 * Compares the roster the server reports (e.g. `RoomDetail.members`) with the one the chain proves. A member the
 * chain never added, one it removed, a hidden member, or a server-side admin the chain does not make admin →
 * ChainError('roster-mismatch'). The server's `owner` counts as admin.
 */
export function assertRosterMatches(chain: VerifiedChain, serverMembers: readonly { userId: string; role?: string }[]): void {
  const seen = new Set<string>();
  for (const m of serverMembers) {
    const role = chain.members.get(m.userId);
    if (!role) throw new ChainError('roster-mismatch', `roster: the server lists ${m.userId}, whom the chain does not make a member`);
    if ((m.role === 'owner' || m.role === 'admin') && role !== 'admin') {
      throw new ChainError('roster-mismatch', `roster: the server makes ${m.userId} an admin, the chain does not`);
    }
    seen.add(m.userId);
  }
  for (const userId of chain.members.keys()) {
    if (!seen.has(userId)) throw new ChainError('roster-mismatch', `roster: the server hides member ${userId}`);
  }
}
