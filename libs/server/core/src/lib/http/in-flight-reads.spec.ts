import { InFlightReads } from './in-flight-reads';

describe('InFlightReads', () => {
  it('gives callers of one key the read in flight, and other keys their own', async () => {
    const reads = new InFlightReads<string>();
    const read = jest.fn((key: string) => new Promise<string>((r) => setTimeout(() => r(`${key}!`), 5)));

    const answers = await Promise.all([
      reads.get('alice', () => read('alice')), reads.get('alice', () => read('alice')), reads.get('bob', () => read('bob')),
    ]);

    expect(answers).toEqual(['alice!', 'alice!', 'bob!']);
    expect(read.mock.calls.map(([key]) => key)).toEqual(['alice', 'bob']);
  });

  it('keeps nothing once a read settles: the next caller reads again', async () => {
    const reads = new InFlightReads<number>();
    let calls = 0;
    const read = () => Promise.resolve(++calls);

    await expect(reads.get('alice', read)).resolves.toBe(1);
    await expect(reads.get('alice', read)).resolves.toBe(2);
    expect(reads.size).toBe(0);
  });

  it('passes a failure to every caller that shared the read, then forgets it', async () => {
    const reads = new InFlightReads<number>();
    const failing = () => new Promise<number>((_, reject) => setTimeout(() => reject(new Error('rooms is down')), 5));

    const shared = [reads.get('alice', failing), reads.get('alice', failing)];

    await expect(shared[0]).rejects.toThrow('rooms is down');
    await expect(shared[1]).rejects.toThrow('rooms is down');
    expect(reads.size).toBe(0);
    await expect(reads.get('alice', () => Promise.resolve(7))).resolves.toBe(7);
  });
});
