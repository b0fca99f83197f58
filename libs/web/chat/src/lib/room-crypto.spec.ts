/** @jest-environment node */
// Node's Web Crypto (Ed25519, X25519) runs the real protocol; jsdom has none. Only the server (ApiClient) is faked.
import { Injector } from '@angular/core';
import type { PublicProfile, RoomDetail, StoredMessage } from '@parley/shared/contracts';
import {
  ContextError,
  DuplicateMessageError,
  GENESIS_HASH,
  MemoryTrustStore,
  SignatureError,
  b64uDecode,
  b64uEncode,
  createDeviceCert,
  createEpochKey,
  encryptMessage,
  generateDeviceKeys,
  generateIdentity,
  hashRoomOp,
  pairSafetyNumber,
  sealEpochKey,
  signRoomOp,
  type DeviceCert,
  type DeviceKeys,
  type EncryptedEvent,
  type EpochKeyEnvelope,
  type IdentityKeys,
  type RoomOp,
} from '@parley/shared/crypto';
import { ApiClient, ProfileCache, SessionStore, TRUST_STORE_FACTORY } from '@parley/web/core';
import { RoomCrypto, type Keyring } from './room-crypto';
import { RoomSecurity } from './trust/room-security';
import { TrustService } from './trust/trust.service';

interface Person {
  userId: string;
  name: string;
  identity: IdentityKeys;
  device: DeviceKeys;
  cert: DeviceCert;
}

const ROOM = 'room-trust-spec';

async function person(name: string): Promise<Person> {
  const userId = `${name.toLowerCase()}-id`;
  const identity = await generateIdentity();
  const device = await generateDeviceKeys();
  return { userId, name, identity, device, cert: await createDeviceCert(identity, userId, device, 1) };
}

/** What an honest server holds for one room: Alice created it, added Bob; epoch 1 for Alice, epoch 2 for both. */
class FakeServer {
  ops: RoomOp[] = [];
  envelopes: EpochKeyEnvelope[] = [];
  members: RoomDetail['members'] = [];
  currentEpoch = 0;
  profiles = new Map<string, PublicProfile>();
  readonly reks = new Map<number, Uint8Array>();

  readonly api = {
    getProfile: jest.fn(async (userId: string) => {
      const profile = this.profiles.get(userId);
      if (!profile) throw new Error(`no profile ${userId}`);
      return structuredClone(profile);
    }),
    getOps: jest.fn(async () => structuredClone(this.ops)),
    getRoom: jest.fn(async (): Promise<RoomDetail> => ({
      roomId: ROOM, name: 'Plans', kind: 'group', createdBy: 'alice-id', currentEpoch: this.currentEpoch, role: 'owner',
      members: structuredClone(this.members),
    })),
    getEpochs: jest.fn(async (_roomId: string, since = 0) => structuredClone(this.envelopes.filter((e) => e.epoch > since))),
    postEpoch: jest.fn(async (envelope: EpochKeyEnvelope) => {
      this.envelopes.push(envelope);
      this.currentEpoch = envelope.epoch;
    }),
  };

  publish(p: Person, certs: DeviceCert[] = [p.cert], identity = p.identity.publicKey): void {
    this.profiles.set(p.userId, { userId: p.userId, username: p.name.toLowerCase(), displayName: p.name, uikPublicKey: identity, devices: certs });
  }

  async op(actor: Person, op: RoomOp['op'], target: string): Promise<RoomOp> {
    const head = this.ops.at(-1);
    const signed = await signRoomOp(
      {
        v: 1, roomId: ROOM, seq: head ? head.seq + 1 : 0, prevHash: head ? await hashRoomOp(head) : GENESIS_HASH, op, target,
        actorUserId: actor.userId, actorDeviceId: actor.device.deviceId,
      },
      actor.device,
    );
    this.ops.push(signed);
    if (op === 'create' || op === 'add') this.members.push({ userId: target, role: op === 'create' ? 'owner' : 'member', joinedEpoch: 0 });
    return signed;
  }

  async epoch(creator: Person, epoch: number, recipients: Person[], head = this.ops.at(-1) as RoomOp): Promise<EpochKeyEnvelope> {
    const rek = createEpochKey();
    this.reks.set(epoch, rek);
    const envelope = await sealEpochKey({
      rek, roomId: ROOM, epoch, opsHead: await hashRoomOp(head), creator: { userId: creator.userId, device: creator.device },
      recipients: recipients.map((r) => r.cert),
    });
    this.envelopes.push(envelope);
    this.currentEpoch = Math.max(this.currentEpoch, epoch);
    return envelope;
  }

  async message(from: Person, epoch: number, senderSeq: number, body: string, seq: number): Promise<StoredMessage> {
    const rek = this.reks.get(epoch) as Uint8Array;
    const event: EncryptedEvent = await encryptMessage({
      rek, roomId: ROOM, epoch, sender: { userId: from.userId, device: from.device }, senderSeq, payload: { type: 'text', body },
    });
    return { ...event, seq, receivedAt: event.sentAt };
  }
}

/** A localStorage for Node, shared by the "tabs" of one test (what survives a reload). */
class MemoryStorage {
  private readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

let alice: Person, bob: Person, mallory: Person;
let server: FakeServer;
let trustStore: MemoryTrustStore;

beforeAll(async () => {
  [alice, bob, mallory] = await Promise.all(['Alice', 'Bob', 'Mallory'].map(person));
});

beforeEach(async () => {
  (globalThis as { localStorage?: unknown }).localStorage = new MemoryStorage();
  trustStore = new MemoryTrustStore();
  server = new FakeServer();
  for (const p of [alice, bob, mallory]) server.publish(p);
  await server.op(alice, 'create', alice.userId);
  await server.epoch(alice, 1, [alice]);
  await server.op(alice, 'add', bob.userId);
  await server.epoch(alice, 2, [alice, bob]);
});

/** A fresh tab signed in as Alice: new services, same server, same localStorage and trust store. */
function tab() {
  // Injector.create, not TestBed: TestBed needs a DOM, and this spec runs in Node for its Web Crypto.
  const injector = Injector.create({
    providers: [
      { provide: ApiClient, useValue: server.api },
      {
        provide: SessionStore,
        useValue: {
          user: () => ({ userId: alice.userId, username: 'alice', displayName: 'Alice' }),
          device: () => alice.device,
          identity: () => alice.identity,
        },
      },
      { provide: TRUST_STORE_FACTORY, useValue: () => trustStore },
      ProfileCache,
      RoomSecurity,
      RoomCrypto,
      TrustService,
    ],
  });
  const profiles = injector.get(ProfileCache);
  profiles.pin(alice.userId, alice.identity.publicKey);
  return {
    crypto: injector.get(RoomCrypto),
    security: injector.get(RoomSecurity),
    trust: injector.get(TrustService),
    profiles,
    keyring: new Map() as Keyring,
  };
}

const flipFirstByte = (value: string) => {
  const bytes = b64uDecode(value);
  bytes[0] ^= 1;
  return b64uEncode(bytes);
};

describe('RoomCrypto against an honest server', () => {
  it('verifies the chain and the roster, opens both epochs and lets Alice send', async () => {
    const { crypto, security, keyring } = tab();

    await expect(crypto.loadEpochKeys(ROOM, keyring)).resolves.toBe(2);

    expect([...keyring.keys()]).toEqual([1, 2]);
    expect(security.state(ROOM)).toEqual({ chainError: null, epochErrors: [], epochBlocked: false, members: [alice.userId, bob.userId] });
    expect(security.blockedReason(ROOM)).toBeNull();
    const event = await crypto.encryptText(ROOM, keyring, 0, 'hello');
    expect(event.epoch).toBe(2);
  });

  it('decrypts Bob’s messages, drops a duplicate delivery and flags a senderSeq gap before the next one', async () => {
    const { crypto, security, keyring } = tab();
    await crypto.loadEpochKeys(ROOM, keyring);
    const first = await server.message(bob, 2, 0, 'one', 1);
    const afterGap = await server.message(bob, 2, 3, 'four', 2);

    await expect(crypto.decrypt(first, keyring)).resolves.toEqual({ type: 'text', body: 'one' });
    await expect(crypto.decrypt(first, keyring)).rejects.toBeInstanceOf(DuplicateMessageError);
    expect(security.gaps()).toEqual({});
    await expect(crypto.decrypt(afterGap, keyring)).resolves.toEqual({ type: 'text', body: 'four' });
    expect(security.gaps()).toEqual({ [afterGap.messageId]: bob.userId });
  });

  it('starts a fresh replay guard for a fresh keyring (the chat page was rebuilt), so history shows again', async () => {
    const { crypto, keyring } = tab();
    await crypto.loadEpochKeys(ROOM, keyring);
    const message = await server.message(bob, 2, 0, 'one', 1);
    await crypto.decrypt(message, keyring);
    const rebuilt: Keyring = new Map();
    await crypto.loadEpochKeys(ROOM, rebuilt);

    await expect(crypto.decrypt(message, rebuilt)).resolves.toEqual({ type: 'text', body: 'one' });
  });
});

describe('RoomCrypto against a malicious server', () => {
  it.each([
    ['a forged signature on the add op', (ops: RoomOp[]) => (ops[1] = { ...ops[1], sig: flipFirstByte(ops[1].sig) })],
    ['an add op re-targeted at Mallory', (ops: RoomOp[]) => (ops[1] = { ...ops[1], target: mallory.userId })],
    ['a dropped op', (ops: RoomOp[]) => ops.splice(0, 1)],
  ])('rejects the membership chain with %s: red warning, no keys, sending disabled', async (_name, tamper) => {
    tamper(server.ops);
    const { crypto, security, keyring } = tab();

    await expect(crypto.loadEpochKeys(ROOM, keyring)).resolves.toBe(0);

    expect(keyring.size).toBe(0);
    expect(security.state(ROOM).chainError).toMatch(/membership history of this room failed verification/);
    expect(security.blockedReason(ROOM)).toMatch(/Sending is disabled/);
  });

  it('catches a member the server inserted into the member list: sending disabled, history still readable', async () => {
    server.members.push({ userId: mallory.userId, role: 'member', joinedEpoch: 2 });
    const { crypto, security, keyring } = tab();

    await crypto.loadEpochKeys(ROOM, keyring);

    expect(security.state(ROOM).chainError).toMatch(/member list does not match.*mallory-id/);
    expect(security.state(ROOM).members).toEqual([alice.userId, bob.userId]);
    await expect(crypto.encryptText(ROOM, keyring, 0, 'secret')).rejects.toThrow(/Sending is disabled/);
    await expect(crypto.decrypt(await server.message(bob, 2, 0, 'older', 1), keyring)).resolves.toEqual({ type: 'text', body: 'older' });
  });

  it('does not report a member list that was only one op behind the chain (a race, not an attack)', async () => {
    const { crypto, security, keyring } = tab();
    // The first read of the member list misses Bob (his add landed in between); the second read has him.
    server.api.getRoom.mockImplementationOnce(async () => ({ ...(await server.api.getRoom()), members: server.members.slice(0, 1) }));

    await crypto.loadEpochKeys(ROOM, keyring);

    expect(security.state(ROOM).chainError).toBeNull();
  });

  it('catches history rewritten after this device verified it (fork against the stored checkpoint)', async () => {
    await tab().crypto.loadEpochKeys(ROOM, new Map());
    // The server rolls the room back to before Bob was added: a valid chain, but shorter than the one verified.
    server.ops = server.ops.slice(0, 1);
    server.members = server.members.slice(0, 1);
    const { crypto, security, keyring } = tab();

    await crypto.loadEpochKeys(ROOM, keyring);

    expect(security.state(ROOM).chainError).toMatch(/before the verified head/);
  });

  it('rejects a replayed old epoch: a fresh tab is offered epoch 1 as newest after epoch 2 was seen', async () => {
    await tab().crypto.loadEpochKeys(ROOM, new Map());
    server.envelopes = server.envelopes.filter((e) => e.epoch === 1);
    server.currentEpoch = 1;
    const { crypto, security, keyring } = tab();

    await crypto.loadEpochKeys(ROOM, keyring);

    expect(security.state(ROOM).epochErrors).toEqual([expect.stringMatching(/already saw epoch 2.*replayed/)]);
    await expect(crypto.encryptText(ROOM, keyring, 0, 'secret')).rejects.toThrow(/failed verification/);
  });

  it('rejects an envelope sealed to a different roster (a non-member) and opens no key from it', async () => {
    await server.epoch(alice, 3, [alice, bob, mallory]);
    const { crypto, security, keyring } = tab();

    await expect(crypto.loadEpochKeys(ROOM, keyring)).resolves.toBe(2);

    expect(keyring.has(3)).toBe(false);
    expect(security.state(ROOM).epochErrors).toEqual([expect.stringMatching(/epoch 3 was rejected: .*non-member mallory-id/)]);
    expect(security.blockedReason(ROOM)).toMatch(/room key that failed verification/);
  });

  it('rejects an envelope whose rosterHash was altered (signature no longer verifies)', async () => {
    const last = server.envelopes[1];
    server.envelopes[1] = { ...last, rosterHash: flipFirstByte(last.rosterHash) };
    const { crypto, security, keyring } = tab();

    await crypto.loadEpochKeys(ROOM, keyring);

    expect(keyring.has(2)).toBe(false);
    expect(security.state(ROOM).epochErrors).toEqual([expect.stringMatching(/epoch 2 was rejected/)]);
    await expect(crypto.encryptText(ROOM, keyring, 0, 'secret')).rejects.toThrow(/failed verification/);
  });

  it('shows a rejected older epoch without blocking sending under a newer, valid one', async () => {
    const old = server.envelopes[0];
    server.envelopes[0] = { ...old, rosterHash: flipFirstByte(old.rosterHash) };
    const { crypto, security, keyring } = tab();

    await crypto.loadEpochKeys(ROOM, keyring);

    expect([...keyring.keys()]).toEqual([2]);
    expect(security.state(ROOM).epochErrors).toEqual([expect.stringMatching(/epoch 1 was rejected/)]);
    expect(security.blockedReason(ROOM)).toBeNull();
    await expect(crypto.encryptText(ROOM, keyring, 0, 'fine')).resolves.toMatchObject({ epoch: 2 });
  });

  it.each([
    ['a flipped ciphertext byte', (m: StoredMessage) => ({ ...m, ct: flipFirstByte(m.ct) }), SignatureError],
    ['a message replayed into another room', (m: StoredMessage) => ({ ...m, roomId: 'other-room' }), ContextError],
  ])('never returns the plaintext of a message with %s', async (_name, tamper, type) => {
    const { crypto, keyring } = tab();
    await crypto.loadEpochKeys(ROOM, keyring);
    const message = tamper(await server.message(bob, 2, 0, 'secret', 1));

    await expect(crypto.decrypt(message, keyring)).rejects.toBeInstanceOf(type);
  });

  it('rejects a message from a certified device that is not on the epoch’s roster', async () => {
    const { crypto, keyring } = tab();
    await crypto.loadEpochKeys(ROOM, keyring);
    // Mallory somehow holds epoch 2's key (e.g. a leaked key) and writes under it.
    const message = await server.message(mallory, 2, 0, 'hi from mallory', 1);

    await expect(crypto.decrypt(message, keyring)).rejects.toThrow(/not on the roster/);
  });
});

describe('RoomCrypto and trust', () => {
  it('blocks sending after a verified contact’s key changed, until Alice confirms the change', async () => {
    const first = tab();
    await first.crypto.loadEpochKeys(ROOM, first.keyring);
    await first.trust.markVerified(bob.userId);
    // The server presents a new identity key and device for Bob, and a new epoch includes that device. (Epoch 2,
    // sealed to his old device, no longer verifies: shown, but not what blocks sending here.)
    const newIdentity = await generateIdentity();
    const newDevice = await generateDeviceKeys();
    const newBob = { ...bob, identity: newIdentity, device: newDevice, cert: await createDeviceCert(newIdentity, bob.userId, newDevice, 1) };
    server.publish(newBob);
    await server.epoch(alice, 3, [alice, newBob]);

    const { crypto, trust, keyring } = tab();
    await crypto.loadEpochKeys(ROOM, keyring);

    expect(trust.changedIn(ROOM).map((m) => [m.userId, m.blocked])).toEqual([[bob.userId, true]]);
    expect(trust.sendBlocked(ROOM)).toMatch(/Bob’s safety number changed/);
    await expect(crypto.encryptText(ROOM, keyring, 0, 'hi')).rejects.toThrow(/Bob’s safety number changed/);

    await trust.acknowledgeChange(bob.userId);

    expect(trust.sendBlocked(ROOM)).toBeNull();
    await expect(crypto.encryptText(ROOM, keyring, 0, 'hi')).resolves.toMatchObject({ epoch: 3 });
  });

  it('warns without blocking when an unverified contact’s key changes', async () => {
    await tab().crypto.loadEpochKeys(ROOM, new Map());
    const newIdentity = await generateIdentity();
    const newDevice = await generateDeviceKeys();
    const newBob = { ...bob, identity: newIdentity, device: newDevice, cert: await createDeviceCert(newIdentity, bob.userId, newDevice, 1) };
    server.publish(newBob);
    await server.epoch(alice, 3, [alice, newBob]);

    const { crypto, trust, keyring } = tab();
    await crypto.loadEpochKeys(ROOM, keyring);

    expect(trust.changedIn(ROOM).map((m) => [m.userId, m.blocked])).toEqual([[bob.userId, false]]);
    expect(trust.sendBlocked(ROOM)).toBeNull();
  });

  it('shows Alice the same 60-digit safety number for Bob that Bob sees for Alice', async () => {
    const { crypto, trust, keyring } = tab();
    await crypto.loadEpochKeys(ROOM, keyring);

    const mine = await trust.safetyNumber(bob.userId);

    const bobs = await pairSafetyNumber(
      { userId: bob.userId, uikPublic: bob.identity.publicKey },
      { userId: alice.userId, uikPublic: alice.identity.publicKey },
    );
    expect(mine.groups).toHaveLength(12);
    expect(mine.groups.join('')).toBe(bobs.digits);
    expect(mine.qr).toBe(bobs.qr);
  });
});
