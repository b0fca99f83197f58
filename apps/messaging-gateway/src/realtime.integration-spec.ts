import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { io } from 'socket.io-client';
import {
  API, AUTH_API, type ClientToServerEvents, type PostedMessage, REALTIME_LIMITS, type RoomJoined,
  type StoredMessage,
} from '@parley/shared/contracts';
import {
  type ClientSocket, collectEvents, http, mintAccessToken, nextEvent, type RunningProcess, type RunningSystem,
  startSystem, TestClient,
} from '@parley/server/testing';

/** Generous limits for the main instances: these tests are about events, not limits (those have their own). */
const ROOMY = {
  PRESENCE_GRACE_MS: '800', PRESENCE_TTL_MS: '3000', RATE_SOCKET_PER_SECOND: '100000', RATE_SOCKET_PER_MINUTE: '1000000',
  RATE_USER_PER_SECOND: '100000', RATE_USER_PER_MINUTE: '1000000',
};
const unique = () => `u${randomBytes(5).toString('hex')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Joined = { ok: true } & RoomJoined;

/** Every DESIGN §4 socket event, in both directions and across two gateway instances (gw1, gw2). */
describe('real-time events across two gateway instances', () => {
  let sys: RunningSystem;
  let gw1: RunningProcess;
  let gw2: RunningProcess;
  let alice: TestClient; // on gw1
  let bob: TestClient; // on gw2
  let roomId: string;

  const connectTo = async (client: TestClient, gateway: RunningProcess, rooms: string[] = [roomId]) => {
    const socket = await client.connect(gateway.url);
    for (const room of rooms) expect(await socket.timeout(5_000).emitWithAck('room:join', { roomId: room })).toMatchObject({ ok: true });
    return socket;
  };
  const messagesIn = async (room = roomId) => (await alice.history(room, '?limit=100')).body.messages;

  beforeAll(async () => {
    sys = await startSystem({ gateways: [ROOMY, ROOMY] });
    [gw1, gw2] = sys.gateways;
    [alice, bob] = await Promise.all([TestClient.register(sys.endpoints, unique()), TestClient.register(sys.endpoints, unique())]);
    roomId = await alice.createRoom('Realtime');
    await alice.invite(roomId, bob.userId);
    await Promise.all([alice.loadKeys(roomId), bob.loadKeys(roomId)]);
    await connectTo(alice, gw1);
    await connectTo(bob, gw2);
  }, 120_000);

  afterAll(async () => {
    alice?.close();
    bob?.close();
    await sys?.stop();
  });

  it('answers room:join with the room state: last seq and when, unread count, receipts and who is online', async () => {
    await alice.send(roomId, 'one');
    const second = await alice.send(roomId, 'two');
    const ack = (await bob.socket?.timeout(5_000).emitWithAck('room:join', { roomId })) as Joined;
    expect(ack).toMatchObject({ ok: true, lastSeq: 2, lastReadSeq: 0, unread: 2 });
    expect(ack.lastActivityAt).toBe((second as { receivedAt: number }).receivedAt);
    expect(ack.online.map((u) => u.userId).sort()).toEqual([alice.userId, bob.userId].sort());
  });

  it('syncs what a client missed after a seq, a page at a time, oldest first', async () => {
    const all = await bob.socket?.timeout(5_000).emitWithAck('sync', { roomId, after: 0 });
    expect(all).toMatchObject({ ok: true, hasMore: false });
    const seqs = (all as { messages: StoredMessage[] }).messages.map((m) => m.seq);
    expect(seqs).toEqual([1, 2]);
    const page = await bob.socket?.timeout(5_000).emitWithAck('sync', { roomId, after: 1, limit: 1 });
    expect(page).toMatchObject({ ok: true, hasMore: false, messages: [{ seq: 2 }] });
    const first = await bob.socket?.timeout(5_000).emitWithAck('sync', { roomId, after: 0, limit: 1 });
    expect(first).toMatchObject({ ok: true, hasMore: true, messages: [{ seq: 1 }] });
    expect(await bob.decrypt((first as { messages: StoredMessage[] }).messages[0])).toEqual({ type: 'text', body: 'one' });
  });

  it('refuses sync, reads, deletes and typing in a room the socket has not joined', async () => {
    const other = await alice.createRoom('Not joined');
    for (const [event, body] of [['sync', { roomId: other, after: 0 }], ['message:read', { roomId: other, seq: 0 }],
      ['typing:start', { roomId: other }], ['message:delete', { roomId: other, messageId: 'A'.repeat(22) }]] as const) {
      const ack = await alice.socket?.timeout(5_000).emitWithAck(event as 'sync', body as never);
      expect(ack).toEqual({ ok: false, error: `join the room (room:join ${other}) first` });
    }
  });

  it('stores read receipts, broadcasts them across instances and never moves them back', async () => {
    const receipt = nextEvent(alice.socket, 'message:read', (r) => r.userId === bob.userId);
    expect(await bob.socket?.timeout(5_000).emitWithAck('message:read', { roomId, seq: 2 })).toEqual({ ok: true });
    expect(await receipt).toMatchObject({ roomId, userId: bob.userId, seq: 2 });
    const back = collectEvents(alice.socket, 'message:read', 300);
    expect(await bob.socket?.timeout(5_000).emitWithAck('message:read', { roomId, seq: 1 })).toEqual({ ok: true });
    expect(await back).toEqual([]);
    const ahead = await bob.socket?.timeout(5_000).emitWithAck('message:read', { roomId, seq: 99 });
    expect(ahead).toEqual({ ok: false, error: "seq 99 is past the room's last message (2)" });
    const state = (await bob.socket?.timeout(5_000).emitWithAck('room:join', { roomId })) as Joined;
    expect(state).toMatchObject({ lastSeq: 2, lastReadSeq: 2, unread: 0 });
    expect(state.receipts).toEqual([expect.objectContaining({ userId: bob.userId, seq: 2 })]);
  });

  it('lets the sender delete a message: a tombstone stays, the room hears message:deleted', async () => {
    const ack = await alice.send(roomId, 'regret');
    const seq = (ack as { seq: number }).seq;
    const sent = (await messagesIn()).find((m) => m.seq === seq) as StoredMessage;
    const heard = nextEvent(bob.socket, 'message:deleted');
    const deleted = await alice.socket?.timeout(5_000).emitWithAck('message:delete', { roomId, messageId: sent.messageId });
    expect(deleted).toEqual({ ok: true, roomId, messageId: sent.messageId, seq });
    expect(await heard).toEqual({ roomId, messageId: sent.messageId, seq });
    const tombstone = (await messagesIn()).find((m) => m.seq === seq);
    expect(tombstone).toMatchObject({ messageId: sent.messageId, senderUserId: alice.userId, deleted: true, ct: '', sig: '' });
    const again = await alice.socket?.timeout(5_000).emitWithAck('message:delete', { roomId, messageId: sent.messageId });
    expect(again).toMatchObject({ ok: true, seq });
  });

  it('does not let anyone but the sender delete a message', async () => {
    const [victim] = await messagesIn();
    const ack = await bob.socket?.timeout(5_000).emitWithAck('message:delete', { roomId, messageId: victim.messageId });
    expect(ack).toEqual({ ok: false, error: 'no message of yours with that id' });
    expect((await bob.call('gateway', 'DELETE', `/api/messages/${victim.messageId}`)).status).toBe(404);
    expect((await messagesIn())[0]).not.toHaveProperty('deleted');
  });

  it('deletes over REST (DELETE /api/messages/:id) and tells the room', async () => {
    const seq = ((await alice.send(roomId, 'also regret')) as { seq: number }).seq;
    const sent = (await messagesIn()).find((m) => m.seq === seq) as StoredMessage;
    const heard = nextEvent(bob.socket, 'message:deleted');
    const res = await alice.call('gateway', 'DELETE', `/api/messages/${sent.messageId}`);
    expect(res).toMatchObject({ status: 200, body: { roomId, messageId: sent.messageId, seq } });
    expect(await heard).toMatchObject({ messageId: sent.messageId });
  });

  it('accepts POST /api/rooms/:roomId/messages with the socket rules: delivered live, idempotent, members only', async () => {
    const event = await alice.encrypt(roomId, 'from a script');
    const live = nextEvent(bob.socket, 'message:received', (m) => m.messageId === event.messageId);
    const posted = await http<PostedMessage>(gw2.url, 'POST', API.roomMessages(roomId), event, alice.token);
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({ messageId: event.messageId, duplicate: false });
    expect(await bob.decrypt(await live)).toEqual({ type: 'text', body: 'from a script' });
    const retry = await http<PostedMessage>(gw1.url, 'POST', API.roomMessages(roomId), event, alice.token);
    expect(retry.body).toEqual({ ...posted.body, duplicate: true });
    const outsider = await TestClient.register(sys.endpoints, unique());
    const foreign = await http(gw1.url, 'POST', API.roomMessages(roomId), { ...event, senderUserId: outsider.userId }, outsider.token);
    expect(foreign.status).toBe(403);
    const wrongRoom = await http(gw1.url, 'POST', API.roomMessages(await alice.createRoom('x')), event, alice.token);
    expect(wrongRoom.status).toBe(400);
  });

  it('relays typing across instances, renews silently and ends it by itself after 5 s', async () => {
    const started = nextEvent(bob.socket, 'typing:started');
    expect(await alice.socket?.timeout(5_000).emitWithAck('typing:start', { roomId })).toEqual({ ok: true });
    expect(await started).toEqual({ roomId, userId: alice.userId, expiresInMs: REALTIME_LIMITS.typingTtlMs });
    const stopped = nextEvent(bob.socket, 'typing:stopped');
    expect(await alice.socket?.timeout(5_000).emitWithAck('typing:stop', { roomId })).toEqual({ ok: true });
    expect(await stopped).toEqual({ roomId, userId: alice.userId });

    const t0 = Date.now();
    const renewals = collectEvents(bob.socket, 'typing:started', 1_500);
    await alice.socket?.timeout(5_000).emitWithAck('typing:start', { roomId });
    await sleep(1_000);
    await alice.socket?.timeout(5_000).emitWithAck('typing:start', { roomId });
    expect(await renewals).toHaveLength(1);
    await nextEvent(bob.socket, 'typing:stopped', undefined, 7_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000 + REALTIME_LIMITS.typingTtlMs - 100);
  }, 15_000);

  it('relays status updates; invisible looks offline; only people who share a room hear it', async () => {
    const stranger = await TestClient.register(sys.endpoints, unique());
    await stranger.connect(gw2.url);
    const strangerHeard = collectEvents(stranger.socket, 'user:status', 1_000);
    const busy = nextEvent(bob.socket, 'user:status');
    expect(await alice.socket?.timeout(5_000).emitWithAck('status:update', { status: 'busy', text: 'in a meeting' })).toEqual({ ok: true });
    expect(await busy).toEqual({ userId: alice.userId, status: 'busy', text: 'in a meeting' });
    const joined = (await bob.socket?.timeout(5_000).emitWithAck('room:join', { roomId })) as Joined;
    expect(joined.online).toContainEqual({ userId: alice.userId, status: 'busy', text: 'in a meeting' });
    const offline = nextEvent(bob.socket, 'user:offline');
    await alice.socket?.timeout(5_000).emitWithAck('status:update', { status: 'invisible' });
    expect(await offline).toEqual({ userId: alice.userId });
    const state = (await bob.socket?.timeout(5_000).emitWithAck('room:join', { roomId })) as Joined;
    expect(state.online.map((u) => u.userId)).toEqual([bob.userId]);
    expect(state.mine).toEqual({ status: 'online' });
    // Alice herself (a reload, another tab) learns she is invisible; nobody else does.
    const own = (await alice.socket?.timeout(5_000).emitWithAck('room:join', { roomId })) as Joined;
    expect(own.mine).toEqual({ status: 'invisible' });
    expect(own.online.map((u) => u.userId)).toEqual([bob.userId]);
    const back = nextEvent(bob.socket, 'user:status');
    await alice.socket?.timeout(5_000).emitWithAck('status:update', { status: 'online' });
    expect(await back).toEqual({ userId: alice.userId, status: 'online' });
    expect(await strangerHeard).toEqual([]);
    stranger.close();
  });

  it('relays file:share as file:received and keeps it in history', async () => {
    const event = await alice.encrypt(roomId, 'file: report.pdf');
    const fileId = randomBytes(16).toString('base64url');
    const received = nextEvent(bob.socket, 'file:received');
    const ack = await alice.socket?.timeout(5_000).emitWithAck('file:share', { fileId, event });
    expect(ack).toMatchObject({ ok: true });
    const got = await received;
    expect(got.fileId).toBe(fileId);
    expect(await bob.decrypt(got.message)).toEqual({ type: 'text', body: 'file: report.pdf' });
    expect((await messagesIn()).map((m) => m.messageId)).toContain(event.messageId);
  });

  it('gives concurrent attempts of one message on both instances one seq and one delivery', async () => {
    const aliceOnGw2 = io(gw2.url, { auth: { token: alice.token }, transports: ['websocket'], reconnection: false, forceNew: true }) as ClientSocket;
    await new Promise((resolve) => aliceOnGw2.once('connect', () => resolve(undefined)));
    await aliceOnGw2.timeout(5_000).emitWithAck('room:join', { roomId });
    const event = await alice.encrypt(roomId, 'exactly once');
    const deliveries = collectEvents(bob.socket, 'message:received', 800);
    const acks = await Promise.all([
      alice.socket?.timeout(5_000).emitWithAck('message:send', event),
      aliceOnGw2.timeout(5_000).emitWithAck('message:send', event),
      alice.socket?.timeout(5_000).emitWithAck('message:send', event),
    ]);
    expect(new Set(acks.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(acks[0]).toMatchObject({ ok: true });
    expect((await deliveries).filter((m) => m.messageId === event.messageId)).toHaveLength(1);
    expect((await messagesIn()).filter((m) => m.messageId === event.messageId)).toHaveLength(1);
    aliceOnGw2.disconnect();
  });

  it('refuses a message from a device that is not a live device of the sender (socket and REST)', async () => {
    const event = { ...(await alice.encrypt(roomId, 'from nowhere')), senderDeviceId: randomBytes(16).toString('base64url') };
    const ack = await alice.socket?.timeout(5_000).emitWithAck('message:send', event);
    expect(ack).toEqual({ ok: false, error: 'senderDeviceId is not a live device of yours' });
    const posted = await http(gw1.url, 'POST', API.roomMessages(roomId), event, alice.token);
    expect(posted.status).toBe(400);
    expect((await messagesIn()).map((m) => m.messageId)).not.toContain(event.messageId);
  });

  it('ends the sockets of a session that signs out, on every instance, telling them why', async () => {
    const dan = await TestClient.register(sys.endpoints, unique());
    const sockets = [await dan.connect(gw1.url), await dan.connect(gw2.url)];
    const told = Promise.all(sockets.map((s) => nextEvent(s, 'error')));
    const dropped = Promise.all(sockets.map((s) => new Promise((resolve) => s.once('disconnect', resolve))));
    const t0 = Date.now();
    expect((await dan.call('auth', 'POST', AUTH_API.logout, {})).status).toBeLessThan(300);
    expect(await told).toEqual([0, 1].map(() => ({ message: 'this session has ended; sign in again', reason: 'session-revoked' })));
    expect(await dropped).toEqual(['io server disconnect', 'io server disconnect']);
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('exposes Prometheus metrics: sockets, events in and out, ack latency, fan-out', async () => {
    const text = await (await fetch(`${gw1.url}/metrics`)).text();
    expect(text).toMatch(/^parley_gateway_connected_sockets [1-9]/m);
    expect(text).toMatch(/^parley_gateway_events_in_total\{event="message:send",outcome="ok"\} [1-9]/m);
    expect(text).toMatch(/^parley_gateway_events_in_total\{event="sync",outcome="error"\} [1-9]/m);
    expect(text).toMatch(/^parley_gateway_events_out_total\{event="message:received"\} [1-9]/m);
    expect(text).toMatch(/^parley_gateway_ack_seconds_bucket\{le="0.05",event="message:send"\} [1-9]/m);
    expect(text).toMatch(/^parley_gateway_fanout_local_sockets_count [1-9]/m);
  });

  it('serves its OpenAPI document at /api/messages/docs', async () => {
    const doc = (await (await fetch(`${gw2.url}/api/messages/docs-json`)).json()) as { paths: Record<string, object> };
    expect(Object.keys(doc.paths).sort()).toEqual(['/api/messages/{messageId}', '/api/rooms/{roomId}/messages']);
    expect((await fetch(`${gw2.url}/api/messages/docs`)).status).toBe(200);
  });

  describe('presence and membership', () => {
    let carol: TestClient;
    const tabs: ClientSocket[] = [];
    const openTab = async (gateway: RunningProcess) => {
      const socket = io(gateway.url, { auth: { token: carol.token }, transports: ['websocket'], reconnection: false, forceNew: true }) as ClientSocket;
      await new Promise((resolve, reject) => socket.once('connect', () => resolve(undefined)).once('connect_error', reject));
      tabs.push(socket);
      return socket;
    };

    beforeAll(async () => {
      carol = await TestClient.register(sys.endpoints, unique());
      await carol.connect(gw2.url); // connected before she is a member: she hears room:updated
    });
    afterAll(() => {
      carol?.close();
      for (const t of tabs) t.disconnect();
    });

    it('tells the room (user:joined, room:op, room:epoch) and the new member (room:updated) on every instance', async () => {
      const joined = nextEvent(bob.socket, 'user:joined');
      const op = nextEvent(alice.socket, 'room:op');
      const epoch = nextEvent(bob.socket, 'room:epoch');
      const updated = nextEvent(carol.socket, 'room:updated', (u) => u.reason === 'member-added');
      await alice.invite(roomId, carol.userId);
      expect(await joined).toEqual({ roomId, userId: carol.userId, by: alice.userId });
      expect(await op).toEqual({ roomId, kind: 'add', target: carol.userId, by: alice.userId });
      expect(await epoch).toMatchObject({ roomId, epoch: 3 });
      expect(await updated).toEqual({ roomId, reason: 'member-added' });
      carol.close();
      await sleep(1_200); // past the grace period: carol is offline
    });

    it('keeps a user online while any tab is open and announces offline after the grace period, on the other instance', async () => {
      const online = nextEvent(alice.socket, 'user:online', (u) => u.userId === carol.userId);
      await openTab(gw2);
      expect(await online).toEqual({ userId: carol.userId, status: 'online' });
      const repeats = collectEvents(alice.socket, 'user:online', 500);
      await openTab(gw2);
      await openTab(gw1);
      expect((await repeats).filter((u) => u.userId === carol.userId)).toEqual([]);
      const early = collectEvents(alice.socket, 'user:offline', 1_500);
      tabs[0].disconnect();
      tabs[2].disconnect();
      expect(await early).toEqual([]);
      const closedAt = Date.now();
      const offline = nextEvent(alice.socket, 'user:offline', (u) => u.userId === carol.userId, 5_000);
      tabs[1].disconnect();
      expect(await offline).toEqual({ userId: carol.userId });
      expect(Date.now() - closedAt).toBeGreaterThanOrEqual(700);
    });

    it('announces offline, from a surviving instance, a user whose only instance was killed (SIGKILL)', async () => {
      const gw3 = await sys.addGateway('gw3', ROOMY);
      const online = nextEvent(alice.socket, 'user:online', (u) => u.userId === carol.userId);
      await openTab(gw3);
      expect(await online).toEqual({ userId: carol.userId, status: 'online' });
      const offline = nextEvent(alice.socket, 'user:offline', (u) => u.userId === carol.userId, 15_000);
      const killedAt = Date.now();
      gw3.child.kill('SIGKILL');
      expect(await offline).toEqual({ userId: carol.userId });
      // PRESENCE_TTL_MS (3 s) + up to one heartbeat of a survivor (1 s), with room for a loaded machine.
      expect(Date.now() - killedAt).toBeGreaterThanOrEqual(2_000);
      expect(Date.now() - killedAt).toBeLessThan(10_000);
    }, 30_000);

    it('takes a removed member out of the room on both instances within a second', async () => {
      const [one, two] = [await openTab(gw1), await openTab(gw2)];
      for (const s of [one, two]) await s.timeout(5_000).emitWithAck('room:join', { roomId });
      const notified = Promise.all([one, two].map((s) => nextEvent(s, 'room:updated', (u) => u.reason === 'member-removed')));
      const left = nextEvent(bob.socket, 'user:left');
      // Alice signs a `remove` op; the rooms service appends it and publishes room.member.removed on the bus.
      const t0 = Date.now();
      const removing = alice.remove(roomId, carol.userId);
      await notified;
      expect(Date.now() - t0).toBeLessThan(1_000);
      await removing;
      expect(await left).toEqual({ roomId, userId: carol.userId, by: alice.userId });
      const after = Promise.all([one, two].map((s) => collectEvents(s, 'message:received', 500)));
      await alice.send(roomId, 'not for carol');
      expect((await after).flat()).toEqual([]);
      expect(await one.timeout(5_000).emitWithAck('sync', { roomId, after: 0 })).toMatchObject({ ok: false });
      // Both instances kept the room's members from carol's joins; the bus event made them forget.
      for (const s of [one, two]) {
        expect(await s.timeout(5_000).emitWithAck('room:join', { roomId }))
          .toEqual({ ok: false, error: 'you are not a member of this room' });
      }
    });
  });

  describe('limits', () => {
    let strict: RunningProcess[];
    const STRICT = {
      RATE_SOCKET_PER_SECOND: '5', RATE_SOCKET_PER_MINUTE: '1000', RATE_USER_PER_SECOND: '8',
      RATE_USER_PER_MINUTE: '1000', MAX_SOCKETS_PER_USER: '2', MAX_ROOMS_PER_SOCKET: '1',
    };
    const raw = async (client: TestClient, gateway: RunningProcess) => {
      const socket = io(gateway.url, { auth: { token: client.token }, transports: ['websocket'], reconnection: false, forceNew: true }) as ClientSocket;
      await new Promise((resolve, reject) => socket.once('connect', () => resolve(undefined)).once('connect_error', reject));
      return socket;
    };
    const oks = (acks: { ok: boolean }[]) => acks.filter((a) => a.ok).length;

    beforeAll(async () => {
      strict = await Promise.all([sys.addGateway('gw3', STRICT), sys.addGateway('gw4', STRICT)]);
    });

    it('refuses a payload over the envelope limit with a clear error and keeps the socket', async () => {
      const event = await alice.encrypt(roomId, 'x');
      const ack = await alice.socket?.timeout(5_000).emitWithAck('message:send', { ...event, ct: 'A'.repeat(70 * 1024) });
      expect(ack).toMatchObject({ ok: false, error: expect.stringContaining(`the limit is ${REALTIME_LIMITS.maxEventBytes}`) });
      expect(alice.socket?.connected).toBe(true);
    });

    it('limits events per socket (burst)', async () => {
      const dave = await TestClient.register(sys.endpoints, unique());
      const socket = await raw(dave, strict[0]);
      const acks = await Promise.all(Array.from({ length: 10 }, () => socket.timeout(5_000).emitWithAck('room:leave', { roomId })));
      expect(oks(acks)).toBe(5);
      const refusal = acks.find((a) => !a.ok);
      expect(refusal).toMatchObject({ error: expect.stringMatching(/^rate limit reached; retry in \d+ ms$/) });
      // The client learns when to try again from a number, not from the text.
      const retryAfterMs = (refusal as { retryAfterMs?: number }).retryAfterMs;
      expect(retryAfterMs).toBeGreaterThan(0);
      expect(retryAfterMs).toBeLessThanOrEqual(1_000);
      socket.disconnect();
    });

    it('limits events per user across instances (shared in Redis)', async () => {
      const erin = await TestClient.register(sys.endpoints, unique());
      const [a, b] = [await raw(erin, strict[0]), await raw(erin, strict[1])];
      const acks = await Promise.all([a, b].flatMap((s) => Array.from({ length: 5 }, () =>
        s.timeout(5_000).emitWithAck('room:leave', { roomId }))));
      expect(oks(acks)).toBe(8);
      a.disconnect();
      b.disconnect();
    });

    it('limits sends per user across instances in the claim itself: a refused send stores nothing, takes no seq', async () => {
      const gina = await TestClient.register(sys.endpoints, unique());
      const room = await gina.createRoom('limits');
      await gina.loadKeys(room);
      const [a, b] = [await raw(gina, strict[0]), await raw(gina, strict[1])];
      for (const s of [a, b]) expect(await s.timeout(5_000).emitWithAck('room:join', { roomId: room })).toMatchObject({ ok: true });
      await sleep(1_100); // the joins counted too: let their one-second windows end
      const events = await Promise.all(Array.from({ length: 10 }, () => gina.encrypt(room, 'hello')));
      const acks = await Promise.all(events.map((event, i) =>
        (i % 2 ? a : b).timeout(5_000).emitWithAck('message:send', event)));
      expect(oks(acks)).toBe(8);
      expect(acks.find((ack) => !ack.ok)).toMatchObject({ error: expect.stringMatching(/^rate limit reached; retry in \d+ ms$/) });
      const stored = (await gina.history(room, '?limit=100')).body.messages;
      expect(stored.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      a.disconnect();
      b.disconnect();
    });

    it('caps sockets per user across instances and rooms per socket', async () => {
      const fred = await TestClient.register(sys.endpoints, unique());
      const [first, second] = [await raw(fred, strict[0]), await raw(fred, strict[1])];
      await expect(raw(fred, strict[0])).rejects.toThrow('too many connections: at most 2 per user');
      const [r1, r2] = [await fred.createRoom('one'), await fred.createRoom('two')];
      expect(await first.timeout(5_000).emitWithAck('room:join', { roomId: r1 })).toMatchObject({ ok: true });
      expect(await first.timeout(5_000).emitWithAck('room:join', { roomId: r2 })).toEqual({ ok: false, error: 'a socket may join at most 1 rooms' });
      first.disconnect();
      second.disconnect();
    });

    it('tells a socket that its access token expired, then drops it', async () => {
      const token = await mintAccessToken(sys.secretsDir, { userId: alice.userId, username: alice.username, ttlSeconds: 2 });
      const socket = io(gw1.url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true }) as ClientSocket;
      const error = nextEvent(socket, 'error', undefined, 4_000);
      const dropped = new Promise<string>((resolve) => socket.once('disconnect', resolve));
      await new Promise((resolve) => socket.once('connect', () => resolve(undefined)));
      expect(await error).toEqual({ message: 'the access token expired; reconnect with a fresh one', reason: 'token-expired' });
      expect(await dropped).toBe('io server disconnect');
    });
  });

  describe('hostile payloads (fast-check)', () => {
    const events: (keyof ClientToServerEvents)[] = ['room:join', 'room:leave', 'message:send', 'message:delete',
      'message:read', 'file:share', 'typing:start', 'typing:stop', 'status:update', 'sync'];

    it('answers any payload of any event with a clean error ack; the socket and process stay up; nothing is stored', async () => {
      const before = (await messagesIn()).length;
      const payload = fc.oneof(
        fc.anything(),
        fc.record({ roomId: fc.oneof(fc.string(), fc.constant(roomId), fc.integer()), after: fc.anything(),
          seq: fc.anything(), messageId: fc.anything(), status: fc.anything(), fileId: fc.anything(), event: fc.anything() },
        { requiredKeys: [] }),
      );
      await fc.assert(fc.asyncProperty(fc.constantFrom(...events), payload, async (event, body) => {
        const ack = (await alice.socket?.timeout(5_000).emitWithAck(event as 'sync', body as never)) as
          { ok: boolean; error?: string };
        if (ack.ok) return; // e.g. room:leave or status:update with a payload that happens to be valid
        expect(typeof ack.error).toBe('string');
        expect(ack.error).not.toMatch(/internal error/);
      }), { numRuns: 300 });
      expect(alice.socket?.connected).toBe(true);
      expect((await messagesIn()).length).toBe(before);
      for (const g of [gw1, gw2]) expect((await fetch(`${g.url}/health`)).status).toBe(200);
      // Presence may have changed through a valid status:update; reset it for the tests that follow.
      await alice.socket?.timeout(5_000).emitWithAck('status:update', { status: 'online' });
    });

    it('answers any REST body with a 4xx and stores nothing', async () => {
      const before = (await messagesIn()).length;
      await fc.assert(fc.asyncProperty(fc.anything(), async (body) => {
        const res = await http(gw2.url, 'POST', API.roomMessages(roomId), body ?? {}, alice.token);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }), { numRuns: 100 });
      const del = await http(gw2.url, 'DELETE', '/api/messages/%00%ff', undefined, alice.token);
      expect(del.status).toBe(400);
      expect((await http(gw2.url, 'DELETE', '/api/messages/not-an-id', undefined, alice.token)).status).toBe(404);
      expect((await messagesIn()).length).toBe(before);
    });
  });
});
