import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { BusEvents } from '@parley/shared/contracts';
import { Bus } from '../bus/bus';
import { RedisConnections } from '../redis/redis-connections';

export type SessionRevoked = BusEvents['auth.session.revoked'];
const KEY = 'parley:auth:revoked-sessions';
const RESYNC_MS = 30_000;

/**
 * Sessions whose access tokens must be refused before they expire (logout, revoke, refresh-token reuse).
 * The check is a local map lookup, so verifying a token costs no network call. Every instance learns of a
 * revocation from the bus at once; Redis also keeps the list (a sorted set scored by the tokens' latest expiry),
 * so an instance that starts later, or missed a message while disconnected, loads it on start, on reconnect and
 * every 30 s. Entries live only as long as the longest access token could: 15 minutes.
 * One-process mode (no Redis): the in-memory bus reaches everyone there is.
 */
@Injectable()
export class SessionDenylist implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SessionDenylist.name);
  private readonly revoked = new Map<string, number>();
  private readonly listeners: ((event: SessionRevoked) => void)[] = [];
  private readonly redis?: Redis;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly bus: Bus,
    redis: RedisConnections,
  ) {
    this.redis = redis.enabled ? redis.connect('session-denylist') : undefined;
  }

  async onModuleInit(): Promise<void> {
    await this.bus.subscribe('auth.session.revoked', (event) => this.remember(event));
    if (!this.redis) return;
    this.redis.on('ready', () => void this.sync());
    await this.sync();
    this.timer = setInterval(() => void this.sync(), RESYNC_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  isRevoked(sessionId: string): boolean {
    const until = this.revoked.get(sessionId);
    return until !== undefined && until > Date.now();
  }

  /** For gateways: called once per revocation on every instance (drop that session's sockets). */
  onRevoked(listener: (event: SessionRevoked) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Revokes sessions everywhere: here at once, in Redis for instances that start later, on the bus for the rest.
   * Throws when Redis is unreachable; the caller has already ended the sessions in its database.
   */
  async revoke(event: SessionRevoked): Promise<void> {
    if (event.sessionIds.length === 0) return;
    this.remember(event);
    if (this.redis) {
      await this.redis.zadd(KEY, ...event.sessionIds.flatMap((id) => [event.until, id]));
      await this.redis.zremrangebyscore(KEY, '-inf', Date.now());
    }
    await this.bus.publish('auth.session.revoked', event);
  }

  private remember(event: SessionRevoked): void {
    const fresh = event.sessionIds.filter((id) => !this.isRevoked(id));
    for (const id of event.sessionIds) this.revoked.set(id, Math.max(event.until, this.revoked.get(id) ?? 0));
    if (fresh.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener({ ...event, sessionIds: fresh });
      } catch (err) {
        this.logger.error({ err }, 'session revocation listener failed');
      }
    }
  }

  private async sync(): Promise<void> {
    if (!this.redis) return;
    try {
      const now = Date.now();
      const entries = await this.redis.zrangebyscore(KEY, now, '+inf', 'WITHSCORES');
      for (const [id, until] of this.revoked) if (until <= now) this.revoked.delete(id);
      const sessionIds: string[] = [];
      let until = 0;
      for (let i = 0; i < entries.length; i += 2) {
        const [id, score] = [entries[i], Number(entries[i + 1])];
        if (!this.isRevoked(id)) sessionIds.push(id);
        this.revoked.set(id, Math.max(score, this.revoked.get(id) ?? 0));
        until = Math.max(until, score);
      }
      // Known now but perhaps missed on the bus: tell local listeners too (userId unknown here).
      if (sessionIds.length > 0) {
        for (const listener of this.listeners) listener({ userId: '', sessionIds, until });
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not load revoked sessions from Redis');
    }
  }
}
