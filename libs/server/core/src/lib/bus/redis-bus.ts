import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { BusChannel, BusEvents } from '@parley/shared/contracts';
import { Bus, type BusHandler } from './bus';

const PREFIX = 'parley:bus:';

/** Redis pub/sub: every instance of every service that subscribed gets each event. */
export class RedisBus extends Bus {
  private readonly logger = new Logger(RedisBus.name);
  private readonly handlers = new Map<string, BusHandler<BusChannel>[]>();
  private readonly resumedListeners: (() => void)[] = [];

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
  ) {
    super();
    this.subscriber.on('message', (redisChannel: string, message: string) => this.dispatch(redisChannel, message));
    this.subscriber.on('ready', () => void this.resume());
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

  override onResumed(listener: () => void): void {
    this.resumedListeners.push(listener);
  }

  /**
   * ioredis says 'ready' (at the first connect too: harmless) *before* it re-sends the subscriptions, so a listener
   * called then could keep an answer whose invalidation is published before Redis has the subscription again.
   * Subscribing once more ourselves (idempotent in Redis) and waiting for the reply closes that window.
   */
  private async resume(): Promise<void> {
    const channels = [...this.handlers.keys()];
    try {
      if (channels.length > 0) await this.subscriber.subscribe(...channels);
    } catch (err) {
      this.logger.warn({ err }, 'could not confirm the bus subscriptions after a reconnect; the next ready retries');
      return;
    }
    for (const listener of this.resumedListeners) listener();
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
