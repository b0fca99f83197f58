import type { EncryptedEvent } from '@parley/shared/crypto';
import { MAX_SEND_ATTEMPTS, Outbox } from './outbox';

const event = (messageId: string) => ({ messageId, roomId: 'r' }) as EncryptedEvent;

describe('Outbox', () => {
  it('retries with growing backoff, then gives up after MAX_SEND_ATTEMPTS failures', () => {
    const outbox = new Outbox();
    outbox.add(event('a'));
    const outcomes = [];
    for (let i = 0; i < MAX_SEND_ATTEMPTS; i++) {
      expect(outbox.begin('a')).toBe(true);
      outcomes.push(outbox.failed('a', false));
    }
    expect(outcomes).toEqual([{ next: 'retry', inMs: 1_000 }, { next: 'retry', inMs: 2_000 }, { next: 'failed' }]);
    expect(outbox.waiting()).toEqual([]);
  });

  it('does not count being offline as a failure: the event waits for the reconnect', () => {
    const outbox = new Outbox();
    outbox.add(event('a'));
    for (let i = 0; i < MAX_SEND_ATTEMPTS + 2; i++) {
      outbox.begin('a');
      expect(outbox.failed('a', true)).toEqual({ next: 'wait-for-connection' });
    }
    expect(outbox.waiting().map((e) => e.messageId)).toEqual(['a']);
  });

  it('starts no second attempt while one is in flight, and none after the ack', () => {
    const outbox = new Outbox();
    outbox.add(event('a'));
    expect(outbox.begin('a')).toBe(true);
    expect(outbox.begin('a')).toBe(false);
    expect(outbox.waiting()).toEqual([]);

    outbox.done('a');
    expect(outbox.begin('a')).toBe(false);
    expect(outbox.get('a')).toBeUndefined();
  });

  it('has nothing to do when an attempt fails for a message that reached the server meanwhile', () => {
    const outbox = new Outbox();
    outbox.add(event('a'));
    outbox.begin('a');
    outbox.done('a'); // it came back through sync

    expect(outbox.failed('a', false)).toEqual({ next: 'none' });
  });

  it('gives a failed message a fresh set of attempts when the user retries', () => {
    const outbox = new Outbox();
    outbox.add(event('a'));
    for (let i = 0; i < MAX_SEND_ATTEMPTS; i++) {
      outbox.begin('a');
      outbox.failed('a', false);
    }
    outbox.reset('a');

    expect(outbox.begin('a')).toBe(true);
    expect(outbox.failed('a', false)).toEqual({ next: 'retry', inMs: 1_000 });
  });
});
