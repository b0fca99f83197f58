/**
 * The core of the suite in a form that runs anywhere (bundled for Chromium by browser.spec.ts): round trips and
 * tamper rejection for every protocol object, plus the browser-only IndexedDB trust store.
 */
import {
  b64uDecode,
  b64uEncode,
  cobblestoneDecryptStream,
  cobblestoneEncryptStream,
  createAccountBackup,
  createEpochKey,
  decryptMessage,
  derivePasswordSecrets,
  encryptMessage,
  fileContext,
  IndexedDbTrustStore,
  openEpochKey,
  pairSafetyNumber,
  ParleyCryptoError,
  primitives,
  sealEpochKey,
  TrustManager,
  unlockWithPassword,
  unlockWithRecoveryKey,
  verifyRoomChain,
} from '../index';
import { person, resolverOf, Room } from './world';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail?: string;
}

async function rejectsTyped(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return false;
  } catch (e) {
    return e instanceof ParleyCryptoError;
  }
}

function flip(b64: string, i = 0): string {
  const b = b64uDecode(b64);
  b[i % b.length] ^= 1;
  return b64uEncode(b);
}

export async function runCoreChecks(): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const check = async (name: string, f: () => Promise<boolean>) => {
    try {
      results.push({ name, ok: await f() });
    } catch (e) {
      results.push({ name, ok: false, detail: String(e) });
    }
  };
  const [alice, bob, mallory] = await Promise.all(['alice', 'bob', 'mallory'].map(person));
  const rek = createEpochKey();

  await check('message round trip', async () => {
    const e = await encryptMessage({ rek, roomId: 'r', epoch: 1, sender: { userId: 'alice', device: alice.device }, senderSeq: 1, payload: { type: 'text', body: 'héllo 🔐' } });
    return JSON.stringify(await decryptMessage(e, rek, alice.cert)) === JSON.stringify({ type: 'text', body: 'héllo 🔐' });
  });
  await check('message: every field tampered is rejected', async () => {
    const e = await encryptMessage({ rek, roomId: 'r', epoch: 1, sender: { userId: 'alice', device: alice.device }, senderSeq: 1, payload: { type: 'text', body: 'x' } });
    const bad = [
      { ...e, roomId: 's' }, { ...e, epoch: 2 }, { ...e, messageId: flip(e.messageId) }, { ...e, senderUserId: 'bob' },
      { ...e, senderSeq: 2 }, { ...e, sentAt: e.sentAt + 1 }, { ...e, ephemeral: true as const }, { ...e, ct: flip(e.ct, 5) },
      { ...e, ct: flip(e.ct, b64uDecode(e.ct).length - 1) }, { ...e, sig: flip(e.sig, 40) },
    ];
    for (const b of bad) if (!(await rejectsTyped(decryptMessage(b, rek, alice.cert)))) return false;
    return rejectsTyped(decryptMessage(e, createEpochKey(), alice.cert));
  });
  await check('epoch envelope round trip and tamper rejection', async () => {
    const env = await sealEpochKey({ rek, roomId: 'r', epoch: 1, opsHead: b64uEncode(new Uint8Array(32)), creator: { userId: 'alice', device: alice.device }, recipients: [alice.cert, bob.cert] });
    const got = await openEpochKey(env, { userId: 'bob', device: bob.device }, alice.cert);
    if (b64uEncode(got) !== b64uEncode(rek)) return false;
    const w = env.wraps[1];
    const bad = [{ ...env, roomId: 's' }, { ...env, epoch: 2 }, { ...env, rosterHash: flip(env.rosterHash) },
      { ...env, wraps: [env.wraps[0], { ...w, ct: flip(w.ct) }] }, { ...env, wraps: [env.wraps[0], { ...w, enc: flip(w.enc) }] }];
    for (const b of bad) if (!(await rejectsTyped(openEpochKey(b, { userId: 'bob', device: bob.device }, alice.cert)))) return false;
    return rejectsTyped(openEpochKey(env, { userId: 'mallory', device: mallory.device }, alice.cert));
  });
  await check('room chain: roster rebuilt, inserted member detected', async () => {
    const room = await Room.create('r', alice);
    await room.op(alice, 'add', 'bob');
    const chain = await verifyRoomChain('r', room.ops, resolverOf([alice, bob, mallory]));
    if ([...chain.members.keys()].join() !== 'alice,bob') return false;
    await room.op(bob, 'add', 'mallory');
    return rejectsTyped(verifyRoomChain('r', room.ops, resolverOf([alice, bob, mallory])));
  });
  await check('file streams: round trip, truncation and reordering detected', async () => {
    const key = createEpochKey();
    const ctx = fileContext('r', 'f');
    const data = globalThis.crypto.getRandomValues(new Uint8Array(50_000));
    const ct = await primitives.runTransform(cobblestoneEncryptStream(key, ctx, { hash: false }).stream, data, 4096);
    const pt = await primitives.runTransform(cobblestoneDecryptStream(key, ctx).stream, ct, 3000);
    if (b64uEncode(pt) !== b64uEncode(data)) return false;
    const c = (i: number) => ct.subarray(56 + i * 16400, 56 + (i + 1) * 16400);
    const reordered = Uint8Array.from([...ct.subarray(0, 56), ...c(1), ...c(0), ...ct.subarray(56 + 2 * 16400)]);
    return (await rejectsTyped(primitives.cobblestoneDecrypt(key, ctx, ct.subarray(0, 56 + 3 * 16400)))) &&
      (await rejectsTyped(primitives.cobblestoneDecrypt(key, ctx, reordered)));
  });
  await check('password backup and recovery key unlock', async () => {
    const { pwKek } = await derivePasswordSecrets('pw', { kdf: 'argon2id', m: 256, t: 1, p: 1, salt: b64uEncode(new Uint8Array(16)) });
    const { backup, recoveryKey } = await createAccountBackup({ userId: 'alice', identity: alice.identity, pwKek });
    const a = await unlockWithPassword(backup, pwKek);
    const b = await unlockWithRecoveryKey(backup, recoveryKey.display);
    return a.identity.publicKey === alice.identity.publicKey && b.backupKey.publicKey === a.backupKey.publicKey;
  });
  await check('safety numbers are symmetric', async () => {
    const ab = await pairSafetyNumber({ userId: 'alice', uikPublic: alice.identity.publicKey }, { userId: 'bob', uikPublic: bob.identity.publicKey });
    const ba = await pairSafetyNumber({ userId: 'bob', uikPublic: bob.identity.publicKey }, { userId: 'alice', uikPublic: alice.identity.publicKey });
    return ab.digits === ba.digits && ab.qr === ba.qr && /^\d{60}$/.test(ab.digits);
  });
  await check('IndexedDB trust store: pins survive a reopen, a changed verified key blocks sending', async () => {
    const name = `parley-trust-test-${Math.random()}`;
    const store = new IndexedDbTrustStore(name);
    const tm = new TrustManager(store);
    await tm.observe('bob', bob.identity.publicKey);
    await tm.markVerified('bob', bob.identity.publicKey);
    store.close();
    const reopened = new TrustManager(new IndexedDbTrustStore(name));
    const status = await reopened.observe('bob', mallory.identity.publicKey);
    return status.blocked && status.verified && (await rejectsTyped(reopened.assertCanSend(['bob'])));
  });
  return results;
}
