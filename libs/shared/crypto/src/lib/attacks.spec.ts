/**
 * A malicious server, table-driven: each row is something the server (or a server-planted identity) does, and the
 * typed error the client's checks answer with.
 */
import { createDeviceCert, generateDeviceKeys } from './device-cert';
import { verifyDeviceList } from './device-list';
import { b64uEncode, randomBytes } from './encoding';
import { sealEpochKey } from './epoch';
import { assertSendableEpoch, verifyRoomEpoch } from './epoch-room';
import { ChainError, ContextError, DuplicateMessageError, EpochError, FileIntegrityError, IdentityChangedError, SignatureError } from './errors';
import { cobblestoneDecrypt, cobblestoneEncrypt, COBBLESTONE_CHUNK, fileContext } from './file';
import { encryptMessage } from './message';
import { isKdfParamsStrong } from './password';
import { receiveMessage, ReplayGuard } from './receiver';
import { assertRosterMatches, verifyRoomChain } from './room-chain';
import { hashRoomOp, signRoomOp } from './room-op';
import { MemoryTrustStore, TrustManager } from './trust-store';
import { person, Person, resolverOf, Room } from '../spec-support/world';

describe('a malicious server is caught', () => {
  let alice: Person, bob: Person, carol: Person, mallory: Person;
  let room: Room;
  const all = () => [alice, bob, carol, mallory];

  beforeAll(async () => {
    [alice, bob, carol, mallory] = await Promise.all(['alice', 'bob', 'carol', 'mallory'].map(person));
    room = await Room.create('room-1', alice);
    await room.op(alice, 'add', 'bob');
    await room.op(alice, 'add', 'carol');
    await room.rotate(alice, [alice, bob, carol]);
    await room.op(alice, 'remove', 'carol');
    await room.rotate(alice, [alice, bob]);
  });

  const chain = () => verifyRoomChain('room-1', room.ops, resolverOf(all()));
  const appendForged = async (actor: Person, device = actor.device) => {
    const head = room.ops[room.ops.length - 1];
    const op = await signRoomOp(
      { v: 1, roomId: 'room-1', seq: head.seq + 1, prevHash: await hashRoomOp(head), op: 'add', target: 'mallory', actorUserId: actor.userId, actorDeviceId: device.deviceId },
      device,
    );
    return verifyRoomChain('room-1', [...room.ops, op], resolverOf(all()));
  };
  const message = (over: Partial<Parameters<typeof encryptMessage>[0]> = {}) =>
    encryptMessage({ rek: room.reks.get(2) as Uint8Array, roomId: 'room-1', epoch: 2, sender: { userId: 'alice', device: alice.device }, senderSeq: 1, payload: { type: 'text', body: 'hi' }, ...over });
  const receive = (e: Awaited<ReturnType<typeof message>>, guard = new ReplayGuard()) =>
    receiveMessage(e, { roomId: 'room-1', epoch: 2, rek: room.reks.get(2) as Uint8Array, senderCert: alice.cert, roster: [alice.cert, bob.cert], guard });

  const rows: [string, () => Promise<unknown>, unknown][] = [
    ['lists a member the chain never added', async () => assertRosterMatches(await chain(), [{ userId: 'alice' }, { userId: 'bob' }, { userId: 'mallory' }]), ChainError],
    ['inserts an add op signed by a device it made up for the admin', async () => appendForged(alice, await generateDeviceKeys()), ChainError],
    ['inserts an add op signed by its own planted user', async () => appendForged(mallory), ChainError],
    ['drops an op from the chain', async () => verifyRoomChain('room-1', [room.ops[0], ...room.ops.slice(2)], resolverOf(all())), ChainError],
    ['certifies an extra device for alice with its own key', async () => {
      const fake = await person('alice');
      return verifyDeviceList('alice', alice.identity.publicKey, [alice.cert, await createDeviceCert(fake.identity, 'alice', fake.device, 2)]);
    }, SignatureError],
    ['swaps the identity key of a verified contact', async () => {
      const tm = new TrustManager(new MemoryTrustStore());
      await tm.observe('bob', bob.identity.publicKey);
      await tm.markVerified('bob', bob.identity.publicKey);
      await tm.observe('bob', mallory.identity.publicKey);
      return tm.assertCanSend(['bob']);
    }, IdentityChangedError],
    ['replays the old epoch (before carol was removed) as the current one', async () => {
      const e = await verifyRoomEpoch(room.envelopes[0], await chain(), resolverOf(all()));
      return assertSendableEpoch(e, 2);
    }, EpochError],
    ['replays another room\'s epoch envelope into this room', async () => {
      const other = await Room.create('room-2', alice);
      return verifyRoomEpoch(await other.rotate(alice, [alice, bob]), await chain(), resolverOf(all()));
    }, EpochError],
    ['relabels an old envelope as the next epoch', async () => verifyRoomEpoch({ ...room.envelopes[1], epoch: 3 }, await chain(), resolverOf(all())), SignatureError],
    ['accepts an envelope a member sealed to an outsider', async () => {
      const env = await sealEpochKey({ rek: randomBytes(32), roomId: 'room-1', epoch: 3, opsHead: await hashRoomOp(room.ops[3]), creator: { userId: 'bob', device: bob.device }, recipients: [alice.cert, bob.cert, mallory.cert] });
      return verifyRoomEpoch(env, await chain(), resolverOf(all()));
    }, EpochError],
    ['serves alice\'s message under bob\'s name', async () => {
      const e = await message();
      return receiveMessage({ ...e, senderUserId: 'bob', senderDeviceId: bob.device.deviceId }, { roomId: 'room-1', rek: room.reks.get(2) as Uint8Array, senderCert: bob.cert, roster: [alice.cert, bob.cert], guard: new ReplayGuard() });
    }, SignatureError],
    ['swaps the signature for one of another message', async () => receive({ ...(await message()), sig: (await message()).sig }), SignatureError],
    ['replays a message from another room into this one', async () => receive(await message({ roomId: 'room-2' })), ContextError],
    ['delivers the same message twice', async () => {
      const guard = new ReplayGuard();
      const e = await message();
      await receive(e, guard);
      return receive(e, guard);
    }, DuplicateMessageError],
    ['truncates a file at a chunk boundary', async () => {
      const key = randomBytes(32);
      const ct = await cobblestoneEncrypt(key, fileContext('room-1', 'f'), randomBytes(3 * COBBLESTONE_CHUNK));
      return cobblestoneDecrypt(key, fileContext('room-1', 'f'), ct.subarray(0, 56 + 2 * (COBBLESTONE_CHUNK + 16)));
    }, FileIntegrityError],
    ['reorders file chunks', async () => {
      const key = randomBytes(32);
      const ct = await cobblestoneEncrypt(key, fileContext('room-1', 'f'), randomBytes(2 * COBBLESTONE_CHUNK + 3));
      const c = (i: number) => ct.subarray(56 + i * (COBBLESTONE_CHUNK + 16), 56 + (i + 1) * (COBBLESTONE_CHUNK + 16));
      return cobblestoneDecrypt(key, fileContext('room-1', 'f'), Uint8Array.from([...ct.subarray(0, 56), ...c(1), ...c(0), ...c(2)]));
    }, FileIntegrityError],
    ['serves a file under another room\'s context', async () => {
      const key = randomBytes(32);
      const ct = await cobblestoneEncrypt(key, fileContext('room-2', 'f'), randomBytes(10));
      return cobblestoneDecrypt(key, fileContext('room-1', 'f'), ct);
    }, FileIntegrityError],
    ['asks for weaker password hashing', async () => {
      if (!isKdfParamsStrong({ kdf: 'argon2id', m: 1024, t: 1, p: 1, salt: b64uEncode(randomBytes(16)) })) throw new SignatureError('refused');
    }, SignatureError],
  ];

  it.each(rows)('when it %s', async (_name, attack, errorClass) => {
    await expect(attack()).rejects.toBeInstanceOf(errorClass as never);
  });
});
