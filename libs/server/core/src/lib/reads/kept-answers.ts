import { ServiceUnavailableException } from '@nestjs/common';
import { LRUCache } from 'lru-cache';

export interface KeptAnswersOptions {
  /** Keys kept at most (least recently used go first). */
  max: number;
  /** A backstop for a change whose bus event was lost: no answer is kept longer than this. */
  ttlMs: number;
}

/** How often a read is repeated when its key keeps changing while it runs, before the caller is told to retry. */
const ATTEMPTS = 3;

/**
 * Answers of another service, kept until a bus event says they changed (DESIGN §1: a service "asks the owning
 * service over HTTP … and caches it with invalidation from bus events"). The owner calls `invalidate` from its bus
 * handlers and `clear` when the bus reconnects (events sent while it was away are lost).
 *
 * The race that matters: a read that runs while its key is invalidated may have read from before the change (a
 * member's removal, a device's revocation), and its caller would act on it after the bus event that corrects
 * connected sockets went by. Such an answer is neither kept nor returned: the caller reads again. Only answers are
 * kept; a failed read (a refusal, a service that did not answer) is not.
 */
export class KeptAnswers<T extends object> {
  private readonly kept: LRUCache<string, T>;
  /** Reads running per key; `invalidate` marks them stale. */
  private readonly running = new Map<string, Set<{ stale: boolean }>>();

  constructor(options: KeptAnswersOptions) {
    this.kept = new LRUCache<string, T>({ max: options.max, ttl: options.ttlMs });
  }

  /** The kept answer, or undefined. */
  peek(key: string): T | undefined {
    return this.kept.get(key);
  }

  /** The kept answer, or a read's (kept for next time). */
  get(key: string, read: () => Promise<T>): Promise<T> {
    const kept = this.kept.get(key);
    return kept ? Promise.resolve(kept) : this.refresh(key, read);
  }

  /** Reads now, whatever is kept, and keeps the answer unless the key was invalidated while it ran. */
  async refresh(key: string, read: () => Promise<T>): Promise<T> {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const mark = { stale: false };
      const marks = this.running.get(key) ?? new Set();
      this.running.set(key, marks.add(mark));
      try {
        const answer = await read();
        if (!mark.stale) {
          this.kept.set(key, answer);
          return answer;
        }
      } finally {
        marks.delete(mark);
        if (marks.size === 0 && this.running.get(key) === marks) this.running.delete(key);
      }
    }
    throw new ServiceUnavailableException('this changed while it was being read; try again');
  }

  /** Forgets the key's answer; reads of it that are running now will not be kept or returned. */
  invalidate(key: string): void {
    this.kept.delete(key);
    for (const mark of this.running.get(key) ?? []) mark.stale = true;
  }

  /** Forgets everything (the bus reconnected: invalidations may have been lost). */
  clear(): void {
    this.kept.clear();
    for (const marks of this.running.values()) for (const mark of marks) mark.stale = true;
  }

  /** Keys kept now. */
  get size(): number {
    return this.kept.size;
  }
}
