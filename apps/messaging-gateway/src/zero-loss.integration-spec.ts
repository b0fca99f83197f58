import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EncryptedEvent } from '@parley/shared/crypto';
import type { StoredMessage } from '@parley/shared/contracts';
import {
  type ClientSocket, type RunningProcess, type RunningSystem, startRedisServer, startSystem, TestClient,
} from '@parley/server/testing';

const WINDOW = 16; // sends in flight per client
const ACK_TIMEOUT_MS = 2_000;
/** DynamoDB Local on disk (so that it can restart) syncs every write: on tmpfs that costs little. */
const fastDisk = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
const ROOMY = {
  RATE_SOCKET_PER_SECOND: '100000', RATE_SOCKET_PER_MINUTE: '1000000', RATE_USER_PER_SECOND: '100000',
  RATE_USER_PER_MINUTE: '1000000',
};

/**
 * Runs `work` over `items` with at most `width` in flight. On the first failure it starts nothing new, lets the
 * ones in flight settle (they may still be acked) and rethrows.
 */
async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const lane = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: width }, lane));
  if (failure !== undefined) throw failure;
}

/** A client that keeps unacked messages and sends them again (same messageId) until each is acked. */
class ResendingClient {
  readonly acked = new Map<string, number>();
  readonly liveDeliveries = new Map<string, number>();
  reconnects = 0;
  failedAttempts = 0;
  socket!: ClientSocket;

  constructor(
    readonly client: TestClient,
    readonly roomId: string,
    readonly events: EncryptedEvent[],
  ) {}

  async connect(gateway: RunningProcess): Promise<void> {
    this.socket = await this.client.connect(gateway.url);
    this.socket.on('message:received', (m) => this.liveDeliveries.set(m.messageId, (this.liveDeliveries.get(m.messageId) ?? 0) + 1));
    const joined = await this.socket.timeout(5_000).emitWithAck('room:join', { roomId: this.roomId });
    if (!joined.ok) throw new Error(`join failed: ${joined.error}`);
  }

  async sendAll(survivor: RunningProcess, onAck: () => void): Promise<void> {
    while (this.acked.size < this.events.length) {
      const unacked = this.events.filter((e) => !this.acked.has(e.messageId));
      try {
        await pool(unacked, WINDOW, async (event) => {
          if (!this.socket.connected) throw new Error('disconnected');
          const ack = await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('message:send', event);
          if (!ack.ok) throw new Error(ack.error);
          this.acked.set(event.messageId, ack.seq);
          onAck();
        });
      } catch {
        this.failedAttempts++;
        await new Promise((r) => setTimeout(r, 200)); // back off a little, as a real client would
        if (!this.socket.connected) {
          this.socket.disconnect();
          this.reconnects++;
          await this.connect(survivor);
        }
      }
    }
  }

  /** Everything after seq 0, as a reconnecting client asks for it. */
  async syncAll(): Promise<StoredMessage[]> {
    const all: StoredMessage[] = [];
    for (;;) {
      const after = all.at(-1)?.seq ?? 0;
      const page = await this.socket.timeout(10_000).emitWithAck('sync', { roomId: this.roomId, after, limit: 100 });
      if (!page.ok) throw new Error(page.error);
      all.push(...page.messages);
      if (!page.hasMore) return all;
    }
  }
}

/**
 * Three clients send `perClient` messages each into one room from `homes` (one gateway per client); when half
 * are acked, `fault` strikes. They resend what was not acked (to `survivor` if their socket died), then sync, and
 * every member must hold exactly the messages sent, once each, in strictly increasing seq, acked seq = stored seq.
 */
async function run(sys: RunningSystem, homes: RunningProcess[], survivor: RunningProcess, perClient: number,
  fault: () => Promise<void>) {
  const users = await Promise.all([0, 1, 2].map(() => TestClient.register(sys.endpoints, `z${randomBytes(5).toString('hex')}`)));
  const roomId = await users[0].createRoom('Zero loss');
  for (const u of users.slice(1)) await users[0].invite(roomId, u.userId);
  await Promise.all(users.map((u) => u.loadKeys(roomId)));
  const clients = await Promise.all(users.map(async (u) => {
    const events: EncryptedEvent[] = [];
    for (let i = 0; i < perClient; i++) events.push(await u.encrypt(roomId, `${u.username} #${i}`));
    return new ResendingClient(u, roomId, events);
  }));
  for (const [i, c] of clients.entries()) await c.connect(homes[i]);

  const started = Date.now();
  let total = 0;
  let struck: Promise<void> | undefined;
  let faultMs = 0; // how long the fault took to strike and end (a restart's down time), for the report
  const onAck = () => {
    if (++total !== (perClient * 3) / 2) return;
    const at = Date.now();
    struck = fault().then(() => void (faultMs = Date.now() - at));
  };
  await Promise.all(clients.map((c) => c.sendAll(survivor, onAck)));
  await struck;
  const sendMs = Date.now() - started;
  expect(struck).toBeDefined();

  const sent = new Set(clients.flatMap((c) => c.events.map((e) => e.messageId)));
  const acked = new Map(clients.flatMap((c) => [...c.acked]));
  let holes = 0;
  for (const c of clients) {
    const synced = await c.syncAll();
    expect(synced).toHaveLength(perClient * 3);
    expect(new Set(synced.map((m) => m.messageId))).toEqual(sent);
    for (let i = 1; i < synced.length; i++) expect(synced[i].seq).toBeGreaterThan(synced[i - 1].seq);
    for (const m of synced) expect(m.seq).toBe(acked.get(m.messageId));
    holes = (synced.at(-1)?.seq ?? 0) - synced.length;
    // Live delivery: never the same message twice (a retry of a stored message is not broadcast again).
    expect([...c.liveDeliveries.values()].filter((n) => n > 1)).toEqual([]);
  }
  const report = {
    sendMs, faultMs, reconnects: clients.map((c) => c.reconnects), failedAttempts: clients.map((c) => c.failedAttempts),
    holes, liveDelivered: clients.map((c) => c.liveDeliveries.size),
    liveRepeated: clients.map((c) => [...c.liveDeliveries.values()].filter((n) => n > 1).length),
  };
  console.log(`zero-loss: ${expect.getState().currentTestName}: ${JSON.stringify(report)}`);
  return clients;
}

describe('no loss, no duplicates through a gateway crash and a Redis restart', () => {
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  let sys: RunningSystem;

  beforeAll(async () => {
    redis = await startRedisServer(); // private: restarting the shared one would disturb other test runs
    sys = await startSystem({ gateways: [ROOMY, ROOMY], redisUrl: redis.url });
  }, 120_000);
  afterAll(async () => {
    await sys?.stop();
    await redis?.stop();
  });

  it('holds when gateway instance 1 gets SIGKILL: 3 × 1,000 messages, clients move to instance 2', async () => {
    const [gw1, gw2] = sys.gateways;
    const clients = await run(sys, [gw1, gw1, gw1], gw2, 1_000, async () => void gw1.child.kill('SIGKILL'));
    expect(gw1.child.signalCode).toBe('SIGKILL');
    expect(clients.map((c) => c.reconnects)).toEqual([1, 1, 1]);
  }, 120_000);

  it('holds when Redis restarts empty (counters, claims, adapter, presence lost): 3 × 1,000 messages', async () => {
    const gw2 = sys.gateways[1];
    const gw3 = await sys.addGateway('gw3', ROOMY);
    await run(sys, [gw2, gw3, gw2], gw2, 1_000, () => redis.restart(500));
  }, 120_000);
});

describe('no loss, no duplicates through a DynamoDB restart', () => {
  let sys: RunningSystem;

  beforeAll(async () => {
    sys = await startSystem({ gateways: [ROOMY, ROOMY], dynamoDbPath: mkdtempSync(join(fastDisk, 'parley-ddb-')) });
  }, 120_000);
  afterAll(async () => sys?.stop());

  it('holds when DynamoDB Local restarts: the senders see errors, not silence, and recover; 3 × 1,000 messages', async () => {
    const [gw1, gw2] = sys.gateways;
    const clients = await run(sys, [gw1, gw2, gw2], gw2, 1_000, () => sys.restartDynamo(500));
    expect(clients.reduce((n, c) => n + c.failedAttempts, 0)).toBeGreaterThan(0);
  }, 120_000);
});
