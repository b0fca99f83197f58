/**
 * Callers of one key share the read in flight; nothing is kept once it settles (the next caller reads again), so
 * an answer is never older than the call it came from. Why: a user's tabs connect at once (a page load with
 * several tabs, every socket of a gateway that restarted), and each socket asked auth for the user's devices,
 * rooms for the user's rooms, and rooms for each room it joins: the same answers, fetched once per socket. In the
 * C benchmark (five sockets a user) these calls were most of what a connecting socket allocated.
 *
 * Keys must name the user (the answers are per user); a shared call carries the first caller's token.
 */
export class InFlightReads<T> {
  private readonly running = new Map<string, Promise<T>>();

  get(key: string, read: () => Promise<T>): Promise<T> {
    const running = this.running.get(key);
    if (running) return running;
    const started = read().finally(() => this.running.delete(key));
    this.running.set(key, started);
    return started;
  }

  /** Keys with a read in flight. */
  get size(): number {
    return this.running.size;
  }
}
