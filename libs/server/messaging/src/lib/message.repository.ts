import { Injectable } from '@nestjs/common';
import { Condition } from 'dynamoose';
import type { ModelType } from 'dynamoose/dist/General';
import { DynamoTables, FreshReads, isConditionFailed } from '@parley/server/core';
import type { StoredMessage } from '@parley/shared/contracts';
import type { EncryptedEvent } from '@parley/shared/crypto';
import { type MessageItem, messageItem, messageSchema } from './message.schema';

export class SeqTakenError extends Error {}

/** How many of a recovering room's newest items a send's messageId is looked for among. */
const RECENT_DEPTH = 100;

/** The messages table: the only code that touches it. */
@Injectable()
export class MessageRepository {
  private readonly messages: ModelType<MessageItem>;
  private readonly tableName: string;
  private readonly recentIds = new FreshReads<Map<string, number>>();

  constructor(private readonly tables: DynamoTables) {
    this.messages = tables.define<MessageItem>('messages', messageSchema);
    this.tableName = this.messages.table().name;
  }

  /**
   * Writes at (roomId, seq) once; a taken seq means the allocator went back, which must never pass silently.
   *
   * The path every message takes, so neither dynamoose nor the SDK client's middleware builds or sends it: the
   * item is this schema's, written out (`messageItem`; a unit test holds it equal to what dynamoose would write),
   * and DirectRequests signs and sends it. tools/bench/ddb-floor.mjs measured the client CPU per write: see
   * docs/PERFORMANCE.md.
   */
  async put(message: StoredMessage): Promise<void> {
    try {
      await this.tables.direct.put({
        TableName: this.tableName, Item: messageItem(message),
        ConditionExpression: 'attribute_not_exists(#seq)', ExpressionAttributeNames: { '#seq': 'seq' },
      });
    } catch (err) {
      if (isConditionFailed(err)) throw new SeqTakenError(`seq ${message.seq} of room ${message.roomId} is taken`);
      throw err;
    }
  }

  /** The stored copy of a message id in a room. GSI: eventually consistent, so recent writes may be missing. */
  async findByMessageId(roomId: string, messageId: string): Promise<StoredMessage | undefined> {
    const items = await this.messages.query('messageId').eq(messageId).using('messageId-index').exec();
    const item = items.find((i) => i.roomId === roomId);
    return item ? toStored(item) : undefined;
  }

  /** Every stored copy of a message id, in any room (REST delete names only the id). GSI: eventually consistent. */
  async findAnyByMessageId(messageId: string): Promise<StoredMessage[]> {
    const items = await this.messages.query('messageId').eq(messageId).using('messageId-index').exec();
    return items.map(toStored);
  }

  /** The message at (roomId, seq), read consistently. */
  async get(roomId: string, seq: number): Promise<StoredMessage | undefined> {
    const item = await this.messages.get({ roomId, seq }, { consistent: true });
    return item ? toStored(item) : undefined;
  }

  /**
   * Looks for a message id among the last RECENT_DEPTH items at or below `atOrBelow`, with a consistent read. Every
   * send of a recovering room asks this, so concurrent asks of one room share a read (FreshReads: each read starts
   * after the ask it answers) that takes only the ids; the one match is then read in full.
   */
  async findRecentByMessageId(roomId: string, messageId: string, atOrBelow: number):
    Promise<StoredMessage | undefined> {
    const ids = await this.recentIds.get(`${roomId}/${atOrBelow}`, () => this.readRecentIds(roomId, atOrBelow));
    const seq = ids.get(messageId);
    return seq === undefined ? undefined : this.get(roomId, seq);
  }

  /** messageId → seq of the room's last RECENT_DEPTH items at or below `atOrBelow`, read consistently. */
  private async readRecentIds(roomId: string, atOrBelow: number): Promise<Map<string, number>> {
    const items = await this.messages.query('roomId').eq(roomId).where('seq').le(atOrBelow).sort('descending')
      .limit(RECENT_DEPTH).attributes(['seq', 'messageId']).consistent().exec();
    return new Map(items.map((i) => [i.messageId, i.seq]));
  }

  /**
   * Removes the ciphertext and signature of a message and leaves a tombstone with its header (ids, seq, sender,
   * times) so that history keeps its shape. Only the sender's own message, checked in the same conditional write.
   * Returns the tombstone, or undefined when the seq holds no such message of this sender.
   */
  async tombstone(roomId: string, seq: number, messageId: string, senderUserId: string):
    Promise<StoredMessage | undefined> {
    const stored = await this.get(roomId, seq);
    if (!stored || stored.messageId !== messageId || stored.senderUserId !== senderUserId) return undefined;
    if (stored.deleted) return stored;
    const { seq: _seq, receivedAt: _at, deleted: _d, ...event } = stored;
    const tombstone = { ...event, ct: '', sig: '' };
    try {
      await this.messages.update({ roomId, seq }, { event: JSON.stringify(tombstone), deleted: true }, {
        condition: new Condition('messageId').eq(messageId).and().where('senderUserId').eq(senderUserId),
      });
    } catch (err) {
      if (isConditionFailed(err)) return undefined;
      throw err;
    }
    return { ...tombstone, seq, receivedAt: stored.receivedAt, deleted: true };
  }

  /**
   * Consistent: seeding a counter from a stale read would hand out taken seqs. A direct query (one item, neither
   * dynamoose nor the SDK's middleware): `room:join` asks this for every room whose counter is not in Redis, e.g. one without messages.
   */
  async highestSeq(roomId: string): Promise<number> {
    const { Items } = await this.tables.direct.query({ TableName: this.tableName, ConsistentRead: true,
      KeyConditionExpression: '#roomId = :roomId', ExpressionAttributeNames: { '#roomId': 'roomId', '#seq': 'seq' },
      ExpressionAttributeValues: { ':roomId': { S: roomId } }, ProjectionExpression: '#seq', ScanIndexForward: false,
      Limit: 1 });
    return Number(Items?.[0]?.['seq']?.N ?? 0);
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
  const message: StoredMessage = { ...(JSON.parse(item.event) as EncryptedEvent), seq: item.seq, receivedAt: item.receivedAt };
  return item.deleted ? { ...message, deleted: true } : message;
}
