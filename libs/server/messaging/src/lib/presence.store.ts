import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { CORE_CONFIG, type CoreConfig, RedisConnections } from '@parley/server/core';
import type { PresenceStatus } from '@parley/shared/contracts';
import { MESSAGING_CONFIG, MessagingConfig } from './messaging.config';

/** A dead instance's reaping is claimed for this long, so one survivor announces its users, not all of them. */
const REAP_CLAIM_MS = 60_000;

export interface StoredStatus {
  status: PresenceStatus;
  text?: string;
}

/** A user whose sockets were on an instance that died, and the rooms that saw them online. */
export interface OrphanedUser {
  userId: string;
  rooms: string[];
}

/**
 * `online` in one command: for each user, the count of live sockets and, when there is one, the status hash
 * (flat field/value list). KEYS: the presence keys, then the status keys; ARGV[1]: now. One script instead of a
 * pipeline of two commands per member: every `room:join` asks this, and a sampling allocation profile of the
 * benchmark's connect storm put the pipeline at 49 KiB allocated per join (tools/bench, scenario C). The keys are
 * many users', as the pipeline's were: one shard (the deployment's Valkey has one), not Redis Cluster.
 */
const ONLINE_SCRIPT = `
local n = #KEYS / 2
local out = {}
for i = 1, n do
  local count = redis.call('ZCOUNT', KEYS[i], ARGV[1], '+inf')
  out[i] = count > 0 and redis.call('HGETALL', KEYS[n + i]) or false
end
return out
`;

interface PresenceRedis extends Redis {
  parleyOnline(keyCount: number, ...keysThenNow: (string | number)[]): Promise<(string[] | null)[]>;
}

/**
 * Who is connected, across instances: one sorted set per user of `instance/socketId`, scored by expiry and
 * refreshed by each instance's heartbeat, so that an instance that dies (SIGKILL) stops counting after
 * PRESENCE_TTL_MS instead of leaving its users online forever. `announced` remembers what others were last told
 * (online or offline) so that two instances never announce the same change twice.
 *
 * Each instance also keeps a live-instances entry (scored by expiry, like the sockets) and the list of its users
 * with the rooms that saw them, so that a survivor can find the users of a dead instance and tell those rooms
 * they went offline (`reapDeadInstances`). In memory without Redis (one process: nothing can die alone).
 */
@Injectable()
export class PresenceStore implements OnApplicationShutdown {
  private readonly redis?: PresenceRedis;
  private readonly instance: string;
  private readonly local = new Map<string, Map<string, number>>();
  private readonly announcedLocal = new Map<string, 'online' | 'offline'>();
  private readonly statusLocal = new Map<string, StoredStatus>();

  private readonly ttlMs: number;
  private readonly instancesKey: string;

  constructor(
    redis: RedisConnections,
    @Inject(CORE_CONFIG) config: CoreConfig,
    @Inject(MESSAGING_CONFIG) messaging: MessagingConfig = new MessagingConfig(),
  ) {
    // Auto-pipelining: the commands of many sockets issued in one tick (a reconnect storm) go out in one write.
    if (redis.enabled) {
      const connection = redis.connect('presence', { enableAutoPipelining: true });
      connection.defineCommand('parleyOnline', { lua: ONLINE_SCRIPT });
      this.redis = connection as PresenceRedis;
    }
    this.instance = `${config.INSTANCE_ID}-${process.pid}`;
    this.ttlMs = messaging.PRESENCE_TTL_MS;
    // Per deployment (table prefix): two deployments or test runs on one Redis never reap each other's instances.
    this.instancesKey = `parley:presence-instances:${config.TABLE_PREFIX}`;
  }

  /** How often the gateway must call `heartbeat`. */
  get heartbeatMs(): number {
    return Math.floor(this.ttlMs / 3);
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
      .zadd(key, now + this.ttlMs, this.member(socketId))
      .pexpire(key, this.ttlMs)
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

  /** Connected users among `userIds` and their status (one script, see ONLINE_SCRIPT). */
  async online(userIds: string[]): Promise<Map<string, StoredStatus>> {
    const result = new Map<string, StoredStatus>();
    if (!this.redis) {
      for (const id of userIds) if (this.local.has(id)) result.set(id, this.statusLocal.get(id) ?? { status: 'online' });
      return result;
    }
    if (userIds.length === 0) return result;
    const replies = await this.redis.parleyOnline(2 * userIds.length, ...userIds.map(presenceKey),
      ...userIds.map(statusKey), Date.now());
    userIds.forEach((id, i) => {
      const fields = replies[i];
      if (!fields) return;
      const status: Record<string, string> = {};
      for (let f = 0; f + 1 < fields.length; f += 2) status[fields[f]] = fields[f + 1];
      result.set(id, toStatus(status));
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

  /**
   * Renews every socket of this instance and the instance itself, and rewrites the instance's user list (the
   * rooms that saw each user online), which a survivor reads if this instance dies. Called every `heartbeatMs`.
   */
  async heartbeat(sockets: Iterable<{ userId: string; socketId: string; rooms: string[] }>): Promise<void> {
    if (!this.redis) return;
    const expires = Date.now() + this.ttlMs;
    const users = new Map<string, Set<string>>();
    const pipeline = this.redis.pipeline();
    for (const { userId, socketId, rooms } of sockets) {
      pipeline.zadd(presenceKey(userId), expires, this.member(socketId)).pexpire(presenceKey(userId), this.ttlMs);
      const seen = users.get(userId) ?? new Set<string>();
      for (const room of rooms) seen.add(room);
      users.set(userId, seen);
    }
    const usersKey = instanceUsersKey(this.instancesKey, this.instance);
    pipeline.del(usersKey);
    if (users.size > 0) {
      pipeline.hset(usersKey, Object.fromEntries([...users].map(([id, rooms]) => [id, JSON.stringify([...rooms])])));
    }
    pipeline.zadd(this.instancesKey, expires, this.instance);
    await pipeline.exec();
  }

  /** Notes a newly connected user and the rooms that see them, before the next heartbeat would. */
  async noteUser(userId: string, rooms: string[]): Promise<void> {
    if (!this.redis) return;
    const usersKey = instanceUsersKey(this.instancesKey, this.instance);
    const known = await this.redis.hget(usersKey, userId);
    const merged = new Set([...(known ? (JSON.parse(known) as string[]) : []), ...rooms]);
    await this.redis.multi().hset(usersKey, userId, JSON.stringify([...merged]))
      .zadd(this.instancesKey, Date.now() + this.ttlMs, this.instance).exec();
  }

  /**
   * Instances whose heartbeat stopped longer than PRESENCE_TTL_MS ago: claims each (one survivor does the work),
   * forgets it, and returns its users (their entries have expired with it, so each counts 0 unless they are
   * connected elsewhere, which the caller checks).
   */
  async reapDeadInstances(): Promise<OrphanedUser[]> {
    if (!this.redis) return [];
    const dead = await this.redis.zrangebyscore(this.instancesKey, '-inf', Date.now());
    const orphans: OrphanedUser[] = [];
    for (const instance of dead) {
      if (instance === this.instance) continue;
      const claimed = await this.redis.set(`${instanceUsersKey(this.instancesKey, instance)}:reaper`, this.instance,
        'PX', REAP_CLAIM_MS, 'NX');
      if (claimed !== 'OK') continue;
      const usersKey = instanceUsersKey(this.instancesKey, instance);
      const users = await this.redis.hgetall(usersKey);
      await this.redis.multi().del(usersKey).zrem(this.instancesKey, instance).exec();
      for (const [userId, rooms] of Object.entries(users)) orphans.push({ userId, rooms: JSON.parse(rooms) as string[] });
    }
    return orphans;
  }

  private member(socketId: string): string {
    return `${this.instance}/${socketId}`;
  }

  /** A clean stop: its sockets said goodbye already, so nobody needs to reap this instance. */
  async onApplicationShutdown(): Promise<void> {
    this.local.clear();
    if (this.redis?.status === 'ready') {
      await this.redis.multi().del(instanceUsersKey(this.instancesKey, this.instance)).zrem(this.instancesKey, this.instance)
        .exec().catch(() => undefined);
    }
  }
}

const presenceKey = (userId: string) => `parley:presence:${userId}`;
const statusKey = (userId: string) => `parley:status:${userId}`;
const announcedKey = (userId: string) => `parley:presence-announced:${userId}`;
const instanceUsersKey = (instancesKey: string, instance: string) => `${instancesKey}:${instance}:users`;

function toStatus(hash: Record<string, string> | undefined): StoredStatus {
  const status = (hash?.['status'] ?? 'online') as PresenceStatus;
  return hash?.['text'] ? { status, text: hash['text'] } : { status };
}
