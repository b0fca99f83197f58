import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { BusChannel, BusEvents } from '@parley/shared/contracts';
import { Bus, type BusHandler } from './bus';

const PREFIX = 'parley:bus:';

/** Redis pub/sub: every instance of every service that subscribed gets each event. */
export class RedisBus extends Bus {
  private readonly logger = new Logger(RedisBus.name);
  private readonly handlers = new Map<string, BusHandler<BusChannel>[]>();

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
  ) {
    super();
    this.subscriber.on('message', (redisChannel: string, message: string) => this.dispatch(redisChannel, message));
  }

  async publish<K extends BusChannel>(channel: K, payload: BusEvents[K]): Promise<void> {
    await this.publisher.publish(PREFIX + channel, JSON.stringify(payload));
  }

  async subscribe<K extends BusChannel>(channel: K, handler: BusHandler<K>): Promise<void> {
    const key = PREFIX + channel;
    const list = this.handlers.get(key) ?? [];
    if (list.length === 0) await this.subscriber.subscribe(key);
    list.push(handler as BusHandler<BusChannel>);
    this.handlers.set(key, list);
  }

  /** ioredis re-subscribes by itself after a reconnect, then says 'ready' (also at the first connect: harmless). */
  override onResumed(listener: () => void): void {
    this.subscriber.on('ready', listener);
  }

  private dispatch(redisChannel: string, message: string): void {
    let payload: unknown;
    try {
      payload = JSON.parse(message);
    } catch {
      this.logger.warn({ channel: redisChannel }, 'dropped a bus message that is not JSON');
      return;
    }
    for (const handler of this.handlers.get(redisChannel) ?? []) {
      Promise.resolve(handler(payload as BusEvents[BusChannel])).catch((err) =>
        this.logger.error({ err, channel: redisChannel }, 'bus handler failed'),
      );
    }
  }
}
