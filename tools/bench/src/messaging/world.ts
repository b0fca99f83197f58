import { API, type AuthResponse } from '@parley/shared/contracts';
import {
  b64uEncode, createDeviceCert, createEpochKey, type DeviceCert, type DeviceKeys, encryptMessage, type EncryptedEvent,
  exportIdentity, GENESIS_HASH, generateDeviceKeys, generateIdentity, hashRoomOp, type KdfParams, randomBytes,
  randomId, type RoomOp, sealBundle, sealEpochKey, signRoomOp, wrapKey,
} from '@parley/shared/crypto';
import { http as plainHttp } from '@parley/server/testing';

/**
 * An API call of the setup, which is not measured: a 503 or 429 (the services' throttles fail closed when Redis is
 * slow on a busy machine; nothing was done) is retried after a pause.
 */
async function http<T>(base: string, method: string, path: string, body?: unknown, token?: string) {
  for (let attempt = 1; ; attempt++) {
    const res = await plainHttp<T>(base, method, path, body, token);
    if ((res.status !== 503 && res.status !== 429) || attempt === 6) return res;
    await new Promise((r) => setTimeout(r, 500 * attempt));
  }
}

/** One simulated user: one device, one socket, one room. */
export interface BenchUser {
  userId: string;
  username: string;
  /** Parley's access token ('' for the baseline, which has no auth). */
  token: string;
  device: DeviceKeys;
  cert: DeviceCert;
  roomId: string;
  rek: Uint8Array;
  senderSeq: number;
}

export interface BenchRoom {
  roomId: string;
  members: BenchUser[];
}

/** A chat-sized text (200 characters): its padded ciphertext is 272 bytes, the envelope about 700 bytes of JSON. */
const BODY = 'The quick brown fox jumps over the lazy dog while the benchmark counts every millisecond it takes. '.repeat(2);

/** Runs `work` over `items`, `width` at a time. */
export async function pool<T, R>(items: T[], width: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  return results;
}

async function localUser(username: string): Promise<Omit<BenchUser, 'roomId' | 'rek'> & { identity: Awaited<ReturnType<typeof generateIdentity>> }> {
  const identity = await generateIdentity();
  const device = await generateDeviceKeys();
  const userId = randomId();
  const cert = await createDeviceCert(identity, userId, device, 1);
  return { userId, username, token: '', device, cert, senderSeq: 0, identity };
}

/**
 * Registers through the real auth API. The client-side Argon2id (64 MiB, t=3, ≈ 0.7 s a user) is skipped: the
 * auth secret and the password KEK are random bytes instead of derived ones, which the server cannot tell apart
 * and which is not the path this benchmark measures. The server still hashes the auth secret with its own
 * Argon2id (its configuration does not allow less than OWASP's 19 MiB, t=2).
 */
async function register(authUrl: string, username: string): Promise<Omit<BenchUser, 'roomId' | 'rek'>> {
  const pre = await http<KdfParams>(authUrl, 'POST', API.prelogin, { username });
  if (pre.status !== 200) throw new Error(`prelogin ${pre.status}: ${JSON.stringify(pre.body)}`);
  const user = await localUser(username);
  const pwKek = await crypto.subtle.importKey('raw', randomBytes(32), 'AES-GCM', false, ['encrypt', 'decrypt']);
  const abk = randomBytes(32);
  const res = await http<AuthResponse>(authUrl, 'POST', API.register, {
    userId: user.userId, username, displayName: username, authSecret: b64uEncode(randomBytes(32)), kdf: pre.body,
    uikPublicKey: user.identity.publicKey, deviceCert: user.cert,
    wrappedAbk: await wrapKey(pwKek, abk, 'parley/v1/abk'),
    secretBundle: await sealBundle(abk, { uik: await exportIdentity(user.identity) }),
  });
  if (res.status !== 201) throw new Error(`register ${res.status}: ${JSON.stringify(res.body)}`);
  return { ...user, token: res.body.accessToken };
}

async function post(base: string, path: string, body: unknown, token: string, what: string): Promise<void> {
  const res = await http(base, 'POST', path, body, token);
  if (res.status !== 201) throw new Error(`${what} ${res.status}: ${JSON.stringify(res.body)}`);
}

/**
 * A room through the real rooms API, as the web app builds it: a signed create op, one signed add op per member,
 * then epoch 1 sealed to every member's device (one rotation for the whole roster instead of one per invite —
 * the server accepts either). Members get the room key from the owner in memory rather than by fetching and
 * opening their envelope: they all live in this process.
 */
async function createRoom(roomsUrl: string, owner: Omit<BenchUser, 'roomId' | 'rek'>, others: Omit<BenchUser, 'roomId' | 'rek'>[],
  name: string): Promise<{ roomId: string; rek: Uint8Array }> {
  const roomId = randomId();
  const actor = { actorUserId: owner.userId, actorDeviceId: owner.device.deviceId };
  let head: RoomOp = await signRoomOp({ v: 1, roomId, seq: 0, prevHash: GENESIS_HASH, op: 'create', target: owner.userId,
    ...actor }, owner.device);
  await post(roomsUrl, API.rooms, { roomId, name, createOp: head }, owner.token, 'create room');
  for (const member of others) {
    head = await signRoomOp({ v: 1, roomId, seq: head.seq + 1, prevHash: await hashRoomOp(head), op: 'add',
      target: member.userId, ...actor }, owner.device);
    await post(roomsUrl, API.roomOps(roomId), head, owner.token, 'add member');
  }
  const rek = createEpochKey();
  const envelope = await sealEpochKey({ rek, roomId, epoch: 1, opsHead: await hashRoomOp(head),
    creator: { userId: owner.userId, device: owner.device }, recipients: [owner, ...others].map((u) => u.cert) });
  await post(roomsUrl, API.roomEpochs(roomId), envelope, owner.token, 'epoch');
  return { roomId, rek };
}

/**
 * `users` users in rooms of `roomSize`. Parley: registered and seated through the real APIs (`endpoints`); the
 * baseline: the same keys made locally (it has no accounts), so that both carry the same encrypted envelopes.
 */
export async function buildWorld(options: { users: number; roomSize: number; prefix: string;
  endpoints?: { auth: string; rooms: string }; concurrency?: number; log: (s: string) => void }): Promise<BenchRoom[]> {
  const { users, roomSize, prefix, endpoints, log } = options;
  const width = options.concurrency ?? 16;
  const names = Array.from({ length: users }, (_, i) => `${prefix}${i}`);
  const started = Date.now();
  const people = await pool(names, width, (name) => (endpoints ? register(endpoints.auth, name) : localUser(name)));
  log(`${users} users ${endpoints ? 'registered' : 'made'} in ${Date.now() - started} ms`);
  const groups: (typeof people)[] = [];
  for (let i = 0; i < people.length; i += roomSize) groups.push(people.slice(i, i + roomSize));
  const roomsStarted = Date.now();
  const rooms = await pool(groups, width, async ([owner, ...others], i) => {
    const { roomId, rek } = endpoints ? await createRoom(endpoints.rooms, owner, others, `Bench ${i}`)
      : { roomId: randomId(), rek: createEpochKey() };
    return { roomId, members: [owner, ...others].map((u) => ({ ...u, roomId, rek })) };
  });
  log(`${rooms.length} rooms created in ${Date.now() - roomsStarted} ms`);
  return rooms;
}

/** Encrypts and signs the next text of `user` (before the timed window: the figures measure the server path). */
export function encryptNext(user: BenchUser): Promise<EncryptedEvent> {
  return encryptMessage({ rek: user.rek, roomId: user.roomId, epoch: 1, sender: { userId: user.userId, device: user.device },
    senderSeq: user.senderSeq++, payload: { type: 'text', body: BODY } });
}
