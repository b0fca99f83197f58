import { ServiceUnavailableException } from '@nestjs/common';
import { KeptAnswers } from './kept-answers';

/** A read whose answer the test controls: each call is recorded and waits to be resolved or rejected. */
function controlledReads() {
  const calls: { resolve: (value: { v: number }) => void; reject: (err: Error) => void }[] = [];
  const read = () => new Promise<{ v: number }>((resolve, reject) => calls.push({ resolve, reject }));
  return { calls, read };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('KeptAnswers', () => {
  it('keeps an answer: the next get makes no read', async () => {
    const kept = new KeptAnswers<{ v: number }>({ max: 10, ttlMs: 60_000 });
    const { calls, read } = controlledReads();
    const first = kept.get('room', read);
    calls[0].resolve({ v: 1 });
    await expect(first).resolves.toEqual({ v: 1 });
    await expect(kept.get('room', read)).resolves.toEqual({ v: 1 });
    expect(calls).toHaveLength(1);
    expect(kept.peek('room')).toEqual({ v: 1 });
  });

  it('reads again after invalidate, and refresh reads whatever is kept', async () => {
    const kept = new KeptAnswers<{ v: number }>({ max: 10, ttlMs: 60_000 });
    const { calls, read } = controlledReads();
    const first = kept.get('room', read);
    calls[0].resolve({ v: 1 });
    await first;
    kept.invalidate('room');
    expect(kept.peek('room')).toBeUndefined();
    const second = kept.get('room', read);
    calls[1].resolve({ v: 2 });
    await expect(second).resolves.toEqual({ v: 2 });
    const third = kept.refresh('room', read);
    calls[2].resolve({ v: 3 });
    await expect(third).resolves.toEqual({ v: 3 });
    expect(kept.peek('room')).toEqual({ v: 3 });
  });

  it('neither keeps nor returns an answer read while its key was invalidated: the caller gets a read that began after',
    async () => {
      const kept = new KeptAnswers<{ v: number }>({ max: 10, ttlMs: 60_000 });
      const { calls, read } = controlledReads();
      const answer = kept.get('room', read);
      kept.invalidate('room'); // e.g. room.member.removed arrives while rooms is being asked
      calls[0].resolve({ v: 1 }); // this answer may predate the removal
      await tick();
      expect(calls).toHaveLength(2);
      calls[1].resolve({ v: 2 });
      await expect(answer).resolves.toEqual({ v: 2 });
      expect(kept.peek('room')).toEqual({ v: 2 });
    });

  it('invalidates only its key, and clear invalidates every key and the reads running', async () => {
    const kept = new KeptAnswers<{ v: number }>({ max: 10, ttlMs: 60_000 });
    const { calls, read } = controlledReads();
    const a = kept.get('a', read);
    const b = kept.get('b', read);
    kept.invalidate('b');
    calls[0].resolve({ v: 1 });
    calls[1].resolve({ v: 2 });
    await expect(a).resolves.toEqual({ v: 1 });
    await tick();
    calls[2].resolve({ v: 3 });
    await expect(b).resolves.toEqual({ v: 3 });
    const c = kept.get('c', read);
    kept.clear();
    expect(kept.size).toBe(0);
    calls[3].resolve({ v: 4 });
    await tick();
    calls[4].resolve({ v: 5 });
    await expect(c).resolves.toEqual({ v: 5 });
  });

  it('keeps no failed read', async () => {
    const kept = new KeptAnswers<{ v: number }>({ max: 10, ttlMs: 60_000 });
    const { calls, read } = controlledReads();
    const failed = kept.get('room', read);
    calls[0].reject(new Error('rooms did not answer'));
    await expect(failed).rejects.toThrow('rooms did not answer');
    expect(kept.peek('room')).toBeUndefined();
    const again = kept.get('room', read);
    calls[1].resolve({ v: 1 });
    await expect(again).resolves.toEqual({ v: 1 });
  });

  it('tells the caller to retry (503) when the key changed during each of three reads', async () => {
    const kept = new KeptAnswers<{ v: number }>({ max: 10, ttlMs: 60_000 });
    const { calls, read } = controlledReads();
    const answer = kept.get('room', read);
    for (let i = 0; i < 3; i++) {
      await tick();
      kept.invalidate('room');
      calls[i].resolve({ v: i });
    }
    await expect(answer).rejects.toBeInstanceOf(ServiceUnavailableException);
    expect(calls).toHaveLength(3);
    expect(kept.peek('room')).toBeUndefined();
  });

  it('forgets an answer after its time to live (a lost bus event cannot keep it forever)', async () => {
    const kept = new KeptAnswers<{ v: number }>({ max: 10, ttlMs: 30 });
    const { calls, read } = controlledReads();
    const first = kept.get('room', read);
    calls[0].resolve({ v: 1 });
    await first;
    await new Promise((r) => setTimeout(r, 60));
    expect(kept.peek('room')).toBeUndefined();
  });
});
