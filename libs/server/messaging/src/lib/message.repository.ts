import { Injectable } from '@nestjs/common';
import type { ModelType } from 'dynamoose/dist/General';
import { DynamoTables, isConditionFailed } from '@parley/server/core';
import type { StoredMessage } from '@parley/shared/contracts';
import type { EncryptedEvent } from '@parley/shared/crypto';
import { type MessageItem, messageSchema } from './message.schema';

export class SeqTakenError extends Error {}

/** The messages table: the only code that touches it. */
@Injectable()
export class MessageRepository {
  private readonly messages: ModelType<MessageItem>;

  constructor(tables: DynamoTables) {
    this.messages = tables.define<MessageItem>('messages', messageSchema);
  }

  /** Writes at (roomId, seq) once; a taken seq means the allocator went back, which must never pass silently. */
  async put(message: StoredMessage): Promise<void> {
    const { seq, receivedAt, deleted: _deleted, ...event } = message;
    try {
      await this.messages.create(
        { roomId: event.roomId, seq, messageId: event.messageId, senderUserId: event.senderUserId, receivedAt,
          event: JSON.stringify(event) },
        { overwrite: false },
      );
    } catch (err) {
      if (isConditionFailed(err)) throw new SeqTakenError(`seq ${seq} of room ${event.roomId} is taken`);
      throw err;
    }
  }

  /** The stored copy of a message id in a room, for idempotent retries. (GSI: eventually consistent.) */
  async findByMessageId(roomId: string, messageId: string): Promise<StoredMessage | undefined> {
    const items = await this.messages.query('messageId').eq(messageId).using('messageId-index').exec();
    const item = items.find((i) => i.roomId === roomId);
    return item ? toStored(item) : undefined;
  }

  async highestSeq(roomId: string): Promise<number> {
    const [item] = await this.messages.query('roomId').eq(roomId).sort('descending').limit(1).attributes(['seq']).exec();
    return item?.seq ?? 0;
  }

  /** A page, oldest first: before=N reads backwards from N, after=N forwards from N. */
  async page(roomId: string, opts: { before?: number; after?: number; limit: number }): Promise<StoredMessage[]> {
    let query = this.messages.query('roomId').eq(roomId);
    if (opts.after !== undefined) {
      query = query.where('seq').gt(opts.after).sort('ascending');
    } else {
      if (opts.before !== undefined) query = query.where('seq').lt(opts.before);
      query = query.sort('descending');
    }
    const items = await query.limit(opts.limit).exec();
    const messages = items.map(toStored);
    return opts.after !== undefined ? messages : messages.reverse();
  }
}

function toStored(item: MessageItem): StoredMessage {
  return { ...(JSON.parse(item.event) as EncryptedEvent), seq: item.seq, receivedAt: item.receivedAt };
}
