import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { RedisConnections } from '@parley/server/core';
import { MESSAGING_CONFIG, type MessagingConfig } from './messaging.config';

export type RateVerdict = { ok: true } | { ok: false; retryAfterMs: number };

/** A send refused by the user's budget inside the claim script (see SeqAllocator.claim). */
export class OverBudgetError extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`rate limit reached; retry in ${retryAfterMs} ms`);
  }
}

/** The windows of a user's budget: a burst per second and a sustained rate per minute. */
const WINDOWS_MS = [1_000, 60_000] as const;

/**
 * Lua: takes one event from each of a user's windows (fixed windows, counted even when refused, as
 * rate-limiter-flexible counts) and returns 0, or the ms until the fullest refusing window ends. One definition,
 * in the script that only charges and in the send's claim script, which charges and claims in one round trip.
 */
export const TAKE_FROM_USER_BUDGET_LUA = `
local function takeFromUserBudget(keys, points, windowsMs)
  local wait = 0
  for i = 1, #keys do
    local used = redis.call('INCR', keys[i])
    local ttl = redis.call('PTTL', keys[i])
    if ttl < 0 then
      redis.call('PEXPIRE', keys[i], windowsMs[i])
      ttl = windowsMs[i]
    end
    if used > points[i] and ttl > wait then wait = ttl end
  end
  return wait
end
`;

const TAKE_SCRIPT = `${TAKE_FROM_USER_BUDGET_LUA}
return takeFromUserBudget(KEYS, {tonumber(ARGV[1]), tonumber(ARGV[2])}, {tonumber(ARGV[3]), tonumber(ARGV[4])})
`;

/**
 * What a script needs to take one event from a user's budget in Redis: KEYS (the windows' counters) and ARGV
 * (their sizes, then their lengths in ms). `taken` is set once a script has taken it.
 */
export interface UserCharge {
  readonly keys: readonly [string, string];
  readonly args: readonly [number, number, number, number];
  taken: boolean;
}

interface BudgetRedis extends Redis {
  parleyTakeBudget(burstKey: string, sustainedKey: string, ...args: number[]): Promise<number>;
}

/**
 * Event rate limits, burst (per second) and sustained (per minute).
 * - Per socket: in memory (`rate-limiter-flexible`). A socket lives on one instance: nothing to share, no round trip.
 * - Per user: in Redis, so a user cannot multiply the budget by opening sockets on several instances. Our own
 *   script rather than the library's RateLimiterRedis, because a send takes its event inside the claim script
 *   (`chargeForClaim`): the limit stays exact across instances and costs no round trip of its own on the path
 *   every message takes (tools/bench measured that round trip at about 0.3 ms of every delivery). While Redis is
 *   unreachable, and in one process without Redis, an in-memory limiter per instance takes over.
 */
@Injectable()
export class RateLimits {
  private readonly socketBurst: RateLimiterAbstract;
  private readonly socketSustained: RateLimiterAbstract;
  private readonly userBurst: RateLimiterAbstract;
  private readonly userSustained: RateLimiterAbstract;
  private readonly redis?: BudgetRedis;
  private readonly points: [number, number];

  constructor(redis: RedisConnections, @Inject(MESSAGING_CONFIG) config: MessagingConfig) {
    this.socketBurst = new RateLimiterMemory({ points: config.RATE_SOCKET_PER_SECOND, duration: 1 });
    this.socketSustained = new RateLimiterMemory({ points: config.RATE_SOCKET_PER_MINUTE, duration: 60 });
    this.userBurst = new RateLimiterMemory({ points: config.RATE_USER_PER_SECOND, duration: 1 });
    this.userSustained = new RateLimiterMemory({ points: config.RATE_USER_PER_MINUTE, duration: 60 });
    this.points = [config.RATE_USER_PER_SECOND, config.RATE_USER_PER_MINUTE];
    if (redis.enabled) {
      // No offline queue: while Redis is away, events are limited in memory at once instead of waiting for it.
      // Auto-pipelined: the charges of events that arrive in one tick leave in one write.
      const connection = redis.connect('rate', { enableAutoPipelining: true, enableOfflineQueue: false });
      connection.defineCommand('parleyTakeBudget', { numberOfKeys: 2, lua: TAKE_SCRIPT });
      this.redis = connection as BudgetRedis;
    }
  }

  /** Takes one event from every budget of this socket and user. */
  async consume(socketId: string, userId: string): Promise<RateVerdict> {
    const verdicts = await Promise.all([this.consumeSocket(socketId), this.consumeUser(userId)]);
    const waits = verdicts.map((v) => (v.ok ? 0 : v.retryAfterMs));
    return Math.max(...waits) > 0 ? { ok: false, retryAfterMs: Math.max(...waits) } : { ok: true };
  }

  /** Takes one event from the socket's budgets only: its user's is charged by `chargeForClaim`'s script. */
  consumeSocket(socketId: string): Promise<RateVerdict> {
    return verdictOf([this.socketBurst.consume(socketId), this.socketSustained.consume(socketId)]);
  }

  /** Takes one event from the user's budget now (also for a send refused before its claim). */
  async consumeUser(userId: string): Promise<RateVerdict> {
    const charge = this.chargeForClaim(userId);
    if (this.redis && charge) {
      try {
        const wait = await this.redis.parleyTakeBudget(...charge.keys, ...charge.args);
        return wait > 0 ? { ok: false, retryAfterMs: wait } : { ok: true };
      } catch {
        // Redis is unreachable: the in-memory limiter of this instance counts instead.
      }
    }
    return verdictOf([this.userBurst.consume(userId), this.userSustained.consume(userId)]);
  }

  /**
   * The user's charge for a claim script to take (SeqAllocator), or undefined without Redis (the caller then
   * charges through `consumeUser`).
   */
  chargeForClaim(userId: string): UserCharge | undefined {
    if (!this.redis) return undefined;
    return {
      keys: [`parley:rate:user-s:${userId}`, `parley:rate:user-m:${userId}`],
      args: [...this.points, ...WINDOWS_MS], taken: false,
    };
  }

  /** Forgets a closed socket's budgets (memory only). */
  async forget(socketId: string): Promise<void> {
    await Promise.allSettled([this.socketBurst.delete(socketId), this.socketSustained.delete(socketId)]);
  }
}

/** Refused when any limiter refuses, with the longest wait; a limiter that fails (not a refusal) lets it pass. */
async function verdictOf(consumptions: Promise<RateLimiterRes>[]): Promise<RateVerdict> {
  let retryAfterMs = 0;
  for (const result of await Promise.allSettled(consumptions)) {
    if (result.status === 'rejected' && result.reason instanceof RateLimiterRes) {
      retryAfterMs = Math.max(retryAfterMs, result.reason.msBeforeNext);
    }
  }
  return retryAfterMs > 0 ? { ok: false, retryAfterMs } : { ok: true };
}
