import type { EncryptedEvent } from '@parley/shared/crypto';

/** Attempts that reach the server and fail before a message shows "failed — retry". */
export const MAX_SEND_ATTEMPTS = 3;
const BACKOFF_MS = 1_000;
/** A rate-limited attempt waits at least this long, whatever the server said (0 would resend at once). */
const RATE_LIMIT_MIN_WAIT_MS = 50;

interface Entry {
  event: EncryptedEvent;
  /** Failed attempts (being offline does not count). */
  failures: number;
  /** The attempt in flight, if any. */
  current: number | null;
}

/** What to do after an attempt failed. */
export type AfterFailure =
  | { next: 'retry'; inMs: number }
  | { next: 'wait-for-connection' }
  | { next: 'failed' }
  /** Nothing: the message reached the server meanwhile, or a newer attempt replaced this one. */
  | { next: 'none' };

/**
 * The retry state machine of sent messages. An event stays here, with its messageId, until the server
 * acknowledges it, so every retry resends the very same event (the server stores it once). Being offline is no
 * failure: the event waits for the reconnect; nor is a rate limit: the event goes again when the server said it
 * would pass (typing fast must never fail a message). An attempt the server refused or did not answer counts; after
 * MAX_SEND_ATTEMPTS the message is failed until the user retries. Attempts are numbered, so the late timeout of
 * an attempt lost with the old connection cannot disturb the attempt that replaced it.
 */
export class Outbox {
  private readonly entries = new Map<string, Entry>();
  private nextAttempt = 1;

  add(event: EncryptedEvent): void {
    this.entries.set(event.messageId, { event, failures: 0, current: null });
  }

  get(messageId: string): EncryptedEvent | undefined {
    return this.entries.get(messageId)?.event;
  }

  /**
   * Starts an attempt and returns its number; null when there is nothing to start (acknowledged, or an attempt
   * is in flight and `replace` is false: after a reconnect the old connection's attempts are lost, so they are).
   */
  begin(messageId: string, replace = false): number | null {
    const entry = this.entries.get(messageId);
    if (!entry || (entry.current !== null && !replace)) return null;
    entry.current = this.nextAttempt++;
    return entry.current;
  }

  /** The server has it (an ack, or the message came back from history): nothing more to send. */
  done(messageId: string): void {
    this.entries.delete(messageId);
  }

  /** `retryAfterMs`: the server refused the attempt for a rate limit and said when it would pass. */
  failed(messageId: string, attempt: number, offline: boolean, retryAfterMs?: number): AfterFailure {
    const entry = this.entries.get(messageId);
    if (!entry || entry.current !== attempt) return { next: 'none' };
    entry.current = null;
    if (offline) return { next: 'wait-for-connection' };
    if (retryAfterMs !== undefined) return { next: 'retry', inMs: Math.max(RATE_LIMIT_MIN_WAIT_MS, retryAfterMs) };
    entry.failures += 1;
    if (entry.failures >= MAX_SEND_ATTEMPTS) return { next: 'failed' };
    return { next: 'retry', inMs: BACKOFF_MS * 2 ** (entry.failures - 1) };
  }

  /** The user asked to retry a failed message: it gets a fresh set of attempts. */
  reset(messageId: string): void {
    const entry = this.entries.get(messageId);
    if (entry) entry.failures = 0;
  }

  /** Messages to send on a new connection: all not acknowledged and not failed, in flight or not. */
  pending(): EncryptedEvent[] {
    return [...this.entries.values()].filter((e) => e.failures < MAX_SEND_ATTEMPTS).map((e) => e.event);
  }
}
