import { createEpochKey } from './epoch';
import { ContextError, DecryptionError, DuplicateMessageError, SignatureError } from './errors';
import { encryptMessage } from './message';
import { receiveMessage, ReceiveContext, ReplayGuard } from './receiver';
import { EncryptedEvent } from './types';
import { person, Person } from '../spec-support/world';

describe('receiving messages', () => {
  let alice: Person, bob: Person, mallory: Person;
  let rek: Uint8Array;
  const send = (from: Person, senderSeq: number, over: Partial<Parameters<typeof encryptMessage>[0]> = {}) =>
    encryptMessage({ rek, roomId: 'room-1', epoch: 3, sender: { userId: from.userId, device: from.device }, senderSeq, payload: { type: 'text', body: `hi ${senderSeq}` }, ...over });
  const ctx = (over: Partial<ReceiveContext> = {}): ReceiveContext => ({
    roomId: 'room-1',
    epoch: 3,
    rek,
    senderCert: alice.cert,
    roster: [alice.cert, bob.cert],
    guard: new ReplayGuard(),
    ...over,
  });

  beforeAll(async () => {
    [alice, bob, mallory] = await Promise.all(['alice', 'bob', 'mallory'].map(person));
    rek = createEpochKey();
  });

  it('accepts in-order messages and flags gaps and late ones', async () => {
    const c = ctx();
    expect(await receiveMessage(await send(alice, 0), c)).toEqual({ payload: { type: 'text', body: 'hi 0' } });
    expect((await receiveMessage(await send(alice, 1), c)).seq).toBeUndefined();
    expect((await receiveMessage(await send(alice, 5), c)).seq).toEqual({ kind: 'gap', expected: 2, got: 5 });
    expect((await receiveMessage(await send(alice, 3), c)).seq).toEqual({ kind: 'late', expected: 6, got: 3 });
  });

  it('drops a duplicate delivery of the same message, also after the guard was persisted and restored', async () => {
    const c = ctx();
    const e = await send(alice, 0);
    await receiveMessage(e, c);
    await expect(receiveMessage(e, c)).rejects.toBeInstanceOf(DuplicateMessageError);
    const restored = ReplayGuard.fromJSON(JSON.parse(JSON.stringify(c.guard)));
    await expect(receiveMessage(e, { ...c, guard: restored })).rejects.toBeInstanceOf(DuplicateMessageError);
    expect((await receiveMessage(await send(alice, 2), { ...c, guard: restored })).seq).toEqual({ kind: 'gap', expected: 1, got: 2 });
  });

  it('rejects an event replayed into another room or epoch context', async () => {
    const e = await send(alice, 0);
    await expect(receiveMessage(e, ctx({ roomId: 'room-2' }))).rejects.toMatchObject({ reason: 'wrong-room' });
    await expect(receiveMessage(e, ctx({ epoch: 4 }))).rejects.toMatchObject({ reason: 'wrong-epoch' });
  });

  it('rejects a sender who is not on the epoch roster, after checking the signature', async () => {
    const e = await send(mallory, 0);
    await expect(receiveMessage(e, ctx({ senderCert: mallory.cert }))).rejects.toBeInstanceOf(ContextError);
    // a forged signature fails first, before the roster is even consulted
    const forged: EncryptedEvent = { ...e, senderUserId: 'alice', senderDeviceId: alice.device.deviceId };
    await expect(receiveMessage(forged, ctx())).rejects.toBeInstanceOf(SignatureError);
  });

  it('a message under another epoch key fails decryption, and is not recorded as seen', async () => {
    const c = ctx();
    const e = await send(alice, 0, { rek: createEpochKey() });
    await expect(receiveMessage(e, c)).rejects.toBeInstanceOf(DecryptionError);
    expect(c.guard.has(e)).toBe(false);
  });
});
