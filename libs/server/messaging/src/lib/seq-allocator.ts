import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisConnections } from '@parley/server/core';
import { MessageRepository } from './message.repository';

/**
 * Per-room strictly increasing `seq` (DESIGN §2): Redis INCR across gateway instances, a counter in one process.
 * A missing key (new room, or Redis lost its data) is seeded from the highest stored seq first, so seq never
 * goes back.
 */
@Injectable()
export class SeqAllocator {
  private readonly redis?: Redis;
  private readonly local = new Map<string, number>();

  constructor(
    redis: RedisConnections,
    private readonly messages: MessageRepository,
  ) {
    this.redis = redis.enabled ? redis.connect('seq') : undefined;
  }

  async next(roomId: string): Promise<number> {
    return this.redis ? this.nextInRedis(this.redis, roomId) : this.nextLocal(roomId);
  }

  private async nextInRedis(redis: Redis, roomId: string): Promise<number> {
    const key = `parley:seq:${roomId}`;
    if (!(await redis.exists(key))) {
      // NX: when several instances seed at once, the first value stands; all of them are the stored maximum.
      await redis.set(key, await this.messages.highestSeq(roomId), 'NX');
    }
    return redis.incr(key);
  }

  private async nextLocal(roomId: string): Promise<number> {
    if (!this.local.has(roomId)) {
      const highest = await this.messages.highestSeq(roomId);
      if (!this.local.has(roomId)) this.local.set(roomId, highest);
    }
    const seq = (this.local.get(roomId) ?? 0) + 1;
    this.local.set(roomId, seq);
    return seq;
  }
}
