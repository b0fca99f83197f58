import { createDeviceCert, generateDeviceKeys, revokeDeviceCert } from './device-cert';
import { b64uEncode, randomBytes } from './encoding';
import { ChainError } from './errors';
import { assertRosterMatches, verifyRoomChain } from './room-chain';
import { hashRoomOp, signRoomOp } from './room-op';
import { RoomOp } from './types';
import { person, Person, resolverOf, Room } from '../spec-support/world';

describe('room chain', () => {
  let alice: Person, bob: Person, carol: Person, mallory: Person;
  let room: Room;
  const resolve = () => resolverOf([alice, bob, carol, mallory]);
  const reason = async (ops: RoomOp[], r = resolve()) => {
    try {
      await verifyRoomChain('room-1', ops, r);
      return 'accepted';
    } catch (e) {
      if (e instanceof ChainError) return e.reason;
      throw e;
    }
  };

  beforeAll(async () => {
    [alice, bob, carol, mallory] = await Promise.all(['alice', 'bob', 'carol', 'mallory'].map(person));
    room = await Room.create('room-1', alice);
    await room.op(alice, 'add', 'bob');
    await room.op(alice, 'add', 'carol', 'admin');
    await room.op(carol, 'role', 'bob', 'admin');
    await room.op(bob, 'remove', 'carol');
    await room.op(alice, 'add', 'carol');
    await room.op(carol, 'leave', 'carol');
  });

  it('rebuilds the roster and roles from the signed ops', async () => {
    const chain = await verifyRoomChain('room-1', room.ops, resolve());
    expect([...chain.members]).toEqual([['alice', 'admin'], ['bob', 'admin']]);
    expect(chain.steps).toHaveLength(7);
    expect(chain.head.hash).toBe(await hashRoomOp(room.ops[6]));
    expect([...chain.steps[2].members.keys()]).toEqual(['alice', 'bob', 'carol']);
  });

  it('accepts what the server reports when it matches, and names the mismatch otherwise', async () => {
    const chain = await verifyRoomChain('room-1', room.ops, resolve());
    expect(() => assertRosterMatches(chain, [{ userId: 'alice', role: 'owner' }, { userId: 'bob', role: 'admin' }])).not.toThrow();
    expect(() => assertRosterMatches(chain, [{ userId: 'alice' }, { userId: 'bob' }, { userId: 'mallory', role: 'member' }])).toThrow(ChainError);
    expect(() => assertRosterMatches(chain, [{ userId: 'alice' }])).toThrow(/hides member bob/);
  });

  const attacks: [string, (ops: RoomOp[]) => Promise<RoomOp[]>, string][] = [
    ['an op removed from the middle', async (ops) => [...ops.slice(0, 2), ...ops.slice(3)], 'bad-seq'],
    ['two ops swapped', async (ops) => [ops[0], ops[2], ops[1], ...ops.slice(3)], 'bad-seq'],
    ['a re-numbered op with a stale prevHash', async (ops) => [ops[0], { ...ops[2], seq: 1 }], 'broken-link'],
    ['a stripped signature', async (ops) => [ops[0], { ...ops[1], sig: '' }], 'unsigned'],
    ['a signature of another op', async (ops) => [ops[0], { ...ops[1], sig: ops[2].sig }], 'bad-signature'],
    ['a changed target', async (ops) => [ops[0], { ...ops[1], target: 'mallory' }], 'bad-signature'],
    ['an op of another room', async (ops) => [ops[0], { ...ops[1], roomId: 'room-2' }], 'wrong-room'],
    ['an empty chain', async () => [], 'empty'],
    [
      'a genesis that is not create',
      async (ops) => [await signRoomOp({ ...ops[1], seq: 0, prevHash: ops[0].prevHash }, alice.device)],
      'bad-genesis',
    ],
  ];

  it.each(attacks)('detects %s', async (_name, mutate, expected) => {
    expect(await reason(await mutate(room.ops))).toBe(expected);
  });

  it('detects a member inserted by the server with its own (uncertified) key', async () => {
    const fake = await generateDeviceKeys();
    const head = room.ops[room.ops.length - 1];
    const forged = await signRoomOp(
      { v: 1, roomId: 'room-1', seq: head.seq + 1, prevHash: await hashRoomOp(head), op: 'add', target: 'mallory', actorUserId: 'alice', actorDeviceId: fake.deviceId },
      fake,
    );
    expect(await reason([...room.ops, forged])).toBe('unknown-device');
    // … or claiming one of alice's devices but signed with another key
    const claimed = { ...forged, actorDeviceId: alice.device.deviceId };
    expect(await reason([...room.ops, claimed])).toBe('bad-signature');
  });

  it('detects an add by a member who is not an admin', async () => {
    const r = await Room.create('room-1', alice);
    await r.op(alice, 'add', 'bob');
    await r.op(bob, 'add', 'mallory');
    expect(await reason(r.ops)).toBe('not-admin');
  });

  it('detects an op by a non-member and invalid ops', async () => {
    const r = await Room.create('room-1', alice);
    await r.op(mallory, 'add', 'mallory');
    expect(await reason(r.ops)).toBe('not-member');
    const r2 = await Room.create('room-1', alice);
    await r2.op(alice, 'remove', 'bob');
    expect(await reason(r2.ops)).toBe('invalid-op');
    const r3 = await Room.create('room-1', alice);
    await r3.op(alice, 'add', 'bob');
    await r3.op(alice, 'leave', 'bob');
    expect(await reason(r3.ops)).toBe('invalid-op');
  });

  it('rejects new ops by a revoked device, but keeps ops before a verified checkpoint', async () => {
    const eve = await person('eve');
    const r = await Room.create('room-1', eve);
    await r.op(eve, 'add', 'bob');
    const checkpoint = { seq: 1, hash: await hashRoomOp(r.ops[1]) };
    eve.certs.push(await revokeDeviceCert(eve.identity, eve.cert, 2));
    const res = resolverOf([eve, bob]);
    await expect(verifyRoomChain('room-1', r.ops, res, { checkpoint })).resolves.toBeDefined();
    await expect(verifyRoomChain('room-1', r.ops, res)).rejects.toMatchObject({ reason: 'revoked-device' });
    const newDevice = await generateDeviceKeys();
    eve.certs.push(await createDeviceCert(eve.identity, 'eve', newDevice, 3));
    await r.op({ ...eve, device: newDevice }, 'add', 'carol');
    await expect(verifyRoomChain('room-1', r.ops, res, { checkpoint })).resolves.toBeDefined();
  });

  it('detects rewritten history against a checkpoint', async () => {
    const checkpoint = { seq: 1, hash: b64uEncode(randomBytes(32)) };
    await expect(verifyRoomChain('room-1', room.ops, resolve(), { checkpoint })).rejects.toMatchObject({ reason: 'fork', seq: 1 });
    const ok = { seq: 6, hash: await hashRoomOp(room.ops[6]) };
    await expect(verifyRoomChain('room-1', room.ops.slice(0, 5), resolve(), { checkpoint: ok })).rejects.toMatchObject({ reason: 'fork' });
  });
});
