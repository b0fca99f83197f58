import { HttpException, HttpStatus, Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { createHash } from 'node:crypto';
import { CORE_CONFIG, type CoreConfig, RedisConnections } from '@parley/server/core';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';

/** How long failures are remembered: a guesser cannot wait the backoff out within a day. */
const FAILURE_WINDOW_S = 24 * 3600;
/** Points far above any count: the failure counter never blocks by itself, the lock below does. */
const UNLIMITED = 1_000_000_000;

/** The wait after the n-th failure: nothing for the free ones, then 1 s, 2 s, 4 s … up to the cap. */
export function backoffSeconds(failures: number, free: number, maxSeconds: number): number {
  if (failures <= free) return 0;
  return Math.min(maxSeconds, 2 ** Math.min(30, failures - free - 1));
}

/** Who is being backed off: the account (username or signed-in user) and the client's address. */
export interface BackoffSubject {
  account: string;
  ip: string;
}

/**
 * Exponential backoff on failed password proofs (login, password change, recovery), per account and per IP
 * address, shared by every auth instance through Redis (in memory in the one-process mode). It comes on top of
 * the flat per-minute and per-hour limits of auth-throttling.ts: those cap the rate, this makes each further
 * failure double the wait, so a guesser's attempts per day shrink to a few dozen while a person who mistypes
 * twice never notices. A success clears the account's count (not the IP's, which may be shared by a guesser).
 *
 * Trade-off: a per-account lock can be triggered by someone else. The cap (15 min by default) bounds that, and
 * the per-IP count lets a shared office address fail many more times before it waits.
 */
@Injectable()
export class LoginBackoff {
  private readonly failures: RateLimiterAbstract;
  private readonly locks: RateLimiterAbstract;

  constructor(
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    @Inject(CORE_CONFIG) core: CoreConfig,
    redis: RedisConnections,
  ) {
    const make = (name: string, points: number, duration: number): RateLimiterAbstract => {
      const keyPrefix = `parley:backoff:${core.TABLE_PREFIX}${name}`;
      if (!redis.enabled) return new RateLimiterMemory({ keyPrefix, points, duration });
      // No insurance limiter: while Redis is down the throttler in front already answers 503 (fail closed).
      return new RateLimiterRedis({ storeClient: redis.connect(`backoff-${name}`), keyPrefix, points, duration,
        rejectIfRedisNotReady: true });
    };
    this.failures = make('failures', UNLIMITED, FAILURE_WINDOW_S);
    this.locks = make('locks', 1, FAILURE_WINDOW_S);
  }

  /** Throws a 429 with the seconds left when the account or the address is still waiting. */
  async assertAllowed(subject: BackoffSubject): Promise<void> {
    const states = await this.guard(Promise.all(this.keys(subject).map((k) => this.locks.get(k.key))));
    const waitMs = Math.max(0, ...states.map((s) => (s && s.consumedPoints > 1 ? s.msBeforeNext : 0)));
    if (waitMs > 0) throw backoffException(Math.ceil(waitMs / 1000));
  }

  /** Counts a failed proof; past the free ones, the account or address waits twice as long as the last time. */
  async recordFailure(subject: BackoffSubject): Promise<void> {
    await this.guard(Promise.all(this.keys(subject).map(async ({ key, free }) => {
      const count = (await this.failures.penalty(key, 1)).consumedPoints;
      const seconds = backoffSeconds(count, free, this.config.LOGIN_BACKOFF_MAX_SECONDS);
      if (seconds > 0) await this.locks.block(key, seconds);
    })));
  }

  /** A correct proof: the account starts over. */
  async recordSuccess(subject: BackoffSubject): Promise<void> {
    const key = this.keys(subject)[0].key;
    await this.guard(Promise.all([this.failures.delete(key), this.locks.delete(key)]));
  }

  private keys(subject: BackoffSubject): { key: string; free: number }[] {
    // Hashed: Redis keys should not list who tried to log in from where.
    const hash = (value: string) => createHash('sha256').update(value).digest('base64url');
    const keys = [{ key: `account:${hash(subject.account)}`, free: this.config.LOGIN_BACKOFF_FREE_FAILURES }];
    if (subject.ip) keys.push({ key: `ip:${hash(subject.ip)}`, free: this.config.LOGIN_BACKOFF_FREE_FAILURES_PER_IP });
    return keys;
  }

  /** Store errors become a 503 (fail closed, like the throttler); a 429 passes through. */
  private async guard<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (err) {
      if (err instanceof HttpException) throw err;
      if (err instanceof RateLimiterRes) throw backoffException(Math.ceil(err.msBeforeNext / 1000));
      throw Object.assign(new ServiceUnavailableException('rate limiting is unavailable; try again in a few seconds'),
        { retryAfter: 5 });
    }
  }
}

/** A 429 that says how long to wait, in words and in `retryAfter` (the interceptor sets the header from it). */
export function backoffException(seconds: number): HttpException {
  const s = Math.max(1, seconds);
  return Object.assign(new HttpException({ statusCode: HttpStatus.TOO_MANY_REQUESTS, error: 'Too Many Requests',
    message: `too many failed attempts; try again in ${s} second${s === 1 ? '' : 's'}` }, HttpStatus.TOO_MANY_REQUESTS),
  { retryAfter: s });
}
