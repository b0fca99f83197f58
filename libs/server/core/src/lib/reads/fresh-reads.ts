/**
 * Shares reads among callers that each need a result read after they asked, i.e. one that sees every write that
 * landed before the call. A caller that arrives while no read of its key runs starts one; callers that arrive while
 * one runs cannot use it (it may have read before their write landed), so they wait for the next one, which all of
 * them share. However many callers come, a key has at most one read running and one waiting; nothing is kept once
 * the reads are done.
 *
 * Where it pays:
 * - For a minute after Redis loses its data, every send of a room looks for its messageId among the room's last
 *   stored items. One query a send made DynamoDB the bottleneck of exactly the minute in which clients resend
 *   everything unacked (the zero-loss Redis-restart test spent most of its time there).
 * - A user's sockets connect at once (a page with several tabs, every socket of a gateway that restarted), and each
 *   asked auth for the user's devices and rooms for the user's rooms and for each room it joins: the same answers.
 *   Sharing only a read that was already running would be cheaper still, but could hand a socket that connects just
 *   after a member's removal or a device's revocation an answer from before it, after the bus event that corrects
 *   connected sockets went by.
 *
 * Keys that stand for a user's data must name the user; a shared call carries the token of the caller that started it.
 */
export class FreshReads<T> {
  private readonly slots = new Map<string, { running?: Promise<T>; waiting?: Promise<T> }>();

  /** `read` is what the key stands for: callers of one key pass the same read. */
  get(key: string, read: () => Promise<T>): Promise<T> {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = {};
      this.slots.set(key, slot);
    }
    if (!slot.running) return this.start(key, slot, read);
    if (!slot.waiting) {
      const queued = slot;
      slot.waiting = settled(slot.running).then(() => {
        queued.waiting = undefined;
        return this.start(key, queued, read);
      });
    }
    return slot.waiting;
  }

  /** Keys with a read running or waiting (the map forgets a key once its reads are done). */
  get size(): number {
    return this.slots.size;
  }

  private start(key: string, slot: { running?: Promise<T>; waiting?: Promise<T> }, read: () => Promise<T>):
    Promise<T> {
    const running = read();
    slot.running = running;
    void settled(running).then(() => {
      if (slot.running !== running) return;
      slot.running = undefined;
      if (!slot.waiting && this.slots.get(key) === slot) this.slots.delete(key);
    });
    return running;
  }
}

const settled = (promise: Promise<unknown>): Promise<void> => promise.then(() => undefined, () => undefined);
