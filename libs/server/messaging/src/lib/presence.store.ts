import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { CORE_CONFIG, type CoreConfig, RedisConnections } from '@parley/server/core';
import type { PresenceStatus } from '@parley/shared/contracts';

/** A socket's entry lives this long without a heartbeat: how long a crashed instance's users still count. */
export const PRESENCE_ENTRY_TTL_MS = 60_000;
export const PRESENCE_HEARTBEAT_MS = 20_000;

export interface StoredStatus {
  status: PresenceStatus;
  text?: string;
}

/**
 * Who is connected, across instances: one sorted set per user of `instance/socketId`, scored by expiry and
 * refreshed by each instance's heartbeat, so that an instance that dies (SIGKILL) stops counting within a minute
 * instead of leaving its users online forever. `announced` remembers what others were last told (online or
 * offline) so that two instances never announce the same change twice. In memory without Redis.
 */
@Injectable()
export class PresenceStore implements OnApplicationShutdown {
  private readonly redis?: Redis;
  private readonly instance: string;
  private readonly local = new Map<string, Map<string, number>>();
  private readonly announcedLocal = new Map<string, 'online' | 'offline'>();
  private readonly statusLocal = new Map<string, StoredStatus>();

  constructor(redis: RedisConnections, @Inject(CORE_CONFIG) config: CoreConfig) {
    this.redis = redis.enabled ? redis.connect('presence') : undefined;
    this.instance = `${config.INSTANCE_ID}-${process.pid}`;
  }

  /** Adds a socket; returns how many live sockets the user has now, on every instance. */
  async add(userId: string, socketId: string): Promise<number> {
    const now = Date.now();
    if (!this.redis) {
      const sockets = this.local.get(userId) ?? new Map<string, number>();
      sockets.set(socketId, Number.MAX_SAFE_INTEGER);
      this.local.set(userId, sockets);
      return sockets.size;
    }
    const key = presenceKey(userId);
    const result = await this.redis.multi()
      .zremrangebyscore(key, '-inf', now)
      .zadd(key, now + PRESENCE_ENTRY_TTL_MS, this.member(socketId))
      .pexpire(key, PRESENCE_ENTRY_TTL_MS)
      .zcard(key)
      .exec();
    return Number(result?.[3]?.[1] ?? 1);
  }

  /** Removes a socket; returns how many live sockets the user still has. */
  async remove(userId: string, socketId: string): Promise<number> {
    if (!this.redis) {
      const sockets = this.local.get(userId);
      sockets?.delete(socketId);
      if (sockets?.size === 0) this.local.delete(userId);
      return sockets?.size ?? 0;
    }
    const key = presenceKey(userId);
    const result = await this.redis.multi().zrem(key, this.member(socketId)).zcount(key, Date.now(), '+inf').exec();
    return Number(result?.[1]?.[1] ?? 0);
  }

  async count(userId: string): Promise<number> {
    if (!this.redis) return this.local.get(userId)?.size ?? 0;
    return this.redis.zcount(presenceKey(userId), Date.now(), '+inf');
  }

  /** Connected users among `userIds` and their status (one pipeline). */
  async online(userIds: string[]): Promise<Map<string, StoredStatus>> {
    const result = new Map<string, StoredStatus>();
    if (!this.redis) {
      for (const id of userIds) if (this.local.has(id)) result.set(id, this.statusLocal.get(id) ?? { status: 'online' });
      return result;
    }
    if (userIds.length === 0) return result;
    const now = Date.now();
    const pipeline = this.redis.pipeline();
    for (const id of userIds) pipeline.zcount(presenceKey(id), now, '+inf').hgetall(statusKey(id));
    const replies = (await pipeline.exec()) ?? [];
    userIds.forEach((id, i) => {
      const count = Number(replies[2 * i]?.[1] ?? 0);
      const status = replies[2 * i + 1]?.[1] as Record<string, string> | undefined;
      if (count > 0) result.set(id, toStatus(status));
    });
    return result;
  }

  /** Records what others were told; returns what they were told before (undefined: nothing yet). */
  async announce(userId: string, state: 'online' | 'offline'): Promise<'online' | 'offline' | undefined> {
    if (!this.redis) {
      const before = this.announcedLocal.get(userId);
      this.announcedLocal.set(userId, state);
      return before;
    }
    const before = await this.redis.set(announcedKey(userId), state, 'PX', 24 * 3600_000, 'GET');
    return (before ?? undefined) as 'online' | 'offline' | undefined;
  }

  async status(userId: string): Promise<StoredStatus> {
    if (!this.redis) return this.statusLocal.get(userId) ?? { status: 'online' };
    return toStatus(await this.redis.hgetall(statusKey(userId)));
  }

  /** Status lives as long as the user is around (a day without update resets it to online). */
  async setStatus(userId: string, status: StoredStatus): Promise<void> {
    if (!this.redis) {
      this.statusLocal.set(userId, status);
      return;
    }
    const key = statusKey(userId);
    await this.redis.multi().del(key).hset(key, { status: status.status, ...(status.text && { text: status.text }) })
      .pexpire(key, 24 * 3600_000).exec();
  }

  /** Renews every socket of this instance (called by the gateway's heartbeat). */
  async heartbeat(sockets: Iterable<{ userId: string; socketId: string }>): Promise<void> {
    if (!this.redis) return;
    const expires = Date.now() + PRESENCE_ENTRY_TTL_MS;
    const pipeline = this.redis.pipeline();
    for (const { userId, socketId } of sockets) {
      pipeline.zadd(presenceKey(userId), expires, this.member(socketId)).pexpire(presenceKey(userId), PRESENCE_ENTRY_TTL_MS);
    }
    if (pipeline.length > 0) await pipeline.exec();
  }

  private member(socketId: string): string {
    return `${this.instance}/${socketId}`;
  }

  async onApplicationShutdown(): Promise<void> {
    this.local.clear();
  }
}

const presenceKey = (userId: string) => `parley:presence:${userId}`;
const statusKey = (userId: string) => `parley:status:${userId}`;
const announcedKey = (userId: string) => `parley:presence-announced:${userId}`;

function toStatus(hash: Record<string, string> | undefined): StoredStatus {
  const status = (hash?.['status'] ?? 'online') as PresenceStatus;
  return hash?.['text'] ? { status, text: hash['text'] } : { status };
}
