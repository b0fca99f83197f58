import { Logger } from '@nestjs/common';
import type { BusChannel, BusEvents } from '@parley/shared/contracts';
import { Bus, type BusHandler } from './bus';

/** One-process mode: delivers in the same process, asynchronously, as Redis would. */
export class MemoryBus extends Bus {
  private readonly logger = new Logger(MemoryBus.name);
  private readonly handlers = new Map<BusChannel, BusHandler<BusChannel>[]>();

  async publish<K extends BusChannel>(channel: K, payload: BusEvents[K]): Promise<void> {
    const copy = JSON.parse(JSON.stringify(payload)) as BusEvents[K];
    for (const handler of this.handlers.get(channel) ?? []) {
      setImmediate(() => {
        Promise.resolve(handler(copy)).catch((err) => this.logger.error({ err, channel }, 'bus handler failed'));
      });
    }
  }

  async subscribe<K extends BusChannel>(channel: K, handler: BusHandler<K>): Promise<void> {
    const list = this.handlers.get(channel) ?? [];
    list.push(handler as BusHandler<BusChannel>);
    this.handlers.set(channel, list);
  }
}
