import type { EncryptedEvent } from '@parley/shared/crypto';
import { MAX_SEND_ATTEMPTS, Outbox } from './outbox';

const event = (messageId: string) => ({ messageId, roomId: 'r' }) as EncryptedEvent;

function failTimes(outbox: Outbox, messageId: string, times: number) {
  const outcomes = [];
  for (let i = 0; i < times; i++) outcomes.push(outbox.failed(messageId, outbox.begin(messageId) ?? -1, false));
  return outcomes;
}

describe('Outbox', () => {
  it('retries with growing backoff, then gives up after MAX_SEND_ATTEMPTS failures', () => {
    const outbox = new Outbox();
    outbox.add(event('a'));

    expect(failTimes(outbox, 'a', MAX_SEND_ATTEMPTS))
      .toEqual([{ next: 'retry', inMs: 1_000 }, { next: 'retry', inMs: 2_000 }, { next: 'failed' }]);
    expect(outbox.pending()).toEqual([]);
  });

  it('does not count being offline as a failure: the event waits for the reconnect', () => {
    const outbox = new Outbox();
    outbox.add(event('a'));
    for (let i = 0; i < MAX_SEND_ATTEMPTS + 2; i++) {
      expect(outbox.failed('a', outbox.begin('a') ?? -1, true)).toEqual({ next: 'wait-for-connection' });
    }
    expect(outbox.pending().map((e) => e.messageId)).toEqual(['a']);
  });

  it('waits out a rate limit as long as the server says, without counting it as a failure', () => {
    const outbox = new Outbox();
    outbox.add(event('a'));
    for (let i = 0; i < MAX_SEND_ATTEMPTS + 2; i++) {
      expect(outbox.failed('a', outbox.begin('a') ?? -1, false, 730)).toEqual({ next: 'retry', inMs: 730 });
    }
    expect(outbox.failed('a', outbox.begin('a') ?? -1, false, 0)).toEqual({ next: 'retry', inMs: 50 });
    // Real failures still count from zero.
    expect(failTimes(outbox, 'a', 1)).toEqual([{ next: 'retry', inMs: 1_000 }]);
    expect(outbox.pending().map((e) => e.messageId)).toEqual(['a']);
  });

  it('starts no second attempt while one is in flight, and none after the ack', () => {
    const outbox = new Outbox();
    outbox.add(event('a'));
    expect(outbox.begin('a')).not.toBeNull();
    expect(outbox.begin('a')).toBeNull();

    outbox.done('a');
    expect(outbox.begin('a', true)).toBeNull();
    expect(outbox.get('a')).toBeUndefined();
  });

  it('replaces an attempt lost with the old connection; that attempt’s late timeout changes nothing', () => {
    const outbox = new Outbox();
    outbox.add(event('a'));
    const lost = outbox.begin('a') ?? -1;
    expect(outbox.pending().map((e) => e.messageId)).toEqual(['a']);

    const replacement = outbox.begin('a', true) ?? -1;
    expect(outbox.failed('a', lost, false)).toEqual({ next: 'none' });
    expect(outbox.begin('a')).toBeNull(); // the replacement is still in flight
    expect(outbox.failed('a', replacement, false)).toEqual({ next: 'retry', inMs: 1_000 });
  });

  it('has nothing to do when an attempt fails for a message that reached the server meanwhile', () => {
    const outbox = new Outbox();
    outbox.add(event('a'));
    const attempt = outbox.begin('a') ?? -1;
    outbox.done('a'); // it came back through sync

    expect(outbox.failed('a', attempt, false)).toEqual({ next: 'none' });
  });

  it('gives a failed message a fresh set of attempts when the user retries', () => {
    const outbox = new Outbox();
    outbox.add(event('a'));
    failTimes(outbox, 'a', MAX_SEND_ATTEMPTS);
    outbox.reset('a');

    expect(failTimes(outbox, 'a', 1)).toEqual([{ next: 'retry', inMs: 1_000 }]);
  });
});
