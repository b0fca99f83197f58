import { BadRequestException } from '@nestjs/common';
import type { AuthUser, MembershipClient } from '@parley/server/core';
import type { StoredMessage } from '@parley/shared/contracts';
import type { EncryptedEvent } from '@parley/shared/crypto';
import type { MessageRepository } from './message.repository';
import { MessagingService } from './messaging.service';
import type { SeqAllocator } from './seq-allocator';

class FakeMessages {
  stored: StoredMessage[] = [];
  async put(m: StoredMessage) { this.stored.push(m); }
  async findByMessageId(roomId: string, messageId: string) {
    return this.stored.find((m) => m.roomId === roomId && m.messageId === messageId);
  }
  async page(roomId: string, opts: { before?: number; after?: number; limit: number }) {
    const all = this.stored.filter((m) => m.roomId === roomId);
    if (opts.after !== undefined) return all.filter((m) => m.seq > (opts.after ?? 0)).slice(0, opts.limit);
    return all.filter((m) => opts.before === undefined || m.seq < opts.before).slice(-opts.limit);
  }
}

const id = (c: string) => c.repeat(22);
const alice: AuthUser = { userId: id('a'), username: 'alice', token: 't' };
const event = (messageId: string, sender = alice.userId): EncryptedEvent => ({
  v: 1, suite: 'v1', roomId: id('r'), epoch: 1, messageId, senderUserId: sender, senderDeviceId: id('d'), senderSeq: 0,
  sentAt: 1, ct: 'ct', sig: 's'.repeat(86),
});

describe('MessagingService', () => {
  let messages: FakeMessages;
  let service: MessagingService;
  let next = 0;

  beforeEach(() => {
    messages = new FakeMessages();
    next = 0;
    const seqs = { next: async () => ++next } as unknown as SeqAllocator;
    const membership = { assertMember: async () => ({}) } as unknown as MembershipClient;
    service = new MessagingService(messages as unknown as MessageRepository, seqs, membership);
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

  it('refuses a message that names another sender', async () => {
    await expect(service.send(alice, event(id('1'), id('b')))).rejects.toBeInstanceOf(BadRequestException);
    expect(messages.stored).toHaveLength(0);
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
