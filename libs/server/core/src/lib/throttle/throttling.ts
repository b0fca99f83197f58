import { type ExecutionContext, HttpException, HttpStatus, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import {
  ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerStorage, ThrottlerStorageService,
} from '@nestjs/throttler';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import type { CoreConfig } from '../config/core.config';
import type { RedisConnections } from '../redis/redis-connections';

type ThrottlerRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** How long a throttled route waits for Redis before refusing the request. */
const REDIS_TIMEOUT_MS = 1_000;
const RETRY_AFTER_UNAVAILABLE_S = 5;

/**
 * Rate-limit counters in Redis, so a limit reached on one instance holds on every other. Fails closed: while
 * Redis is unreachable (or slower than a second) a throttled route answers 503 with `Retry-After` instead of
 * running unlimited — a password-guessing run must not get faster because Redis fell over.
 */
export class FailClosedRedisStorage implements ThrottlerStorage {
  private readonly inner: ThrottlerStorageRedisService;

  constructor(private readonly redis: Redis) {
    this.inner = new ThrottlerStorageRedisService(redis);
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, name: string): Promise<ThrottlerRecord> {
    if (this.redis.status !== 'ready') throw unavailable();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(unavailable()), REDIS_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.inner.increment(key, ttl, limit, blockDuration, name), timeout]);
    } catch (err) {
      throw err instanceof HttpException ? err : unavailable();
    } finally {
      clearTimeout(timer);
    }
  }
}

function unavailable(): ServiceUnavailableException {
  const error = new ServiceUnavailableException('rate limiting is unavailable; try again in a few seconds');
  (error as ServiceUnavailableException & { retryAfter?: number }).retryAfter = RETRY_AFTER_UNAVAILABLE_S;
  return error;
}

/** Redis-backed storage when the service has Redis; in memory in the one-process mode. */
export function throttlerStorage(redis: RedisConnections): ThrottlerStorage {
  return redis.enabled ? new FailClosedRedisStorage(redis.connect('throttler')) : new ThrottlerStorageService();
}

/**
 * Storage keys: per route, throttler and tracker, namespaced by the deployment's table prefix so that two
 * deployments (or two test runs) sharing one Redis never share counters. The tracker (an IP, a username) is hashed.
 */
export function throttlerKey(config: CoreConfig) {
  return (context: ExecutionContext, tracker: string, throttlerName: string): string =>
    `parley:throttle:${config.TABLE_PREFIX}${createHash('sha256')
      .update(`${context.getClass().name}.${context.getHandler().name}.${throttlerName}.${tracker}`).digest('base64url')}`;
}

/** The username in a JSON body, case-folded, as a tracker for per-account limits ('' when there is none). */
export function usernameTracker(req: Record<string, unknown>): string {
  const username = (req['body'] as { username?: unknown } | undefined)?.username;
  return typeof username === 'string' ? username.trim().toLowerCase().slice(0, 64) : '';
}

/**
 * The throttler guard with a clear 429: `Retry-After` in seconds (the standard header, whichever throttler
 * tripped) and a message a person can act on. A 503 from the storage (Redis down) carries `Retry-After` too.
 */
@Injectable()
export class ParleyThrottlerGuard extends ThrottlerGuard {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    try {
      return await super.canActivate(context);
    } catch (err) {
      const retryAfter = (err as { retryAfter?: number }).retryAfter;
      if (retryAfter !== undefined) context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(retryAfter));
      throw err;
    }
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const seconds = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(seconds));
    throw new HttpException(
      { statusCode: HttpStatus.TOO_MANY_REQUESTS, error: 'Too Many Requests',
        message: `too many attempts; try again in ${seconds} seconds` },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
