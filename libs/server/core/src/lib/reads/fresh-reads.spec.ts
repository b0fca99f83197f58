import { FreshReads } from './fresh-reads';

/** A read whose answer the test controls: each call records when it started and waits to be resolved. */
function controlledReads() {
  const calls: { key: string; resolve: (value: number) => void; reject: (err: Error) => void }[] = [];
  const shared = new FreshReads<number>();
  const read = (key: string) => () => new Promise<number>((resolve, reject) => calls.push({ key, resolve, reject }));
  const reads = { get: (key: string) => shared.get(key, read(key)), get size() { return shared.size; } };
  return { reads, calls };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('FreshReads', () => {
  it('starts a read at once when none of the key is running', async () => {
    const { reads, calls } = controlledReads();
    const first = reads.get('room-a');
    const other = reads.get('room-b');
    expect(calls.map((c) => c.key)).toEqual(['room-a', 'room-b']);
    calls[0].resolve(1);
    calls[1].resolve(2);
    await expect(first).resolves.toBe(1);
    await expect(other).resolves.toBe(2);
  });

  it('makes callers who come while a read runs share the next read, started after the running one ends', async () => {
    const { reads, calls } = controlledReads();
    const first = reads.get('room');
    const late = [reads.get('room'), reads.get('room'), reads.get('room')];
    expect(calls).toHaveLength(1); // the late callers do not get the running read: it may predate their writes
    calls[0].resolve(1);
    await expect(first).resolves.toBe(1);
    await tick();
    expect(calls).toHaveLength(2);
    calls[1].resolve(2);
    await expect(Promise.all(late)).resolves.toEqual([2, 2, 2]);
    await tick();
    expect(reads.size).toBe(0);
  });

  it('passes a failed read to its callers only, and the waiting callers get the next read', async () => {
    const { reads, calls } = controlledReads();
    const first = reads.get('room');
    const late = reads.get('room');
    calls[0].reject(new Error('DynamoDB is restarting'));
    await expect(first).rejects.toThrow('DynamoDB is restarting');
    await tick();
    calls[1].resolve(7);
    await expect(late).resolves.toBe(7);
  });

  it('starts a new read for a caller who comes after every read ended', async () => {
    const { reads, calls } = controlledReads();
    const first = reads.get('room');
    calls[0].resolve(1);
    await first;
    await tick();
    const again = reads.get('room');
    expect(calls).toHaveLength(2);
    calls[1].resolve(3);
    await expect(again).resolves.toBe(3);
  });
});
