import { Injectable } from '@nestjs/common';
import { Condition, Schema } from 'dynamoose';
import type { Item } from 'dynamoose/dist/Item';
import type { ModelType } from 'dynamoose/dist/General';
import { DynamoTables, isConditionFailed } from '@parley/server/core';
import type { ReadReceipt } from '@parley/shared/contracts';

const receiptSchema = new Schema({
  roomId: { type: String, hashKey: true },
  userId: { type: String, rangeKey: true },
  lastReadSeq: Number,
  readAt: Number,
});

interface ReceiptItem extends Item {
  roomId: string;
  userId: string;
  lastReadSeq: number;
  readAt: number;
}

/** The receipts table (DESIGN §2): each member's last-read seq per room. The only code that touches it. */
@Injectable()
export class ReceiptRepository {
  private readonly receipts: ModelType<ReceiptItem>;
  private readonly tableName: string;

  constructor(private readonly tables: DynamoTables) {
    this.receipts = tables.define<ReceiptItem>('receipts', receiptSchema);
    this.tableName = this.receipts.table().name;
  }

  /**
   * Moves a member's last-read seq forward, never back (one conditional write, so two devices racing cannot
   * lower it). Returns false when the stored receipt is already at or past `seq`.
   */
  async advance(roomId: string, userId: string, seq: number, readAt: number): Promise<boolean> {
    try {
      await this.receipts.update({ roomId, userId }, { lastReadSeq: seq, readAt }, {
        condition: new Condition('lastReadSeq').not().exists().or().where('lastReadSeq').lt(seq),
      });
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  /**
   * Every member's receipt in a room (consistent: a reader right after a write sees it). Every socket's room:join
   * reads this: a bare query, see DynamoTables.queryAll.
   */
  async forRoom(roomId: string): Promise<ReadReceipt[]> {
    const items = await this.tables.queryAll({ TableName: this.tableName, ConsistentRead: true,
      KeyConditionExpression: '#roomId = :roomId', ExpressionAttributeNames: { '#roomId': 'roomId' },
      ExpressionAttributeValues: { ':roomId': { S: roomId } } });
    return items.map((i) => ({ roomId, userId: i['userId']?.S ?? '', seq: Number(i['lastReadSeq']?.N ?? 0),
      readAt: Number(i['readAt']?.N ?? 0) }));
  }
}
