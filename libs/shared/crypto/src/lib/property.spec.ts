import fc from 'fast-check';
import { b64uDecode, b64uEncode, ByteReader, concatBytes, lp, u32, u64 } from './encoding';
import { createEpochKey, openEpochKey, sealEpochKey } from './epoch';
import { ParleyCryptoError } from './errors';
import { cobblestoneDecrypt, cobblestoneEncryptStream, COBBLESTONE_CHUNK, fileContext, runTransform } from './file';
import { decryptMessage, encryptMessage, pad, unpad } from './message';
import { verifyDeviceCert } from './device-cert';
import { verifyRoomChain } from './room-chain';
import { DeviceCert, EncryptedEvent, EpochKeyEnvelope, RoomOp } from './types';
import { person, Person, resolverOf, Room } from '../spec-support/world';

const RUNS = { numRuns: 60 };

/** Rejects with one of the library's typed errors (never garbage, never an untyped throw). */
async function rejectsTyped(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return false;
  } catch (e) {
    return e instanceof ParleyCryptoError;
  }
}

/** A mutation of one field of a wire object: a flipped bit in a binary field, another value otherwise. */
function mutate<T extends object>(obj: T, field: keyof T, seed: number): T {
  const v = obj[field];
  let next: unknown;
  if (typeof v === 'number') next = v + 1 + (seed % 1000);
  else if (typeof v === 'boolean' || v === undefined) next = v ? undefined : true;
  else if (typeof v === 'string') {
    let bytes: Uint8Array | undefined;
    try {
      bytes = b64uDecode(v);
    } catch {
      bytes = undefined;
    }
    if (bytes && bytes.length > 0 && v.length > 8) {
      bytes[seed % bytes.length] ^= 1 << (seed % 8);
      next = b64uEncode(bytes);
    } else {
      const i = seed % v.length;
      next = v.slice(0, i) + String.fromCharCode(((v.charCodeAt(i) + 1) % 95) + 32) + v.slice(i + 1);
    }
  } else next = 'x';
  return { ...obj, [field]: next };
}

describe('properties', () => {
  let alice: Person, bob: Person;
  let rek: Uint8Array;
  let event: EncryptedEvent;
  let envelope: EpochKeyEnvelope;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([person('alice'), person('bob')]);
    rek = createEpochKey();
    event = await encryptMessage({ rek, roomId: 'room-1', epoch: 1, sender: { userId: 'alice', device: alice.device }, senderSeq: 7, payload: { type: 'text', body: 'x' }, sentAt: 99 });
    envelope = await sealEpochKey({ rek, roomId: 'room-1', epoch: 1, opsHead: b64uEncode(new Uint8Array(32)), creator: { userId: 'alice', device: alice.device }, recipients: [alice.cert, bob.cert] });
  });

  it('encodings round-trip: base64url is canonical, lp/u32/u64 read back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 200 }), fc.nat(), fc.maxSafeNat(), (bytes, s, n32, n64) => {
        const b = b64uEncode(bytes);
        expect(b64uDecode(b)).toEqual(bytes);
        const r = new ByteReader(concatBytes(lp(bytes), lp(s), u32(n32 % 2 ** 32), u64(n64)));
        expect(r.lp()).toEqual(bytes);
        expect(r.lpString()).toBe(s);
        expect(r.u32()).toBe(n32 % 2 ** 32);
        expect(r.u64()).toBe(n64);
        r.end();
      }),
      { numRuns: 200 },
    );
  });

  it('padding round-trips and always fills whole 256-byte buckets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), (data) => {
        const p = pad(data);
        expect(p.length % 256).toBe(0);
        expect(p.length).toBeGreaterThan(data.length);
        expect(unpad(p)).toEqual(data);
      }),
    );
  });

  it('messages round-trip for random payloads, sequence numbers and times', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 700 }), fc.maxSafeNat(), fc.maxSafeNat(), fc.boolean(), async (body, senderSeq, sentAt, ephemeral) => {
        const payload = { type: 'text' as const, body, mentions: ['bob'] };
        const e = await encryptMessage({ rek, roomId: 'r', epoch: 3, sender: { userId: 'alice', device: alice.device }, senderSeq, sentAt, payload, ephemeral });
        expect(await decryptMessage(e, rek, alice.cert)).toEqual(payload);
      }),
      { numRuns: 40 },
    );
  });

  it('any mutation of any field of a message is rejected with a typed error', async () => {
    const fields = Object.keys(event) as (keyof EncryptedEvent)[];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fields, 'ephemeral' as const), fc.nat(), async (field, seed) => {
        expect(await rejectsTyped(decryptMessage(mutate(event, field, seed), rek, alice.cert))).toBe(true);
      }),
      RUNS,
    );
  });

  it('any mutation of any field or wrap of an epoch envelope is rejected', async () => {
    const fields = (Object.keys(envelope) as (keyof EpochKeyEnvelope)[]).filter((f) => f !== 'wraps');
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom(...fields), fc.constantFrom('userId', 'deviceId', 'enc', 'ct')), fc.nat(), fc.nat(1), async (field, seed, wi) => {
        const bad = fields.includes(field as keyof EpochKeyEnvelope)
          ? mutate(envelope, field as keyof EpochKeyEnvelope, seed)
          : { ...envelope, wraps: envelope.wraps.map((w, i) => (i === wi ? mutate(w, field as keyof typeof w, seed) : w)) };
        expect(await rejectsTyped(openEpochKey(bad, { userId: 'bob', device: bob.device }, alice.cert))).toBe(true);
      }),
      RUNS,
    );
  });

  it('any mutation of any field of a room op or a device certificate is rejected', async () => {
    const room = await Room.create('room-1', alice);
    await room.op(alice, 'add', 'bob');
    const opFields = Object.keys(room.ops[1]) as (keyof RoomOp)[];
    const certFields = (Object.keys(bob.cert) as (keyof DeviceCert)[]).concat('revoked' as const);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...opFields, 'role' as const), fc.constantFrom(...certFields), fc.nat(), async (of, cf, seed) => {
        const ops = [room.ops[0], mutate(room.ops[1], of, seed)];
        expect(await rejectsTyped(verifyRoomChain('room-1', ops, resolverOf([alice, bob])))).toBe(true);
        expect(await rejectsTyped(verifyDeviceCert(mutate(bob.cert, cf, seed), bob.identity.publicKey))).toBe(true);
      }),
      RUNS,
    );
  });

  it('files round-trip for random sizes around chunk boundaries and random write sizes', async () => {
    const key = createEpochKey();
    const ctx = fileContext('room-1', 'f');
    await fc.assert(
      fc.asyncProperty(fc.nat(3), fc.integer({ min: -3, max: 3 }), fc.integer({ min: 1, max: 40_000 }), async (chunks, delta, slice) => {
        const n = Math.max(0, chunks * COBBLESTONE_CHUNK + delta);
        const data = globalThis.crypto.getRandomValues(new Uint8Array(n));
        const ct = await runTransform(cobblestoneEncryptStream(key, ctx, { hash: false }).stream, data, slice);
        expect(await cobblestoneDecrypt(key, ctx, ct)).toEqual(data);
      }),
      { numRuns: 30 },
    );
  });

  it('a flipped bit anywhere in a file ciphertext is rejected', async () => {
    const key = createEpochKey();
    const ctx = fileContext('room-1', 'f');
    const data = globalThis.crypto.getRandomValues(new Uint8Array(2 * COBBLESTONE_CHUNK + 500));
    const ct = await runTransform(cobblestoneEncryptStream(key, ctx, { hash: false }).stream, data);
    await fc.assert(
      fc.asyncProperty(fc.nat(ct.length - 1), fc.nat(7), async (i, bit) => {
        const bad = ct.slice();
        bad[i] ^= 1 << bit;
        expect(await rejectsTyped(cobblestoneDecrypt(key, ctx, bad))).toBe(true);
      }),
      RUNS,
    );
  });
});
