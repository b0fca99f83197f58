import type { CoreConfig, RedisConnections } from '@parley/server/core';
import { MessagingConfig } from './messaging.config';
import { PresenceStore } from './presence.store';
import { RateLimits } from './rate-limits';

/** The in-memory side (one process, no Redis); the Redis side runs in the integration tests. */
const noRedis = { enabled: false } as unknown as RedisConnections;
const core = { INSTANCE_ID: 'test' } as CoreConfig;

describe('RateLimits in memory', () => {
  const config = Object.assign(new MessagingConfig(), {
    RATE_SOCKET_PER_SECOND: 3, RATE_SOCKET_PER_MINUTE: 100, RATE_USER_PER_SECOND: 5, RATE_USER_PER_MINUTE: 100,
  });

  it('lets a burst through up to the per-socket limit, then says when to retry', async () => {
    const limits = new RateLimits(noRedis, config);
    const verdicts = [];
    for (let i = 0; i < 5; i++) verdicts.push(await limits.consume('s1', 'u1'));
    expect(verdicts.filter((v) => v.ok)).toHaveLength(3);
    expect(verdicts[4]).toMatchObject({ ok: false, retryAfterMs: expect.any(Number) });
  });

  it('counts every socket of a user against the per-user limit', async () => {
    const limits = new RateLimits(noRedis, config);
    const verdicts = [];
    for (const socket of ['a', 'b', 'c']) for (let i = 0; i < 3; i++) verdicts.push(await limits.consume(socket, 'u2'));
    expect(verdicts.filter((v) => v.ok)).toHaveLength(5);
  });
});

describe('PresenceStore in memory', () => {
  it('counts sockets per user and remembers what others were told', async () => {
    const store = new PresenceStore(noRedis, core);
    expect(await store.add('u', 's1')).toBe(1);
    expect(await store.add('u', 's2')).toBe(2);
    expect(await store.remove('u', 's1')).toBe(1);
    expect(await store.announce('u', 'online')).toBeUndefined();
    expect(await store.announce('u', 'online')).toBe('online');
    expect(await store.remove('u', 's2')).toBe(0);
    expect(await store.announce('u', 'offline')).toBe('online');
  });

  it('reports who is online with their status', async () => {
    const store = new PresenceStore(noRedis, core);
    await store.add('a', 's1');
    await store.add('b', 's2');
    await store.setStatus('b', { status: 'busy', text: 'away from desk' });
    const online = await store.online(['a', 'b', 'c']);
    expect([...online]).toEqual([['a', { status: 'online' }], ['b', { status: 'busy', text: 'away from desk' }]]);
  });
});
