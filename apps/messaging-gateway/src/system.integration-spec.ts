import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API, type StoredMessage } from '@parley/shared/contracts';
import {
  type Endpoints, freePort, http, requireRedis, type RunningProcess, startDynamoDbLocal, startServices, TestClient,
} from '@parley/server/testing';

/**
 * The AWS topology on one machine: auth, rooms, two gateway instances and files as separate processes, real
 * Redis (bus + socket.io adapter + seq counters) and Amazon's DynamoDB Local.
 */
describe('Parley services as separate processes', () => {
  const prefix = `it-${randomBytes(4).toString('hex')}-`;
  const processes: RunningProcess[] = [];
  let dynamo: RunningProcess;
  let gw1: RunningProcess;
  let gw2: RunningProcess;
  let endpoints: Endpoints;
  let alice: TestClient;
  let bob: TestClient;
  let roomId: string;
  const unique = () => `u${randomBytes(5).toString('hex')}`;

  beforeAll(async () => {
    const redisUrl = await requireRedis();
    dynamo = await startDynamoDbLocal();
    const [authPort, roomsPort] = [await freePort(), await freePort()];
    const common = {
      DYNAMODB_ENDPOINT: dynamo.url,
      DYNAMODB_CREATE_TABLES: 'true',
      TABLE_PREFIX: prefix,
      REDIS_URL: redisUrl,
      AUTH_JWKS_URL: `http://127.0.0.1:${authPort}${API.jwks}`,
      ROOMS_URL: `http://127.0.0.1:${roomsPort}`,
    };
    const secrets = mkdtempSync(join(tmpdir(), 'parley-it-'));
    const started = await startServices([
      { app: 'auth', name: 'auth', env: { ...common, PORT: String(authPort), DEV_SECRETS_DIR: secrets } },
      { app: 'rooms', name: 'rooms', env: { ...common, PORT: String(roomsPort) } },
      { app: 'messaging-gateway', name: 'gw1', env: common },
      { app: 'messaging-gateway', name: 'gw2', env: common },
      { app: 'files', name: 'files', env: { ...common, BLOB_DIR: join(secrets, 'blobs') } },
    ]);
    processes.push(...started);
    [, , gw1, gw2] = started;
    endpoints = { auth: started[0].url, rooms: started[1].url, gateway: gw1.url, files: started[4].url };
    [alice, bob] = await Promise.all([TestClient.register(endpoints, unique()), TestClient.register(endpoints, unique())]);
    roomId = await alice.createRoom('Integration');
    await alice.invite(roomId, bob.userId);
    await Promise.all([alice.loadKeys(roomId), bob.loadKeys(roomId)]);
    await alice.connect(gw1.url);
    await bob.connect(gw2.url);
    expect(await alice.join(roomId)).toMatchObject({ ok: true });
    expect(await bob.join(roomId)).toMatchObject({ ok: true });
  }, 120_000);

  afterAll(async () => {
    alice?.close();
    bob?.close();
    await Promise.all(processes.map((p) => p.stop()));
    await dynamo?.stop();
  });

  describe('messaging across gateway instances', () => {
    const plaintext = `the eagle lands at dawn ${randomBytes(6).toString('hex')}`;
    let sent: StoredMessage;

    it('delivers a message sent on gateway 1 to a member on gateway 2 within one second', async () => {
      const received = new Promise<{ message: StoredMessage; at: number }>((resolve) =>
        bob.socket?.once('message:received', (message) => resolve({ message, at: Date.now() })));
      const start = Date.now();
      const ack = await alice.send(roomId, plaintext);
      expect(ack).toMatchObject({ ok: true, seq: 1 });
      const { message, at } = await received;
      expect(at - start).toBeLessThan(1_000);
      expect(message.seq).toBe(1);
      expect(await bob.decrypt(message)).toEqual({ type: 'text', body: plaintext });
      sent = message;
    });

    it('returns the message from history, still decryptable by the recipient', async () => {
      const page = await bob.history(roomId);
      expect(page.status).toBe(200);
      expect(page.body.messages.map((m) => m.messageId)).toEqual([sent.messageId]);
      expect(await bob.decrypt(page.body.messages[0])).toEqual({ type: 'text', body: plaintext });
    });

    it('stores only ciphertext: no item of any table contains the plaintext', async () => {
      const ddb = new DynamoDBClient({ endpoint: dynamo.url, region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      const tables = ['messages', 'rooms', 'members', 'roomOps', 'epochs', 'users', 'devices', 'files'];
      let scanned = 0;
      for (const table of tables) {
        const { Items = [] } = await ddb.send(new ScanCommand({ TableName: prefix + table }));
        scanned += Items.length;
        expect(JSON.stringify(Items)).not.toContain(plaintext);
        expect(JSON.stringify(Items)).not.toContain('the eagle lands');
      }
      const messages = await ddb.send(new ScanCommand({ TableName: `${prefix}messages` }));
      expect(messages.Items).toHaveLength(1);
      expect(scanned).toBeGreaterThan(5);
      ddb.destroy();
    });

    it('gives a retried send (same messageId) its first seq back and does not deliver it twice', async () => {
      const event = await alice.encrypt(roomId, 'once only');
      const deliveries: string[] = [];
      const onMessage = (m: StoredMessage) => deliveries.push(m.messageId);
      bob.socket?.on('message:received', onMessage);
      const first = await alice.socket?.timeout(5_000).emitWithAck('message:send', event);
      const retry = await alice.socket?.timeout(5_000).emitWithAck('message:send', event);
      await new Promise((r) => setTimeout(r, 300));
      bob.socket?.off('message:received', onMessage);
      expect(first).toMatchObject({ ok: true });
      expect(retry).toEqual(first);
      expect(deliveries).toEqual([event.messageId]);
    });
  });

  describe('bad input is refused with a clear error and changes nothing', () => {
    it.each([
      ['an empty username', { username: '' }],
      ['a username over 32 characters', { username: 'a'.repeat(33) }],
      ['a username with capitals', { username: 'Alice' }],
    ])('rejects registration with %s', async (_name, change) => {
      const res = await http<{ message: string[] }>(endpoints.auth, 'POST', API.register, change);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toContain('username must be');
    });

    it('rejects a second registration of a taken username with 409', async () => {
      await expect(TestClient.register(endpoints, alice.username)).rejects.toThrow(/register 409.*username is taken/);
    });

    it('rejects a wrong password with 401 and the same message as an unknown user', async () => {
      const secret = 'A'.repeat(43);
      const wrong = await http<{ message: string }>(endpoints.auth, 'POST', API.login, { username: alice.username, authSecret: secret });
      const unknown = await http<{ message: string }>(endpoints.auth, 'POST', API.login, { username: unique(), authSecret: secret });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body.message).toBe(unknown.body.message);
    });

    it('refuses REST calls without a valid access token', async () => {
      expect((await http(endpoints.rooms, 'GET', API.rooms)).status).toBe(401);
      expect((await http(endpoints.rooms, 'GET', API.rooms, undefined, 'not.a.token')).status).toBe(401);
      expect((await http(gw1.url, 'GET', API.roomMessages(roomId))).status).toBe(401);
    });

    it('refuses a socket without a valid access token', async () => {
      const { io } = await import('socket.io-client');
      const socket = io(gw1.url, { auth: { token: 'forged' }, transports: ['websocket'], reconnection: false });
      const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
      socket.disconnect();
      expect(error.message).toBe('the access token is invalid or expired');
    });

    it('does not let an outsider join a room, read its history or send to it', async () => {
      const eve = await TestClient.register(endpoints, unique());
      await eve.connect(gw2.url);
      expect(await eve.join(roomId)).toEqual({ ok: false, error: 'you are not a member of this room' });
      expect((await eve.history(roomId)).status).toBe(403);
      const forged = await alice.encrypt(roomId, 'pretend');
      const ack = await eve.socket?.timeout(5_000).emitWithAck('message:send', { ...forged, senderUserId: eve.userId });
      expect(ack).toEqual({ ok: false, error: 'join the room (room:join) before sending to it' });
      eve.close();
    });

    it.each([
      ['null', null],
      ['a string', 'hello'],
      ['an empty object', {}],
      ['a wrong version', { v: 2 }],
      ['an unknown field', { plaintext: 'leak' }],
      ['a ciphertext that is not base64url', { ct: '<script>' }],
    ])('answers a malformed message:send (%s) with an error ack and stores nothing', async (_name, change) => {
      const valid = await alice.encrypt(roomId, 'never stored');
      const payload = change === null || typeof change === 'string' || Object.keys(change).length === 0
        ? change : { ...valid, ...change };
      const before = (await alice.history(roomId)).body.messages.length;
      const ack = await alice.socket?.timeout(5_000).emitWithAck('message:send', payload as never);
      expect(ack).toMatchObject({ ok: false });
      expect((ack as { error: string }).error.length).toBeGreaterThan(5);
      expect((await alice.history(roomId)).body.messages.length).toBe(before);
      expect(alice.socket?.connected).toBe(true);
    });

    it('refuses a message whose sender is someone else', async () => {
      const event = await alice.encrypt(roomId, 'spoof');
      const ack = await bob.socket?.timeout(5_000).emitWithAck('message:send', event);
      expect(ack).toEqual({ ok: false, error: 'senderUserId must be you' });
    });

    it('keeps every service running after all of the above', async () => {
      for (const p of processes) expect((await fetch(`${p.url}/health`)).status).toBe(200);
    });
  });

  describe('files', () => {
    it('stores an encrypted blob and gives it back byte for byte to a room member', async () => {
      const blob = randomBytes(3000);
      const declared = await alice.call<{ fileId: string }>('files', 'POST', API.files, { roomId, size: blob.length });
      expect(declared.status).toBe(201);
      const put = await fetch(new URL(API.fileContent(declared.body.fileId), endpoints.files), {
        method: 'PUT', body: blob,
        headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/octet-stream' },
      });
      expect(put.status).toBe(200);
      const got = await fetch(new URL(API.fileContent(declared.body.fileId), endpoints.files), {
        headers: { authorization: `Bearer ${bob.token}` },
      });
      expect(got.status).toBe(200);
      expect(Buffer.from(await got.arrayBuffer()).equals(blob)).toBe(true);
    });

    it('refuses an upload larger than declared, and files in a room to a non-member', async () => {
      const declared = await alice.call<{ fileId: string }>('files', 'POST', API.files, { roomId, size: 10 });
      const put = await fetch(new URL(API.fileContent(declared.body.fileId), endpoints.files), {
        method: 'PUT', body: randomBytes(11),
        headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/octet-stream' },
      });
      expect(put.status).toBe(400);
      const eve = await TestClient.register(endpoints, unique());
      const declaredByEve = await eve.call('files', 'POST', API.files, { roomId, size: 10 });
      expect(declaredByEve.status).toBe(403);
      const completed = await alice.call<{ fileId: string }>('files', 'POST', API.files, { roomId, size: 1 });
      await fetch(new URL(API.fileContent(completed.body.fileId), endpoints.files), {
        method: 'PUT', body: Buffer.from([7]),
        headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/octet-stream' },
      });
      expect((await eve.call('files', 'GET', API.fileContent(completed.body.fileId))).status).toBe(404);
    });
  });
});
