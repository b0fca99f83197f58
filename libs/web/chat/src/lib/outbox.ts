import type { EncryptedEvent } from '@parley/shared/crypto';

/** Attempts that reach the server and fail before a message shows "failed — retry". */
export const MAX_SEND_ATTEMPTS = 3;
const BACKOFF_MS = 1_000;

interface Entry {
  event: EncryptedEvent;
  attempts: number;
  inFlight: boolean;
}

/** What to do after an attempt failed. */
export type AfterFailure =
  | { next: 'retry'; inMs: number }
  | { next: 'wait-for-connection' }
  | { next: 'failed' }
  /** It reached the server meanwhile (it came back through sync or history): nothing to do. */
  | { next: 'none' };

/**
 * The retry state machine of sent messages. An event stays here, with its messageId, until the server
 * acknowledges it, so every retry resends the very same event (the server stores it once). Being offline is no
 * failure: the event waits for the reconnect. An attempt the server refused or did not answer counts; after
 * MAX_SEND_ATTEMPTS the message is failed until the user retries.
 */
export class Outbox {
  private readonly entries = new Map<string, Entry>();

  add(event: EncryptedEvent): void {
    this.entries.set(event.messageId, { event, attempts: 0, inFlight: false });
  }

  get(messageId: string): EncryptedEvent | undefined {
    return this.entries.get(messageId)?.event;
  }

  /** Starts an attempt; false when there is none to start (acked, or one is in flight). */
  begin(messageId: string): boolean {
    const entry = this.entries.get(messageId);
    if (!entry || entry.inFlight) return false;
    entry.inFlight = true;
    return true;
  }

  /** The server has it (an ack, or the message came back from history): nothing more to send. */
  done(messageId: string): void {
    this.entries.delete(messageId);
  }

  failed(messageId: string, offline: boolean): AfterFailure {
    const entry = this.entries.get(messageId);
    if (!entry) return { next: 'none' };
    entry.inFlight = false;
    if (offline) return { next: 'wait-for-connection' };
    entry.attempts += 1;
    if (entry.attempts >= MAX_SEND_ATTEMPTS) return { next: 'failed' };
    return { next: 'retry', inMs: BACKOFF_MS * 2 ** (entry.attempts - 1) };
  }

  /** The user asked to retry a failed message: it gets a fresh set of attempts. */
  reset(messageId: string): void {
    const entry = this.entries.get(messageId);
    if (entry) entry.attempts = 0;
  }

  /** Messages waiting to be (re)sent now that the socket is connected: not failed, not in flight. */
  waiting(): EncryptedEvent[] {
    return [...this.entries.values()]
      .filter((e) => !e.inFlight && e.attempts < MAX_SEND_ATTEMPTS)
      .map((e) => e.event);
  }
}
