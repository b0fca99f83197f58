import { BadRequestException } from '@nestjs/common';
import type { AuthUser, MembershipClient, RedisConnections } from '@parley/server/core';
import type { StoredMessage } from '@parley/shared/contracts';
import type { EncryptedEvent } from '@parley/shared/crypto';
import { type MessageRepository, SeqTakenError } from './message.repository';
import { MessagingService } from './messaging.service';
import type { DeviceDirectory } from './device-directory';
import type { ReceiptRepository } from './receipt.repository';
import { SeqAllocator } from './seq-allocator';

/** The messages table, with a GSI that can be told to lag (as DynamoDB's may). */
class FakeMessages {
  stored: StoredMessage[] = [];
  gsiLags = false;
  gsiQueries = 0;
  async put(m: StoredMessage) {
    if (this.stored.some((s) => s.roomId === m.roomId && s.seq === m.seq)) throw new SeqTakenError('taken');
    this.stored.push(m);
  }
  async findByMessageId(roomId: string, messageId: string) {
    this.gsiQueries++;
    if (this.gsiLags) return undefined;
    return this.stored.find((m) => m.roomId === roomId && m.messageId === messageId);
  }
  async get(roomId: string, seq: number) {
    return this.stored.find((m) => m.roomId === roomId && m.seq === seq);
  }
  async findRecentByMessageId(roomId: string, messageId: string, atOrBelow: number) {
    return this.stored.find((m) => m.roomId === roomId && m.messageId === messageId && m.seq <= atOrBelow);
  }
  async highestSeq(roomId: string) {
    return Math.max(0, ...this.stored.filter((m) => m.roomId === roomId).map((m) => m.seq));
  }
  async page(roomId: string, opts: { before?: number; after?: number; limit: number }) {
    const all = this.stored.filter((m) => m.roomId === roomId);
    if (opts.after !== undefined) return all.filter((m) => m.seq > (opts.after ?? 0)).slice(0, opts.limit);
    return all.filter((m) => opts.before === undefined || m.seq < opts.before).slice(-opts.limit);
  }
}

const id = (c: string) => c.repeat(22);
const alice = { userId: id('a'), username: 'alice', token: 't' } as AuthUser;
const bob = { userId: id('b'), username: 'bob', token: 't' } as AuthUser;
const event = (messageId: string, sender = alice.userId): EncryptedEvent => ({
  v: 1, suite: 'v1', roomId: id('r'), epoch: 1, messageId, senderUserId: sender, senderDeviceId: id('d'), senderSeq: 0,
  sentAt: 1, ct: 'ct', sig: 's'.repeat(86),
});

describe('MessagingService', () => {
  let messages: FakeMessages;
  let service: MessagingService;
  const membership = { assertMember: async () => ({}) } as unknown as MembershipClient;
  const noRedis = { enabled: false } as unknown as RedisConnections;
  const make = () => new MessagingService(messages as unknown as MessageRepository,
    new SeqAllocator(noRedis, messages as unknown as MessageRepository), membership, {} as ReceiptRepository,
    {} as DeviceDirectory);

  beforeEach(() => {
    messages = new FakeMessages();
    service = make();
  });

  it('stores each new message under the next seq', async () => {
    const a = await service.send(alice, event(id('1')));
    const b = await service.send(alice, event(id('2')));
    expect([a.message.seq, b.message.seq]).toEqual([1, 2]);
    expect(messages.stored).toHaveLength(2);
  });

  it('answers a retried messageId with the first seq and does not store it again', async () => {
    const first = await service.send(alice, event(id('1')));
    const retry = await service.send(alice, event(id('1')));
    expect(retry).toEqual({ message: first.message, duplicate: true });
    expect(messages.stored).toHaveLength(1);
  });

  it('gives a quick retry its first seq even while the messageId index lags', async () => {
    messages.gsiLags = true;
    const first = await service.send(alice, event(id('1')));
    const retry = await service.send(alice, event(id('1')));
    expect(retry).toEqual({ message: first.message, duplicate: true });
    expect(messages.stored).toHaveLength(1);
  });

  it('stores concurrent attempts of one messageId once, under one seq', async () => {
    messages.gsiLags = true;
    const results = await Promise.all([1, 2, 3, 4].map(() => service.send(alice, event(id('1')))));
    expect(new Set(results.map((r) => r.message.seq))).toEqual(new Set([1]));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(messages.stored).toHaveLength(1);
  });

  it('stores a retry whose first attempt claimed a seq but never wrote (a crashed instance)', async () => {
    messages.gsiLags = true;
    const seqs = new SeqAllocator(noRedis, messages as unknown as MessageRepository);
    await seqs.claim(id('r'), id('1'), alice.userId); // the attempt that died before its write
    service = new MessagingService(messages as unknown as MessageRepository, seqs, membership, {} as ReceiptRepository,
      {} as DeviceDirectory);
    const retry = await service.send(alice, event(id('1')));
    expect(retry).toMatchObject({ duplicate: false, message: { seq: 1 } });
    expect(messages.stored).toHaveLength(1);
  });

  it('finds a message stored before the claims were lost (restart) although the index lags', async () => {
    const first = await service.send(alice, event(id('1')));
    messages.gsiLags = true;
    service = make(); // a new process: no claims, the counter is re-seeded from the table
    const retry = await service.send(alice, event(id('1')));
    expect(retry).toEqual({ message: first.message, duplicate: true });
    expect(messages.stored).toHaveLength(1);
  });

  it('moves past a seq that another message took when the counter went back, and stores the message once', async () => {
    messages.stored.push({ ...event(id('x')), seq: 1, receivedAt: 1 }); // written while the counter was lost
    const seqs = new SeqAllocator(noRedis, messages as unknown as MessageRepository);
    (seqs as unknown as { counters: Map<string, number> }).counters.set(id('r'), 0); // a counter seeded too low
    service = new MessagingService(messages as unknown as MessageRepository, seqs, membership, {} as ReceiptRepository,
      {} as DeviceDirectory);
    const sent = await service.send(alice, event(id('1')));
    expect(sent).toMatchObject({ duplicate: false, message: { seq: 2, messageId: id('1') } });
    expect(messages.stored.map((m) => m.seq)).toEqual([1, 2]);
  });

  it('knows when a room last had a message, and says it does not know after the counter was re-read', async () => {
    const seqs = new SeqAllocator(noRedis, messages as unknown as MessageRepository);
    expect(await seqs.activity(id('r'))).toEqual({ lastSeq: 0 });
    await seqs.claim(id('r'), id('1'), alice.userId, { receivedAt: 1_000 });
    await seqs.claim(id('r'), id('2'), alice.userId, { receivedAt: 2_000 });
    await seqs.claim(id('r'), id('1'), alice.userId, { receivedAt: 3_000 }); // a retry: no new seq, no new activity
    expect(await seqs.activity(id('r'))).toEqual({ lastSeq: 2, lastAt: 2_000 });
    messages.stored.push({ ...event(id('1')), seq: 1, receivedAt: 1_000 }, { ...event(id('2')), seq: 2, receivedAt: 2_000 });
    const restarted = new SeqAllocator(noRedis, messages as unknown as MessageRepository);
    expect(await restarted.activity(id('r'))).toEqual({ lastSeq: 2 });
  });

  it('lets a resend wait for the attempt still running on this instance instead of writing again', async () => {
    let writes = 0;
    let finishWrite!: () => void;
    const put = messages.put.bind(messages);
    messages.put = (m) => {
      writes++;
      return new Promise<void>((done) => (finishWrite = done)).then(() => put(m));
    };
    const first = service.send(alice, event(id('1')));
    await new Promise((r) => setImmediate(r));
    const resends = [service.send(alice, event(id('1'))), service.send(alice, event(id('1')))];
    await new Promise((r) => setImmediate(r));
    expect(writes).toBe(1);
    finishWrite();
    await expect(first).resolves.toMatchObject({ duplicate: false, message: { seq: 1 } });
    await expect(Promise.all(resends)).resolves.toEqual([
      { duplicate: true, message: expect.objectContaining({ seq: 1 }) },
      { duplicate: true, message: expect.objectContaining({ seq: 1 }) },
    ]);
    messages.put = put;
    await expect(service.send(alice, event(id('1')))).resolves.toMatchObject({ duplicate: true }); // done: no wait
    expect(messages.stored).toHaveLength(1);
  });

  it('does not let another user\'s send of the same messageId share an attempt in progress', async () => {
    let finishWrite!: () => void;
    const put = messages.put.bind(messages);
    messages.put = (m) => new Promise<void>((done) => (finishWrite = done)).then(() => put(m));
    const first = service.send(alice, event(id('1')));
    await new Promise((r) => setImmediate(r));
    await expect(service.send(bob, event(id('1'), bob.userId))).rejects.toThrow(BadRequestException);
    finishWrite();
    await first;
  });

  it('refuses another user who reuses a claimed messageId', async () => {
    messages.gsiLags = true;
    await service.send(alice, event(id('1')));
    await expect(service.send(bob, event(id('1'), bob.userId))).rejects.toBeInstanceOf(BadRequestException);
    expect(messages.stored).toHaveLength(1);
  });

  it('refuses a message that names another sender', async () => {
    await expect(service.send(alice, event(id('1'), id('b')))).rejects.toBeInstanceOf(BadRequestException);
    expect(messages.stored).toHaveLength(0);
  });

  describe('live delivery (once per message, in parallel with the write)', () => {
    const recorder = () => {
      const seen: StoredMessage[] = [];
      return { seen, deliver: (m: StoredMessage) => void seen.push(m) };
    };

    it('delivers a new message as soon as its seq is claimed, before the write has finished', async () => {
      let finishWrite!: () => void;
      const put = messages.put.bind(messages);
      messages.put = (m) => new Promise<void>((done) => (finishWrite = done)).then(() => put(m));
      const { seen, deliver } = recorder();
      const sending = service.send(alice, event(id('1')), deliver);
      await new Promise((r) => setImmediate(r));
      expect(seen).toEqual([expect.objectContaining({ messageId: id('1'), seq: 1 })]);
      expect(messages.stored).toHaveLength(0);
      finishWrite();
      await expect(sending).resolves.toMatchObject({ duplicate: false, message: { seq: 1 } });
      expect(seen).toHaveLength(1);
    });

    it('does not deliver a retry again, whether the first attempt wrote or not', async () => {
      const { seen, deliver } = recorder();
      const put = messages.put.bind(messages);
      messages.put = async () => {
        throw new Error('DynamoDB is down');
      };
      await expect(service.send(alice, event(id('1')), deliver)).rejects.toThrow('DynamoDB is down');
      messages.put = put;
      await service.send(alice, event(id('1')), deliver); // the retry stores it
      await service.send(alice, event(id('1')), deliver); // a retry of a stored message
      expect(seen.map((m) => m.messageId)).toEqual([id('1')]);
      expect(messages.stored).toHaveLength(1);
    });

    it('delivers concurrent attempts of one messageId once', async () => {
      const { seen, deliver } = recorder();
      await Promise.all([1, 2, 3].map(() => service.send(alice, event(id('1')), deliver)));
      expect(seen).toHaveLength(1);
    });

    it('while a counter is recovered, delivers only after the write, and not a message stored before the loss', async () => {
      await service.send(alice, event(id('1')));
      service = make(); // a new process: no claims, the counter is re-seeded from the table
      const { seen, deliver } = recorder();
      let written = false;
      const put = messages.put.bind(messages);
      messages.put = async (m) => {
        expect(seen).toHaveLength(0);
        await put(m);
        written = true;
      };
      await service.send(alice, event(id('1')), deliver); // a retry of the message stored before the loss
      await service.send(alice, event(id('2')), deliver);
      expect(written).toBe(true);
      expect(seen.map((m) => m.messageId)).toEqual([id('2')]);
    });
  });

  describe('the messageId GSI query', () => {
    const sentNow = (messageId: string): EncryptedEvent => ({ ...event(messageId), sentAt: Date.now() });

    it('is skipped for a recent send whose claim is fresh: nothing can have been stored before', async () => {
      await service.send(alice, sentNow(id('1')));
      await service.send(alice, sentNow(id('2')));
      expect(messages.gsiQueries).toBe(0);
      expect(messages.stored).toHaveLength(2);
    });

    it('is asked for a retry (the claim exists), an old send, or a sender clock far ahead', async () => {
      const first = await service.send(alice, sentNow(id('1')));
      expect(await service.send(alice, { ...first.message })).toMatchObject({ duplicate: true });
      expect(messages.gsiQueries).toBe(1);
      await service.send(alice, { ...event(id('2')), sentAt: Date.now() - 10 * 60_000 });
      await service.send(alice, { ...event(id('3')), sentAt: Date.now() + 10 * 60_000 });
      expect(messages.gsiQueries).toBe(3);
    });

    it('is asked while the room recovers from lost claims, and finds the copy stored before the loss', async () => {
      const first = await service.send(alice, sentNow(id('1')));
      service = make(); // a new process: no claims, the counter is re-seeded from the table
      const retry = await service.send(alice, { ...first.message });
      expect(retry).toEqual({ message: first.message, duplicate: true });
      expect(messages.stored).toHaveLength(1);
    });
  });

  it('pages history oldest first and says when there is more', async () => {
    for (let i = 1; i <= 5; i++) await service.send(alice, event(String(i).repeat(22)));
    const page = await service.history(alice, id('r'), { limit: 2 });
    expect(page.messages.map((m) => m.seq)).toEqual([4, 5]);
    expect(page.hasMore).toBe(true);
    const older = await service.history(alice, id('r'), { before: 4, limit: 5 });
    expect(older.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(older.hasMore).toBe(false);
  });

  it('refuses before and after together', async () => {
    await expect(service.history(alice, id('r'), { before: 3, after: 1 })).rejects.toBeInstanceOf(BadRequestException);
  });
});
