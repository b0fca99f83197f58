import type { BusChannel, BusEvents } from '@parley/shared/contracts';

export type BusHandler<K extends BusChannel> = (payload: BusEvents[K]) => void | Promise<void>;

/** Typed publish/subscribe between services (DESIGN §1). Fire-and-forget: state lives in DynamoDB. */
export abstract class Bus {
  abstract publish<K extends BusChannel>(channel: K, payload: BusEvents[K]): Promise<void>;
  abstract subscribe<K extends BusChannel>(channel: K, handler: BusHandler<K>): Promise<void>;

  /**
   * Calls `listener` whenever the bus is back after losing its connection: events published meanwhile are lost,
   * so whoever keeps state corrected by events drops it. The in-memory bus never loses one.
   */
  onResumed(listener: () => void): void {
    void listener;
  }
}
