/**
 * Epoch envelopes checked against the verified room state, and the rotation rules (DESIGN §3, "Epoch keys") as
 * pure functions.
 */
import { EpochError } from './errors';
import { openEpochKey, verifyEpochEnvelope } from './epoch';
import type { DeviceKeys } from './device-cert';
import { ChainStep, DeviceResolver, findChainStep, VerifiedChain } from './room-chain';
import { rosterHash } from './room-op';
import { B64u, DeviceCert, EpochKeyEnvelope, RoomOp } from './types';

export interface VerifiedEpoch {
  envelope: EpochKeyEnvelope;
  /** The chain step the envelope was built from. */
  step: ChainStep;
  /** The certificates of the devices it is sealed to (what rosterHash covers). */
  recipients: DeviceCert[];
  /** Members at `step` with no wrap at all (they cannot read this epoch). */
  membersWithoutKey: string[];
  /**
   * Members at `step` who are no longer members now: the epoch is stale for sending — rotate first (a server that
   * replays an old epoch after a removal is caught here).
   */
  removedSince: string[];
  /** Recipient devices (userId/deviceId) whose certificate is revoked by now: also stale for sending. */
  revokedRecipients: string[];
  /** The creator's device has been revoked since: read history under it, but do not send under it. */
  creatorRevoked: boolean;
}

/**
 * Checks an envelope against the verified chain: same room, signed by a device of a member, built from an op that
 * is in the chain, sealed only to that op's members' certified devices, with a rosterHash that matches them.
 * It does not open the key; see `openRoomEpochKey`.
 */
export async function verifyRoomEpoch(
  envelope: EpochKeyEnvelope,
  chain: VerifiedChain,
  resolve: DeviceResolver,
): Promise<VerifiedEpoch> {
  if (envelope.roomId !== chain.roomId) throw new EpochError('wrong-room', `epoch ${envelope.epoch}: envelope of room ${envelope.roomId}`);
  const creatorCert = await resolve(envelope.creatorUserId, envelope.creatorDeviceId);
  if (!creatorCert) throw new EpochError('creator-not-member', `epoch ${envelope.epoch}: creator device is not certified`);
  await verifyEpochEnvelope(envelope, creatorCert);
  const step = findChainStep(chain, envelope.opsHead);
  if (!step) throw new EpochError('unknown-ops-head', `epoch ${envelope.epoch}: built from an op that is not in this room's chain`);
  if (!step.members.has(envelope.creatorUserId)) {
    throw new EpochError('creator-not-member', `epoch ${envelope.epoch}: ${envelope.creatorUserId} was not a member`);
  }
  const recipients: DeviceCert[] = [];
  for (const w of envelope.wraps) {
    if (!step.members.has(w.userId)) throw new EpochError('outsider-wrap', `epoch ${envelope.epoch}: a key is sealed to non-member ${w.userId}`);
    const cert = await resolve(w.userId, w.deviceId);
    if (!cert) throw new EpochError('outsider-wrap', `epoch ${envelope.epoch}: a key is sealed to uncertified device ${w.userId}/${w.deviceId}`);
    recipients.push(cert);
  }
  if ((await rosterHash(recipients)) !== envelope.rosterHash) {
    throw new EpochError('roster-mismatch', `epoch ${envelope.epoch}: rosterHash does not match the certified recipients`);
  }
  const wrapped = new Set(envelope.wraps.map((w) => w.userId));
  return {
    envelope,
    step,
    recipients,
    membersWithoutKey: [...step.members.keys()].filter((u) => !wrapped.has(u)),
    removedSince: [...step.members.keys()].filter((u) => !chain.members.has(u)),
    revokedRecipients: recipients.filter((c) => c.revoked).map((c) => `${c.userId}/${c.deviceId}`),
    creatorRevoked: creatorCert.revoked === true,
  };
}

/** `verifyRoomEpoch`, then opens this device's wrap. */
export async function openRoomEpochKey(
  envelope: EpochKeyEnvelope,
  chain: VerifiedChain,
  resolve: DeviceResolver,
  me: { userId: string; device: DeviceKeys },
): Promise<{ rek: Uint8Array; epoch: VerifiedEpoch }> {
  const epoch = await verifyRoomEpoch(envelope, chain, resolve);
  const creatorCert = epoch.recipients.find((c) => c.userId === envelope.creatorUserId && c.deviceId === envelope.creatorDeviceId)
    ?? (await resolve(envelope.creatorUserId, envelope.creatorDeviceId));
  if (!creatorCert) throw new EpochError('creator-not-member', `epoch ${envelope.epoch}: creator device is not certified`);
  return { rek: await openEpochKey(envelope, me, creatorCert), epoch };
}

/**
 * Checks the epoch to encrypt with: never lower than one this client has seen (a server replaying an old epoch as
 * current → EpochError('stale')), no member removed since, no revoked recipient or creator device.
 */
export function assertSendableEpoch(epoch: VerifiedEpoch, highestSeenEpoch: number): void {
  if (epoch.envelope.epoch < highestSeenEpoch) {
    throw new EpochError('stale', `epoch ${epoch.envelope.epoch} is older than epoch ${highestSeenEpoch} seen before`);
  }
  if (epoch.removedSince.length > 0) {
    throw new EpochError('stale', `epoch ${epoch.envelope.epoch} still includes removed members: rotate before sending`);
  }
  if (epoch.revokedRecipients.length > 0 || epoch.creatorRevoked) {
    throw new EpochError('stale', `epoch ${epoch.envelope.epoch} involves a revoked device: rotate before sending`);
  }
}

// ------------------------------------------------------------------------------------------------ rotation

export const ROTATION_POLICY_V1 = {
  /** 7 days */
  maxAgeMs: 7 * 24 * 60 * 60 * 1000,
  maxMessages: 10_000,
  rotateOnJoin: true,
} as const;

export type RotationPolicy = { maxAgeMs: number; maxMessages: number; rotateOnJoin: boolean };

export type RotationReason =
  | 'no-epoch'
  | 'member-removed'
  | 'member-left'
  | 'member-joined'
  | 'device-revoked'
  | 'device-added'
  | 'identity-changed'
  | 'not-a-recipient'
  | 'max-age'
  | 'max-messages'
  | 'server-flag';

/** Everything the decision depends on, as plain data (no I/O): easy to test and to reproduce. */
export interface RotationInput {
  now: number;
  /** The current epoch, if any: its creation time, the devices it is sealed to and how many messages it carried. */
  current?: { createdAt: number; wraps: readonly { userId: string; deviceId: string }[]; messageCount: number; opsHead: B64u };
  /** Ops after the current epoch's opsHead (from the verified chain). */
  opsSince: readonly RoomOp[];
  /** The devices that should hold the key now: every active, certified device of every current member. */
  roster: readonly { userId: string; deviceId: string }[];
  /** Members whose identity key (UIK) changed since the current epoch. */
  identityChanged?: readonly string[];
  /** The rooms service's `rotationRequired` flag (set after a self-leave). */
  rotationRequired?: boolean;
  me: { userId: string; deviceId: string };
  policy?: RotationPolicy;
}

export interface RotationDecision {
  rotate: boolean;
  /**
   * True when no message may be sent under the current epoch any more (someone lost access, or a key changed):
   * rotate before the next send. False with `rotate` means rotate soon (age, count, a new device or member).
   */
  urgent: boolean;
  reasons: RotationReason[];
}

/** When must a client rotate? Pure function of the room's state. */
export function rotationDecision(input: RotationInput): RotationDecision {
  const policy = input.policy ?? ROTATION_POLICY_V1;
  const reasons = new Set<RotationReason>();
  const urgentReasons: RotationReason[] = ['no-epoch', 'member-removed', 'member-left', 'device-revoked', 'identity-changed', 'not-a-recipient', 'server-flag'];
  const { current } = input;
  if (!current) {
    reasons.add('no-epoch');
  } else {
    for (const op of input.opsSince) {
      if (op.op === 'remove') reasons.add('member-removed');
      if (op.op === 'leave') reasons.add('member-left');
      if (op.op === 'add' && policy.rotateOnJoin) reasons.add('member-joined');
    }
    const key = (d: { userId: string; deviceId: string }) => `${d.userId}\u0000${d.deviceId}`;
    const want = new Set(input.roster.map(key));
    const have = new Set(current.wraps.map(key));
    const users = (list: readonly { userId: string }[]) => new Set(list.map((d) => d.userId));
    const wantUsers = users(input.roster);
    const haveUsers = users(current.wraps);
    for (const d of current.wraps) {
      // A device that lost access: revoked (its user is still here) or its user left the room.
      if (!want.has(key(d))) reasons.add(wantUsers.has(d.userId) ? 'device-revoked' : 'member-removed');
    }
    for (const d of input.roster) {
      // A device that has no key yet: a new device of a member, or a new member (who needs a key in any case).
      if (!have.has(key(d))) reasons.add(haveUsers.has(d.userId) ? 'device-added' : 'member-joined');
    }
    if (!have.has(key(input.me))) reasons.add('not-a-recipient');
    if (input.identityChanged?.length) reasons.add('identity-changed');
    if (input.now - current.createdAt >= policy.maxAgeMs) reasons.add('max-age');
    if (current.messageCount >= policy.maxMessages) reasons.add('max-messages');
  }
  if (input.rotationRequired) reasons.add('server-flag');
  const list = [...reasons];
  return { rotate: list.length > 0, urgent: list.some((r) => urgentReasons.includes(r)), reasons: list };
}

/** The next epoch number: one above the highest the server has; epochs start at 1. */
export function nextEpoch(currentEpoch: number | undefined): number {
  return (currentEpoch ?? 0) + 1;
}
