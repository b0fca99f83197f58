import { randomBytes } from 'node:crypto';
import type { EncryptedEvent } from '@parley/shared/crypto';
import type { StoredMessage } from '@parley/shared/contracts';
import { type ClientSocket, type RunningProcess, type RunningSystem, startSystem, TestClient } from '@parley/server/testing';

const PER_CLIENT = 1_000;
const WINDOW = 16; // sends in flight per client
const ACK_TIMEOUT_MS = 2_000;
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

describe('no loss, no duplicates when a gateway instance dies mid-stream', () => {
  let sys: RunningSystem;

  beforeAll(async () => {
    sys = await startSystem({ gateways: [ROOMY, ROOMY] });
  }, 120_000);
  afterAll(async () => sys?.stop());

  it('ends with every member holding exactly the 3,000 messages once each, seq strictly increasing', async () => {
    const [gw1, gw2] = sys.gateways;
    const users = await Promise.all([0, 1, 2].map(() => TestClient.register(sys.endpoints, `z${randomBytes(5).toString('hex')}`)));
    const roomId = await users[0].createRoom('Zero loss');
    for (const u of users.slice(1)) await users[0].invite(roomId, u.userId);
    await Promise.all(users.map((u) => u.loadKeys(roomId)));
    const clients = await Promise.all(users.map(async (u) => {
      const events: EncryptedEvent[] = [];
      for (let i = 0; i < PER_CLIENT; i++) events.push(await u.encrypt(roomId, `${u.username} #${i}`));
      return new ResendingClient(u, roomId, events);
    }));
    for (const c of clients) await c.connect(gw1);

    const started = Date.now();
    let total = 0;
    let killedAt = 0;
    const onAck = () => {
      if (++total === (PER_CLIENT * 3) / 2) {
        killedAt = total;
        gw1.child.kill('SIGKILL');
      }
    };
    await Promise.all(clients.map((c) => c.sendAll(gw2, onAck)));
    const sendMs = Date.now() - started;
    expect(killedAt).toBe(1_500);
    expect(gw1.child.signalCode).toBe('SIGKILL');

    const sent = new Set(clients.flatMap((c) => c.events.map((e) => e.messageId)));
    const acked = new Map(clients.flatMap((c) => [...c.acked]));
    let holes = 0;
    for (const c of clients) {
      const synced = await c.syncAll();
      expect(synced).toHaveLength(3_000);
      expect(new Set(synced.map((m) => m.messageId))).toEqual(sent);
      for (let i = 1; i < synced.length; i++) expect(synced[i].seq).toBeGreaterThan(synced[i - 1].seq);
      for (const m of synced) expect(m.seq).toBe(acked.get(m.messageId));
      holes = (synced.at(-1)?.seq ?? 0) - synced.length;
      // Live delivery: never the same message twice (a retry of a stored message is not broadcast again).
      expect([...c.liveDeliveries.values()].filter((n) => n > 1)).toEqual([]);
    }
    const report = {
      sendMs, reconnects: clients.map((c) => c.reconnects), failedAttempts: clients.map((c) => c.failedAttempts),
      holes, liveDelivered: clients.map((c) => c.liveDeliveries.size),
    };
    console.log(`zero-loss: ${JSON.stringify(report)}`);
    expect(clients.every((c) => c.reconnects === 1)).toBe(true);
  }, 120_000);
});
