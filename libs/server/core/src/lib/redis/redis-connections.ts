import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { CoreConfig } from '../config/core.config';
import { CORE_CONFIG } from '../config/tokens';

/**
 * Owns every Redis connection of the process (commands, bus subscriber, socket.io adapter) so that they are
 * opened from one URL and closed together at shutdown. Without REDIS_URL there are none (one-process mode).
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnections.name);
  private readonly open: Redis[] = [];

  constructor(@Inject(CORE_CONFIG) private readonly config: CoreConfig) {}

  get enabled(): boolean {
    return this.config.REDIS_URL !== undefined;
  }

  /** A new connection; callers keep it for the life of the process. */
  connect(purpose: string, options: RedisOptions = {}): Redis {
    if (!this.config.REDIS_URL) throw new Error('REDIS_URL is not set');
    const redis = new Redis(this.config.REDIS_URL,
      { ...options, connectionName: `parley:${this.config.INSTANCE_ID}:${purpose}` });
    // ioredis reconnects by itself; log instead of crashing on 'error' events.
    redis.on('error', (err) => this.logger.warn({ purpose, err: err.message }, 'redis connection error'));
    this.open.push(redis);
    return redis;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.open.map((r) => r.quit()));
  }
}
