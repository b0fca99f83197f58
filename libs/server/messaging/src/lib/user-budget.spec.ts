import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { type CoreConfig, RedisConnections } from '@parley/server/core';
import type { MessageRepository } from './message.repository';
import { MessagingConfig } from './messaging.config';
import { OverBudgetError, RateLimits } from './rate-limits';
import { SeqAllocator } from './seq-allocator';

/**
 * A user's budget in Redis, shared by the plain charge (every event) and the send's claim script (one round trip
 * for both). Against the Redis the tests run with (127.0.0.1:6379, started by .ci/run); two RedisConnections stand
 * for two gateway instances.
 */
const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

describe('the per-user budget in Redis', () => {
  const instances: RedisConnections[] = [];
  const opened: Redis[] = [];
  const instance = () => {
    const redis = new RedisConnections({ REDIS_URL: url, INSTANCE_ID: `test-${instances.length}` } as CoreConfig);
    const connect = redis.connect.bind(redis);
    redis.connect = (...args) => {
      const connection = connect(...args);
      opened.push(connection);
      return connection;
    };
    instances.push(redis);
    return redis;
  };
  /** Until its connection is ready, an instance limits in memory (as while Redis is away): not what is tested here. */
  const ready = () => Promise.all(opened.map((c) => (c.status === 'ready' ? undefined : once(c, 'ready'))));
  const config = (perSecond: number) => Object.assign(new MessagingConfig(),
    { RATE_USER_PER_SECOND: perSecond, RATE_USER_PER_MINUTE: 1_000 });
  const noMessages = { highestSeq: async () => 0 } as unknown as MessageRepository;
  const ok = (verdicts: { ok: boolean }[]) => verdicts.filter((v) => v.ok).length;
  afterAll(() => Promise.all(instances.map((i) => i.onApplicationShutdown())));

  it('is exact across instances, and says when to retry', async () => {
    const [one, two] = [new RateLimits(instance(), config(8)), new RateLimits(instance(), config(8))];
    await ready();
    const user = randomUUID();
    const verdicts = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).consumeUser(user)));
    expect(ok(verdicts)).toBe(8);
    const refusal = verdicts.find((v) => !v.ok) as { retryAfterMs: number };
    expect(refusal.retryAfterMs).toBeGreaterThan(0);
    expect(refusal.retryAfterMs).toBeLessThanOrEqual(1_000);
  });

  it('is charged by the claim script: a refused send claims no seq and leaves the room as it was', async () => {
    const redis = instance();
    const [limits, seqs] = [new RateLimits(redis, config(3)), new SeqAllocator(redis, noMessages)];
    await ready();
    const [user, room] = [randomUUID(), randomUUID()];
    await limits.consumeUser(user); // another event of the user (say room:leave) shares the budget
    const claims = await Promise.allSettled(['m1', 'm2', 'm3', 'm4'].map((messageId) =>
      seqs.claim(room, messageId, user, { charge: limits.chargeForClaim(user) })));

    const claimed = claims.flatMap((c) => (c.status === 'fulfilled' ? [c.value.seq] : []));
    expect(claimed.sort()).toEqual([1, 2]); // the room's first claim seeded its counter without charging twice
    const refused = claims.flatMap((c) => (c.status === 'rejected' ? [c.reason] : []));
    expect(refused).toHaveLength(2);
    expect(refused[0]).toBeInstanceOf(OverBudgetError);
    expect((refused[0] as OverBudgetError).retryAfterMs).toBeGreaterThan(0);
    expect((await seqs.activity(room)).lastSeq).toBe(2);
    const unclaimed = ['m1', 'm2', 'm3', 'm4'].filter((_, i) => claims[i].status === 'rejected');
    for (const messageId of unclaimed) expect(await seqs.lookup(room, messageId)).toBeUndefined();
  });

  it('takes a charge once, also when the claim answers an earlier attempt', async () => {
    const redis = instance();
    const [limits, seqs] = [new RateLimits(redis, config(3)), new SeqAllocator(redis, noMessages)];
    await ready();
    const [user, room] = [randomUUID(), randomUUID()];
    const charge = limits.chargeForClaim(user);
    const first = await seqs.claim(room, 'm1', user, { charge });
    expect(charge?.taken).toBe(true);
    expect(await seqs.claim(room, 'm1', user, { charge })).toMatchObject({ seq: first.seq, fresh: false });
    const retry = limits.chargeForClaim(user); // a resend is an event of its own
    expect(await seqs.claim(room, 'm1', user, { charge: retry })).toMatchObject({ seq: first.seq, fresh: false });
    expect(ok([await limits.consumeUser(user), await limits.consumeUser(user)])).toBe(1); // 3 taken: m1, retry, this
  });
});
