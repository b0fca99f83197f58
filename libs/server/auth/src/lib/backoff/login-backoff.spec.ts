import { HttpException, HttpStatus } from '@nestjs/common';
import type { CoreConfig, RedisConnections } from '@parley/server/core';
import { AuthConfig } from '../auth.config';
import { backoffSeconds, LoginBackoff } from './login-backoff';

describe('backoffSeconds', () => {
  it('is free up to the free failures, then doubles from 1 s and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => backoffSeconds(n, 3, 60))).toEqual([0, 0, 0, 1, 2, 4, 8, 16, 32, 60]);
    expect(backoffSeconds(10_000, 5, 900)).toBe(900);
  });
});

describe('LoginBackoff (in memory, as in the one-process mode)', () => {
  const make = () => {
    const config = Object.assign(new AuthConfig(), { LOGIN_BACKOFF_FREE_FAILURES: 2, LOGIN_BACKOFF_FREE_FAILURES_PER_IP: 4,
      LOGIN_BACKOFF_MAX_SECONDS: 900 });
    const redis = { enabled: false } as RedisConnections;
    return new LoginBackoff(config, { TABLE_PREFIX: `t${Math.random()}-` } as CoreConfig, redis);
  };
  const refusal = async (work: Promise<void>) => {
    try {
      await work;
      return undefined;
    } catch (err) {
      expect(err).toBeInstanceOf(HttpException);
      expect((err as HttpException).getStatus()).toBe(HttpStatus.TOO_MANY_REQUESTS);
      return err as HttpException & { retryAfter: number };
    }
  };

  it('lets the free failures pass, then refuses with the wait in words and in retryAfter', async () => {
    const backoff = make();
    const alice = { account: 'alice', ip: '192.0.2.1' };
    for (let i = 0; i < 2; i++) {
      expect(await refusal(backoff.assertAllowed(alice))).toBeUndefined();
      await backoff.recordFailure(alice);
    }
    expect(await refusal(backoff.assertAllowed(alice))).toBeUndefined();
    await backoff.recordFailure(alice);
    const refused = await refusal(backoff.assertAllowed(alice));
    expect(refused?.retryAfter).toBe(1);
    expect(refused?.message).toBe('too many failed attempts; try again in 1 second');
    // Another account from another address is not affected.
    expect(await refusal(backoff.assertAllowed({ account: 'bob', ip: '192.0.2.2' }))).toBeUndefined();
  });

  it('doubles the wait with each further failure', async () => {
    const backoff = make();
    const alice = { account: 'alice', ip: '' };
    for (let i = 0; i < 5; i++) await backoff.recordFailure(alice);
    expect((await refusal(backoff.assertAllowed(alice)))?.retryAfter).toBe(4);
  });

  it('clears the account on success, but not the address a guesser may share', async () => {
    const backoff = make();
    for (let i = 0; i < 5; i++) await backoff.recordFailure({ account: `guess${i}`, ip: '192.0.2.9' });
    const fromThatIp = { account: 'carol', ip: '192.0.2.9' };
    expect((await refusal(backoff.assertAllowed(fromThatIp)))?.retryAfter).toBe(1);
    for (let i = 0; i < 3; i++) await backoff.recordFailure({ account: 'dave', ip: '' });
    await backoff.recordSuccess({ account: 'dave', ip: '' });
    expect(await refusal(backoff.assertAllowed({ account: 'dave', ip: '' }))).toBeUndefined();
    expect(await refusal(backoff.assertAllowed(fromThatIp))).toBeDefined();
  });
});
