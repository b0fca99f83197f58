import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { RedisConnections } from '@parley/server/core';
import { MESSAGING_CONFIG, type MessagingConfig } from './messaging.config';

export type RateVerdict = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * Event rate limits, burst (per second) and sustained (per minute), with `rate-limiter-flexible`.
 * - Per socket: in memory. A socket lives on one instance, so there is nothing to share and no round trip.
 * - Per user: in Redis, so a user cannot multiply the budget by opening sockets on several instances; an
 *   in-memory insurance limiter takes over while Redis is unreachable (limits stay on, per instance). In
 *   memory in one process. Both user limiters share one auto-pipelined connection: their two commands, issued
 *   in the same tick, leave in one write and come back in one read.
 */
@Injectable()
export class RateLimits {
  private readonly socketBurst: RateLimiterAbstract;
  private readonly socketSustained: RateLimiterAbstract;
  private readonly userBurst: RateLimiterAbstract;
  private readonly userSustained: RateLimiterAbstract;

  constructor(redis: RedisConnections, @Inject(MESSAGING_CONFIG) config: MessagingConfig) {
    this.socketBurst = new RateLimiterMemory({ points: config.RATE_SOCKET_PER_SECOND, duration: 1 });
    this.socketSustained = new RateLimiterMemory({ points: config.RATE_SOCKET_PER_MINUTE, duration: 60 });
    const store = redis.enabled ? redis.connect('rate', { enableAutoPipelining: true }) : undefined;
    const shared = (points: number, duration: number, name: string): RateLimiterAbstract => {
      const memory = new RateLimiterMemory({ points, duration });
      if (!store) return memory;
      return new RateLimiterRedis({
        storeClient: store, points, duration, keyPrefix: `parley:rate:${name}`,
        rejectIfRedisNotReady: true, insuranceLimiter: memory,
      });
    };
    this.userBurst = shared(config.RATE_USER_PER_SECOND, 1, 'user-s');
    this.userSustained = shared(config.RATE_USER_PER_MINUTE, 60, 'user-m');
  }

  /** Takes one event from every budget of this socket and user. */
  async consume(socketId: string, userId: string): Promise<RateVerdict> {
    const results = await Promise.allSettled([
      this.socketBurst.consume(socketId), this.socketSustained.consume(socketId),
      this.userBurst.consume(userId), this.userSustained.consume(userId),
    ]);
    let retryAfterMs = 0;
    for (const result of results) {
      if (result.status === 'fulfilled') continue;
      // A rejection is either a RateLimiterRes (over the limit) or an Error (store failure: let the event pass).
      if (result.reason instanceof RateLimiterRes) retryAfterMs = Math.max(retryAfterMs, result.reason.msBeforeNext);
    }
    return retryAfterMs > 0 ? { ok: false, retryAfterMs } : { ok: true };
  }

  /** Forgets a closed socket's budgets (memory only). */
  async forget(socketId: string): Promise<void> {
    await Promise.allSettled([this.socketBurst.delete(socketId), this.socketSustained.delete(socketId)]);
  }
}
