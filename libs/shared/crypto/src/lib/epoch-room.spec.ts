import { revokeDeviceCert } from './device-cert';
import { EpochError, NotARecipientError, SignatureError } from './errors';
import { sealEpochKey } from './epoch';
import { assertSendableEpoch, openRoomEpochKey, rotationDecision, RotationInput, verifyRoomEpoch } from './epoch-room';
import { verifyRoomChain } from './room-chain';
import { hashRoomOp } from './room-op';
import { person, Person, resolverOf, Room } from '../spec-support/world';

describe('epochs against the verified room', () => {
  let alice: Person, bob: Person, carol: Person, mallory: Person;
  let room: Room;
  const resolve = () => resolverOf([alice, bob, carol, mallory]);

  beforeAll(async () => {
    [alice, bob, carol, mallory] = await Promise.all(['alice', 'bob', 'carol', 'mallory'].map(person));
    room = await Room.create('room-1', alice);
    await room.op(alice, 'add', 'bob');
    await room.op(alice, 'add', 'carol');
    await room.rotate(alice, [alice, bob, carol]); // epoch 1
    await room.op(alice, 'remove', 'carol');
    await room.rotate(alice, [alice, bob]); // epoch 2
  });

  it('opens the current epoch after checking it against the chain', async () => {
    const chain = await verifyRoomChain('room-1', room.ops, resolve());
    const { rek, epoch } = await openRoomEpochKey(room.envelopes[1], chain, resolve(), { userId: 'bob', device: bob.device });
    expect(rek).toEqual(room.reks.get(2));
    expect(epoch.removedSince).toEqual([]);
    expect(() => assertSendableEpoch(epoch, 2)).not.toThrow();
  });

  it('catches a server replaying the old epoch after a removal (stale for sending)', async () => {
    const chain = await verifyRoomChain('room-1', room.ops, resolve());
    const old = await verifyRoomEpoch(room.envelopes[0], chain, resolve());
    expect(old.removedSince).toEqual(['carol']);
    expect(() => assertSendableEpoch(old, 1)).toThrow(EpochError);
    expect(() => assertSendableEpoch(old, 2)).toThrow(/older than epoch 2/);
  });

  it('an epoch that includes a device revoked since is readable but not sendable', async () => {
    const dave = await person('dave');
    const r = await Room.create('room-3', alice);
    await r.op(alice, 'add', 'dave');
    await r.rotate(alice, [alice, dave]);
    const res = resolverOf([alice, dave]);
    const chain = await verifyRoomChain('room-3', r.ops, res);
    dave.certs.push(await revokeDeviceCert(dave.identity, dave.cert, 2));
    const e = await verifyRoomEpoch(r.envelopes[0], chain, res);
    expect(e.revokedRecipients).toEqual([`dave/${dave.device.deviceId}`]);
    expect(() => assertSendableEpoch(e, 1)).toThrow(/revoked device/);
  });

  it('removed members are not recipients of the next epoch', async () => {
    const chain = await verifyRoomChain('room-1', room.ops, resolve());
    await expect(openRoomEpochKey(room.envelopes[1], chain, resolve(), { userId: 'carol', device: carol.device })).rejects.toBeInstanceOf(NotARecipientError);
  });

  it('rejects an envelope sealed to a non-member, even when validly signed by a member', async () => {
    const bad = await sealEpochKey({
      rek: new Uint8Array(32), roomId: 'room-1', epoch: 3, opsHead: await hashRoomOp(room.ops[3]),
      creator: { userId: 'bob', device: bob.device }, recipients: [alice.cert, bob.cert, mallory.cert],
    });
    const chain = await verifyRoomChain('room-1', room.ops, resolve());
    await expect(verifyRoomEpoch(bad, chain, resolve())).rejects.toMatchObject({ reason: 'outsider-wrap' });
  });

  it('rejects envelopes of another room, from an unknown op, or with a rosterHash that does not match', async () => {
    const chain = await verifyRoomChain('room-1', room.ops, resolve());
    const other = await Room.create('room-2', alice);
    const foreign = await other.rotate(alice, [alice, bob]);
    await expect(verifyRoomEpoch(foreign, chain, resolve())).rejects.toMatchObject({ reason: 'wrong-room' });
    const forked = await sealEpochKey({
      rek: new Uint8Array(32), roomId: 'room-1', epoch: 3, opsHead: await hashRoomOp(other.ops[0]),
      creator: { userId: 'alice', device: alice.device }, recipients: [alice.cert, bob.cert],
    });
    await expect(verifyRoomEpoch(forked, chain, resolve())).rejects.toMatchObject({ reason: 'unknown-ops-head' });
    // A relabelled wrap (the server moves bob's wrap to mallory's name) breaks the signature.
    const env = room.envelopes[1];
    const relabelled = { ...env, wraps: env.wraps.map((w) => (w.userId === 'bob' ? { ...w, userId: 'mallory' } : w)) };
    await expect(verifyRoomEpoch(relabelled, chain, resolve())).rejects.toBeInstanceOf(SignatureError);
  });
});

describe('rotation rules', () => {
  const base: RotationInput = {
    now: 1_000_000_000,
    current: { createdAt: 1_000_000_000 - 1000, wraps: [{ userId: 'a', deviceId: 'a1' }, { userId: 'b', deviceId: 'b1' }], messageCount: 10, opsHead: 'x' },
    opsSince: [],
    roster: [{ userId: 'a', deviceId: 'a1' }, { userId: 'b', deviceId: 'b1' }],
    me: { userId: 'a', deviceId: 'a1' },
  };
  const op = (kind: 'add' | 'remove' | 'leave') => ({ op: kind }) as never;
  const cases: [string, Partial<RotationInput>, string[], boolean][] = [
    ['nothing changed', {}, [], false],
    ['no epoch yet', { current: undefined }, ['no-epoch'], true],
    ['a member was removed', { opsSince: [op('remove')], roster: [{ userId: 'a', deviceId: 'a1' }] }, ['member-removed'], true],
    ['a member left', { opsSince: [op('leave')], roster: [{ userId: 'a', deviceId: 'a1' }] }, ['member-left', 'member-removed'], true],
    ['a device was revoked', { roster: [{ userId: 'a', deviceId: 'a1' }, { userId: 'b', deviceId: 'b2' }] }, ['device-revoked', 'device-added'], true],
    ['a member joined', { opsSince: [op('add')], roster: [...base.roster, { userId: 'c', deviceId: 'c1' }] }, ['member-joined'], false],
    ['a new device of a member', { roster: [...base.roster, { userId: 'b', deviceId: 'b2' }] }, ['device-added'], false],
    ['an identity key changed', { identityChanged: ['b'] }, ['identity-changed'], true],
    ['the epoch is 7 days old', { now: base.now + 7 * 24 * 3600 * 1000 }, ['max-age'], false],
    ['10,000 messages', { current: { ...(base.current as NonNullable<RotationInput['current']>), messageCount: 10_000 } }, ['max-messages'], false],
    ['the server flags a self-leave', { rotationRequired: true }, ['server-flag'], true],
    ['this device holds no key', { me: { userId: 'a', deviceId: 'a9' } }, ['not-a-recipient'], true],
  ];

  it.each(cases)('%s', (_name, over, reasons, urgent) => {
    const d = rotationDecision({ ...base, ...over });
    expect(d.reasons.sort()).toEqual([...reasons].sort());
    expect(d.rotate).toBe(reasons.length > 0);
    expect(d.urgent).toBe(urgent);
  });
});
