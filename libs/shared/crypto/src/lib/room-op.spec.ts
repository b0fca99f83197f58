import { b64uDecode, b64uEncode, concatBytes, lp, randomBytes, u64, utf8 } from './encoding';
import { CryptoFormatError, RosterError, SignatureError } from './errors';
import { GENESIS_HASH, hashRoomOp, roomOpSigningBytes, rosterHash, signRoomOp, verifyRoomOp } from './room-op';
import { flipB64u, makeUser, omit } from './test-helpers';
import { RoomOp } from './types';

describe('room ops', () => {
  it('exports a genesis hash of 32 zero bytes', () => {
    expect(b64uDecode(GENESIS_HASH)).toEqual(new Uint8Array(32));
  });

  it('signs the exact byte layout of the protocol', async () => {
    const op = { v: 1 as const, roomId: 'r1', seq: 0, prevHash: GENESIS_HASH, op: 'create' as const, target: 'alice', actorUserId: 'alice', actorDeviceId: 'd1' };
    const expected = concatBytes(
      utf8('parley/v1/room-op'), lp('1'), lp('r1'), u64(0), lp(new Uint8Array(32)), lp('create'), lp('alice'), lp(''), lp('alice'), lp('d1'),
    );
    expect(roomOpSigningBytes(op)).toEqual(expected);
  });

  it('signs a room op that verifies against the actor certificate', async () => {
    const alice = await makeUser('alice');
    const op = await signRoomOp(
      { v: 1, roomId: 'room-1', seq: 0, prevHash: GENESIS_HASH, op: 'create', target: 'alice', role: 'admin', actorUserId: 'alice', actorDeviceId: alice.device.deviceId },
      alice.device,
    );
    expect(b64uDecode(op.sig)).toHaveLength(64);
    await expect(verifyRoomOp(op, alice.cert)).resolves.toBeUndefined();
  });

  it('rejects a room op whose fields or signature were tampered with', async () => {
    const alice = await makeUser('alice');
    const op = await signRoomOp(
      { v: 1, roomId: 'room-1', seq: 3, prevHash: b64uEncode(randomBytes(32)), op: 'add', target: 'bob', role: 'member', actorUserId: 'alice', actorDeviceId: alice.device.deviceId },
      alice.device,
    );
    const tampered: RoomOp[] = [
      { ...op, roomId: 'room-2' },
      { ...op, seq: 4 },
      { ...op, prevHash: flipB64u(op.prevHash, 0) },
      { ...op, op: 'remove' },
      { ...op, target: 'mallory' },
      { ...op, role: 'admin' },
      { ...op, sig: flipB64u(op.sig, 10) },
    ];
    for (const t of tampered) await expect(verifyRoomOp(t, alice.cert)).rejects.toBeInstanceOf(SignatureError);
    await expect(verifyRoomOp(omit(op, 'role'), alice.cert)).rejects.toBeInstanceOf(SignatureError);
  });

  it('rejects a room op checked against a certificate of another device', async () => {
    const alice = await makeUser('alice');
    const mallory = await makeUser('alice');
    const op = await signRoomOp(
      { v: 1, roomId: 'r', seq: 0, prevHash: GENESIS_HASH, op: 'create', target: 'alice', actorUserId: 'alice', actorDeviceId: alice.device.deviceId },
      alice.device,
    );
    await expect(verifyRoomOp(op, mallory.cert)).rejects.toBeInstanceOf(SignatureError);
    await expect(verifyRoomOp(op, { ...mallory.cert, deviceId: alice.device.deviceId })).rejects.toBeInstanceOf(SignatureError);
  });

  it('rejects malformed room ops with a format error', async () => {
    const alice = await makeUser('alice');
    const base = { v: 1 as const, roomId: 'r', seq: 0, prevHash: GENESIS_HASH, op: 'create' as const, target: 'a', actorUserId: 'alice', actorDeviceId: alice.device.deviceId };
    await expect(signRoomOp({ ...base, op: 'explode' as 'create' }, alice.device)).rejects.toBeInstanceOf(CryptoFormatError);
    await expect(signRoomOp({ ...base, prevHash: b64uEncode(randomBytes(31)) }, alice.device)).rejects.toBeInstanceOf(CryptoFormatError);
    await expect(signRoomOp({ ...base, seq: -1 }, alice.device)).rejects.toBeInstanceOf(CryptoFormatError);
    await expect(signRoomOp({ ...base, actorDeviceId: 'someone-else' }, alice.device)).rejects.toBeInstanceOf(CryptoFormatError);
  });

  it('hash-chains ops so each prevHash commits to the previous op including its signature', async () => {
    const alice = await makeUser('alice');
    const a = alice.device.deviceId;
    const op0 = await signRoomOp({ v: 1, roomId: 'r', seq: 0, prevHash: GENESIS_HASH, op: 'create', target: 'alice', role: 'admin', actorUserId: 'alice', actorDeviceId: a }, alice.device);
    const h0 = await hashRoomOp(op0);
    const op1 = await signRoomOp({ v: 1, roomId: 'r', seq: 1, prevHash: h0, op: 'add', target: 'bob', role: 'member', actorUserId: 'alice', actorDeviceId: a }, alice.device);
    const h1 = await hashRoomOp(op1);
    const op2 = await signRoomOp({ v: 1, roomId: 'r', seq: 2, prevHash: h1, op: 'remove', target: 'bob', actorUserId: 'alice', actorDeviceId: a }, alice.device);

    const chain = [op0, op1, op2];
    let prev = GENESIS_HASH;
    for (const op of chain) {
      await verifyRoomOp(op, alice.cert);
      expect(op.prevHash).toBe(prev);
      prev = await hashRoomOp(op);
    }
    const expectedH0 = new Uint8Array(
      await crypto.subtle.digest('SHA-256', concatBytes(roomOpSigningBytes(op0), lp(b64uDecode(op0.sig)))),
    );
    expect(b64uDecode(h0)).toEqual(expectedH0);
    expect(await hashRoomOp(op0)).toBe(h0);
    expect(await hashRoomOp({ ...op0, sig: flipB64u(op0.sig, 1) })).not.toBe(h0);
    expect(await hashRoomOp({ ...op0, target: 'bob' })).not.toBe(h0);
  });

  it('computes the roster hash independently of member order', async () => {
    const k = () => b64uEncode(randomBytes(32));
    const members = [
      { userId: 'bob', deviceId: 'd2', kemKey: k() },
      { userId: 'alice', deviceId: 'd9', kemKey: k() },
      { userId: 'alice', deviceId: 'd1', kemKey: k() },
    ];
    const h = await rosterHash(members);
    expect(await rosterHash([...members].reverse())).toBe(h);
    const sorted = [members[2], members[1], members[0]];
    const expected = new Uint8Array(
      await crypto.subtle.digest('SHA-256', concatBytes(...sorted.flatMap((m) => [lp(m.userId), lp(m.deviceId), lp(b64uDecode(m.kemKey))]))),
    );
    expect(b64uDecode(h)).toEqual(expected);
  });

  it('changes the roster hash when a member, device or key changes', async () => {
    const k = b64uEncode(randomBytes(32));
    const base = [{ userId: 'alice', deviceId: 'd1', kemKey: k }, { userId: 'bob', deviceId: 'd2', kemKey: k }];
    const h = await rosterHash(base);
    expect(await rosterHash([base[0]])).not.toBe(h);
    expect(await rosterHash([base[0], { ...base[1], deviceId: 'd3' }])).not.toBe(h);
    expect(await rosterHash([base[0], { ...base[1], kemKey: b64uEncode(randomBytes(32)) }])).not.toBe(h);
  });

  it('rejects empty rosters and duplicate devices', async () => {
    const k = b64uEncode(randomBytes(32));
    await expect(rosterHash([])).rejects.toBeInstanceOf(RosterError);
    await expect(rosterHash([{ userId: 'a', deviceId: 'd', kemKey: k }, { userId: 'a', deviceId: 'd', kemKey: k }])).rejects.toBeInstanceOf(RosterError);
  });
});
