import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { API, type RoomSummary, type StoredMessage } from '@parley/shared/contracts';
import { type Endpoints, freePort, http, type RunningProcess, startService, TestClient } from '@parley/server/testing';

/** `npm start`'s process: four modules, embedded dynalite, in-memory bus and socket adapter, data on disk. */
describe('the one-process server', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-one-'));
  let port: number;
  let server: RunningProcess;
  let endpoints: Endpoints;
  const start = async () => {
    server = await startService('server', 'one-process', { PORT: String(port), DATA_DIR: dataDir, WEB_DIST: join(dataDir, 'no-web') });
    endpoints = { auth: server.url, rooms: server.url, gateway: server.url, files: server.url };
  };

  beforeAll(async () => {
    port = await freePort();
    await start();
  });
  afterAll(async () => server?.stop());

  it('carries an encrypted conversation between two users through the in-memory adapter', async () => {
    const [alice, bob] = await Promise.all([
      TestClient.register(endpoints, `a${randomBytes(4).toString('hex')}`),
      TestClient.register(endpoints, `b${randomBytes(4).toString('hex')}`),
    ]);
    const roomId = await alice.createRoom('One process');
    await alice.invite(roomId, bob.userId);
    await Promise.all([alice.loadKeys(roomId), bob.loadKeys(roomId)]);
    await Promise.all([alice.connect(), bob.connect()]);
    await alice.join(roomId);
    await bob.join(roomId);
    const received = new Promise<StoredMessage>((resolve) => bob.socket?.once('message:received', resolve));
    expect(await alice.send(roomId, 'hi bob')).toMatchObject({ ok: true, seq: 1 });
    expect(await bob.decrypt(await received)).toEqual({ type: 'text', body: 'hi bob' });
    alice.close();
    bob.close();
  });

  it('serves the OpenAPI documents of the auth and messaging APIs', async () => {
    for (const path of ['/api/auth/docs-json', '/api/messages/docs-json']) {
      const res = await http<{ openapi: string; paths: object }>(server.url, 'GET', path);
      expect(res.status).toBe(200);
      expect(res.body.openapi).toMatch(/^3\./);
      expect(Object.keys(res.body.paths).length).toBeGreaterThan(0);
    }
  });

  it('keeps accounts, rooms and messages across a restart', async () => {
    const alice = await TestClient.register(endpoints, `c${randomBytes(4).toString('hex')}`);
    const roomId = await alice.createRoom('Durable');
    await alice.loadKeys(roomId);
    await alice.connect();
    await alice.join(roomId);
    await alice.send(roomId, 'still here after a restart');
    alice.close();

    await server.stop();
    await start();

    const rooms = await http<RoomSummary[]>(server.url, 'GET', API.rooms, undefined, alice.token);
    expect(rooms.status).toBe(200); // the signing key survived too, so the old token is still valid
    expect(rooms.body.map((r) => r.roomId)).toContain(roomId);
    const page = await alice.history(roomId);
    expect(page.body.messages).toHaveLength(1);
    expect(await alice.decrypt(page.body.messages[0])).toEqual({ type: 'text', body: 'still here after a restart' });
    const pre = await http<{ salt: string }>(server.url, 'POST', API.prelogin, { username: alice.username });
    expect(pre.status).toBe(200);
  });
});
