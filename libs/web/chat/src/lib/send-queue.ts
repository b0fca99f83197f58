import { DestroyRef, Injectable, inject } from '@angular/core';
import type { EncryptedEvent } from '@parley/shared/crypto';
import { NotConnectedError, RateLimitedError, SocketClient, errorMessage } from '@parley/web/core';
import type { ChatMessage } from './chat-message';
import { Outbox } from './outbox';
import { ReceiptsStore } from './receipts-store';

/** A change of a sent message's state, for the message list. */
export type SendUpdate = (roomId: string, messageId: string, change: Partial<ChatMessage>) => void;

/**
 * Delivers sent events until the server acknowledges them: retries with backoff after an error or a timeout,
 * waits out a rate limit, waits for the reconnect while offline, and gives up ("failed — retry") only after repeated failures
 * (see Outbox). Every attempt sends the same event, so the server stores it once.
 */
@Injectable()
export class SendQueue {
  private readonly socket = inject(SocketClient);
  private readonly receipts = inject(ReceiptsStore);
  private readonly outbox = new Outbox();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private update: SendUpdate = () => undefined;

  constructor() {
    inject(DestroyRef).onDestroy(() => this.timers.forEach((t) => clearTimeout(t)));
  }

  onUpdate(update: SendUpdate): void {
    this.update = update;
  }

  send(event: EncryptedEvent): Promise<void> {
    this.outbox.add(event);
    return this.deliver(event);
  }

  /** The user retries a failed message: a fresh set of attempts. */
  retry(messageId: string): Promise<void> {
    const event = this.outbox.get(messageId);
    if (!event) return Promise.resolve();
    this.outbox.reset(messageId);
    this.update(event.roomId, messageId, { status: 'sending', error: undefined });
    return this.deliver(event);
  }

  /** The server has it (it came back through sync or history): stop resending. */
  arrived(messageId: string): void {
    this.outbox.done(messageId);
  }

  /** After a reconnect: send everything that waited, and again what was in flight on the lost connection. */
  flush(): void {
    for (const event of this.outbox.pending()) void this.deliver(event, true);
  }

  private async deliver(event: EncryptedEvent, replace = false): Promise<void> {
    const { roomId, messageId } = event;
    const attempt = this.outbox.begin(messageId, replace);
    if (attempt === null) return;
    try {
      const ack = await this.socket.send(event);
      this.outbox.done(messageId);
      this.receipts.sent(roomId, ack.seq, ack.receivedAt);
      this.update(roomId, messageId, { status: 'sent', seq: ack.seq, error: undefined });
    } catch (error) {
      const after = this.outbox.failed(messageId, attempt, error instanceof NotConnectedError,
        error instanceof RateLimitedError ? error.retryAfterMs : undefined);
      if (after.next === 'failed') this.update(roomId, messageId, { status: 'failed', error: errorMessage(error) });
      if (after.next === 'retry') {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          void this.deliver(event);
        }, after.inMs);
        this.timers.add(timer);
      }
    }
  }
}
