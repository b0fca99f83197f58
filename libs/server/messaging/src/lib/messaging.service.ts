import { BadRequestException, Injectable } from '@nestjs/common';
import { type AuthUser, MembershipClient } from '@parley/server/core';
import { HISTORY_PAGE_DEFAULT, type HistoryPage, type HistoryQueryDto, type StoredMessage } from '@parley/shared/contracts';
import type { EncryptedEvent } from '@parley/shared/crypto';
import { MessageRepository } from './message.repository';
import { SeqAllocator } from './seq-allocator';

/** Rules of sending and reading messages. The ciphertext passes through untouched. */
@Injectable()
export class MessagingService {
  constructor(
    private readonly messages: MessageRepository,
    private readonly seqs: SeqAllocator,
    private readonly membership: MembershipClient,
  ) {}

  /**
   * Stores an event under the room's next seq. A retry of a stored messageId gets the first seq back
   * (`duplicate: true`, not broadcast again). The caller has checked that the sender joined the room.
   */
  async send(user: AuthUser, event: EncryptedEvent): Promise<{ message: StoredMessage; duplicate: boolean }> {
    if (event.senderUserId !== user.userId) throw new BadRequestException('senderUserId must be you');
    const existing = await this.messages.findByMessageId(event.roomId, event.messageId);
    if (existing) {
      if (existing.senderUserId !== user.userId) throw new BadRequestException('that messageId is taken');
      return { message: existing, duplicate: true };
    }
    const message: StoredMessage = { ...event, seq: await this.seqs.next(event.roomId), receivedAt: Date.now() };
    await this.messages.put(message);
    return { message, duplicate: false };
  }

  async history(user: AuthUser, roomId: string, query: HistoryQueryDto): Promise<HistoryPage> {
    if (query.before !== undefined && query.after !== undefined) {
      throw new BadRequestException('give either before or after, not both');
    }
    await this.membership.assertMember(user, roomId);
    const limit = query.limit ?? HISTORY_PAGE_DEFAULT;
    const messages = await this.messages.page(roomId, { before: query.before, after: query.after, limit: limit + 1 });
    const hasMore = messages.length > limit;
    if (!hasMore) return { messages, hasMore };
    return { messages: query.after !== undefined ? messages.slice(0, limit) : messages.slice(1), hasMore };
  }
}
