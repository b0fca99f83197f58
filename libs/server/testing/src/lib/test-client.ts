import { io, type Socket } from 'socket.io-client';
import {
  API, AUTH_API, type AuthResponse, REFRESH_COOKIE, type RefreshResponse, type ClientToServerEvents, type HistoryPage, type PublicProfile, type RoomDetail,
  type ServerToClientEvents, type StoredMessage,
} from '@parley/shared/contracts';
import {
  type DeviceCert, type DeviceKeys, type IdentityKeys, type EncryptedEvent, type EpochKeyEnvelope, type KdfParams, type Payload, type RoomOp,
  createDeviceCert, createEpochKey, decryptMessage, derivePasswordSecrets, encryptMessage, exportIdentity,
  GENESIS_HASH, generateDeviceKeys, generateIdentity, hashRoomOp, openEpochKey, randomBytes, randomId, sealBundle,
  sealEpochKey, signRoomOp, verifyDeviceCert, wrapKey,
} from '@parley/shared/crypto';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export interface HttpResult<T = unknown> {
  status: number;
  body: T;
  /** The response headers (Set-Cookie, Retry-After …). */
  headers: Headers;
}

/** A plain HTTP call as a client makes it; never throws on a status, so tests can assert on 4xx. */
export async function http<T = unknown>(base: string, method: string, path: string, body?: unknown, token?: string,
  extraHeaders: Record<string, string> = {}): Promise<HttpResult<T>> {
  const res = await fetch(new URL(path, base), {
    method,
    headers: {
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...(token && { authorization: `Bearer ${token}` }),
      ...extraHeaders,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** The value of a cookie a response set (`undefined` if it set none; '' if it cleared it). */
export function cookieFrom(headers: Headers, name: string): string | undefined {
  for (const line of headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    if (pair.slice(0, eq).trim() === name) return decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return undefined;
}

/** The base URL of each service a client talks to (one origin in production; separate processes in tests). */
export interface Endpoints {
  auth: string;
  rooms: string;
  gateway: string;
  files: string;
}

/**
 * A Parley client in Node, doing what the web app does (register, rooms, epochs, encrypted messages) with
 * `@parley/shared/crypto`. Integration tests use it to drive the real services.
 */
export class TestClient {
  socket?: ClientSocket;
  private readonly reks = new Map<string, Map<number, Uint8Array>>();
  private readonly certs = new Map<string, DeviceCert[]>();
  private senderSeq = 0;

  /** The refresh token (what the browser keeps in its HttpOnly cookie). */
  refreshToken?: string;
  /** The account's identity key (the browser holds it after unlocking the backup): signs device certificates. */
  identity?: IdentityKeys;

  private constructor(
    readonly endpoints: Endpoints,
    readonly username: string,
    readonly userId: string,
    /** The current access token; `refresh()` replaces it. */
    public token: string,
    readonly device: DeviceKeys,
  ) {}

  static async register(endpoints: Endpoints, username: string, password = 'correct horse battery staple'):
    Promise<TestClient> {
    const pre = await http<KdfParams>(endpoints.auth, 'POST', API.prelogin, { username });
    if (pre.status !== 200) throw new Error(`prelogin ${pre.status}: ${JSON.stringify(pre.body)}`);
    const { authSecret, pwKek } = await derivePasswordSecrets(password, pre.body);
    const identity = await generateIdentity();
    const device = await generateDeviceKeys();
    const userId = randomId();
    const deviceCert = await createDeviceCert(identity, userId, device, 1);
    const abk = randomBytes(32);
    const res = await http<AuthResponse>(endpoints.auth, 'POST', API.register, {
      userId, username, displayName: username, authSecret, kdf: pre.body, uikPublicKey: identity.publicKey, deviceCert,
      wrappedAbk: await wrapKey(pwKek, abk, 'parley/v1/abk'),
      secretBundle: await sealBundle(abk, { uik: await exportIdentity(identity) }),
    });
    if (res.status !== 201) throw new Error(`register ${res.status}: ${JSON.stringify(res.body)}`);
    const client = new TestClient(endpoints, username, userId, res.body.accessToken, device);
    client.refreshToken = cookieFrom(res.headers, REFRESH_COOKIE);
    client.identity = identity;
    return client;
  }

  /** Trades the refresh token for a new access token (and a new refresh token), as the browser does. */
  async refresh(base = this.endpoints.auth): Promise<HttpResult<RefreshResponse>> {
    const res = await http<RefreshResponse>(base, 'POST', AUTH_API.refresh, undefined, undefined,
      { cookie: `${REFRESH_COOKIE}=${this.refreshToken ?? ''}` });
    if (res.status === 200) {
      this.token = res.body.accessToken;
      this.refreshToken = cookieFrom(res.headers, REFRESH_COOKIE);
    }
    return res;
  }

  call<T = unknown>(service: keyof Endpoints, method: string, path: string, body?: unknown): Promise<HttpResult<T>> {
    return http<T>(this.endpoints[service], method, path, body, this.token);
  }

  async profile(userId: string): Promise<PublicProfile> {
    const res = await this.call<PublicProfile>('auth', 'GET', API.user(userId));
    if (res.status !== 200) throw new Error(`profile ${res.status}`);
    return res.body;
  }

  /** Device certs of a user, each verified against the user's identity key. */
  async deviceCerts(userId: string): Promise<DeviceCert[]> {
    const cached = this.certs.get(userId);
    if (cached) return cached;
    const profile = await this.profile(userId);
    for (const cert of profile.devices) await verifyDeviceCert(cert, profile.uikPublicKey);
    this.certs.set(userId, profile.devices);
    return profile.devices;
  }

  async createRoom(name: string): Promise<string> {
    const roomId = randomId();
    const createOp = await signRoomOp({ v: 1, roomId, seq: 0, prevHash: GENESIS_HASH, op: 'create', target: this.userId,
      actorUserId: this.userId, actorDeviceId: this.device.deviceId }, this.device);
    const res = await this.call('rooms', 'POST', API.rooms, { roomId, name, createOp });
    if (res.status !== 201) throw new Error(`create room ${res.status}: ${JSON.stringify(res.body)}`);
    await this.rotate(roomId, 1, await hashRoomOp(createOp));
    return roomId;
  }

  /** Adds a member with a signed op, then seals a new epoch key to every member's devices. */
  async invite(roomId: string, userId: string): Promise<void> {
    await this.changeMembership(roomId, 'add', userId);
  }

  /** Removes a member (signed `remove` op), then rotates the epoch key to the members left, as the web app does. */
  async remove(roomId: string, userId: string): Promise<void> {
    await this.changeMembership(roomId, 'remove', userId);
  }

  private async changeMembership(roomId: string, op: 'add' | 'remove', userId: string): Promise<void> {
    const ops = await this.call<RoomOp[]>('rooms', 'GET', API.roomOps(roomId));
    const head = ops.body[ops.body.length - 1];
    const signed = await signRoomOp({ v: 1, roomId, seq: head.seq + 1, prevHash: await hashRoomOp(head), op,
      target: userId, actorUserId: this.userId, actorDeviceId: this.device.deviceId }, this.device);
    const res = await this.call('rooms', 'POST', API.roomOps(roomId), signed);
    if (res.status !== 201) throw new Error(`${op} member ${res.status}: ${JSON.stringify(res.body)}`);
    const room = await this.call<RoomDetail>('rooms', 'GET', API.room(roomId));
    await this.rotate(roomId, room.body.currentEpoch + 1, await hashRoomOp(signed));
  }

  private async rotate(roomId: string, epoch: number, opsHead: string): Promise<void> {
    const room = await this.call<RoomDetail>('rooms', 'GET', API.room(roomId));
    const recipients = (await Promise.all(room.body.members.map((m) => this.deviceCerts(m.userId)))).flat();
    const envelope = await sealEpochKey({ rek: createEpochKey(), roomId, epoch, opsHead,
      creator: { userId: this.userId, device: this.device }, recipients });
    const res = await this.call('rooms', 'POST', API.roomEpochs(roomId), envelope);
    if (res.status !== 201) throw new Error(`epoch ${res.status}: ${JSON.stringify(res.body)}`);
  }

  /** Opens every epoch envelope addressed to this device. */
  async loadKeys(roomId: string): Promise<void> {
    const res = await this.call<EpochKeyEnvelope[]>('rooms', 'GET', API.roomEpochs(roomId));
    const keys = this.reks.get(roomId) ?? new Map<number, Uint8Array>();
    for (const envelope of res.body) {
      const creator = (await this.deviceCerts(envelope.creatorUserId)).find((c) => c.deviceId === envelope.creatorDeviceId);
      if (!creator) throw new Error(`unknown creator device of epoch ${envelope.epoch}`);
      if (envelope.wraps.some((w) => w.deviceId === this.device.deviceId)) {
        keys.set(envelope.epoch, await openEpochKey(envelope, { userId: this.userId, device: this.device }, creator));
      }
    }
    this.reks.set(roomId, keys);
  }

  async connect(gatewayUrl = this.endpoints.gateway): Promise<ClientSocket> {
    const socket: ClientSocket = io(gatewayUrl, { path: '/socket.io', auth: { token: this.token },
      transports: ['websocket'], reconnection: false, forceNew: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    this.socket = socket;
    return socket;
  }

  async join(roomId: string) {
    if (!this.socket) throw new Error('connect first');
    return this.socket.timeout(5_000).emitWithAck('room:join', { roomId });
  }

  async encrypt(roomId: string, body: string): Promise<EncryptedEvent> {
    const keys = this.reks.get(roomId);
    const epoch = Math.max(...(keys?.keys() ?? []));
    const rek = keys?.get(epoch);
    if (!rek) throw new Error('no epoch key: call loadKeys first');
    return encryptMessage({ rek, roomId, epoch, sender: { userId: this.userId, device: this.device },
      senderSeq: this.senderSeq++, payload: { type: 'text', body } });
  }

  async send(roomId: string, body: string) {
    if (!this.socket) throw new Error('connect first');
    return this.socket.timeout(5_000).emitWithAck('message:send', await this.encrypt(roomId, body));
  }

  async decrypt(message: StoredMessage | EncryptedEvent): Promise<Payload> {
    const rek = this.reks.get(message.roomId)?.get(message.epoch);
    if (!rek) throw new Error(`no key for epoch ${message.epoch}`);
    const cert = (await this.deviceCerts(message.senderUserId)).find((c) => c.deviceId === message.senderDeviceId);
    if (!cert) throw new Error('unknown sender device');
    return decryptMessage(message, rek, cert);
  }

  history(roomId: string, query = '') {
    return this.call<HistoryPage>('gateway', 'GET', `${API.roomMessages(roomId)}${query}`);
  }

  close(): void {
    this.socket?.disconnect();
  }
}
