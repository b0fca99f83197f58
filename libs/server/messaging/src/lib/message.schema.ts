import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { Schema } from 'dynamoose';
import type { StoredMessage } from '@parley/shared/contracts';
import type { Item } from 'dynamoose/dist/Item';

export const messageSchema = new Schema({
  roomId: { type: String, hashKey: true },
  seq: { type: Number, rangeKey: true },
  messageId: { type: String, index: { type: 'global', name: 'messageId-index' } },
  senderUserId: String,
  receivedAt: Number,
  /** The EncryptedEvent exactly as sent (JSON): ciphertext and signature the server cannot open. */
  event: String,
  /** A tombstone: the sender deleted the message; `event` keeps its header, without ciphertext or signature. */
  deleted: Boolean,
});

export interface MessageItem extends Item {
  roomId: string;
  seq: number;
  messageId: string;
  senderUserId: string;
  receivedAt: number;
  event: string;
  deleted?: boolean;
}

/**
 * A new message as the item `messageSchema` describes, in DynamoDB's attribute-value form: what dynamoose would
 * write for it (message.schema.spec.ts holds the two equal), without dynamoose's per-call schema walk.
 */
export function messageItem(message: StoredMessage): Record<string, AttributeValue> {
  const { seq, receivedAt, deleted: _deleted, ...event } = message;
  return {
    roomId: { S: event.roomId }, seq: { N: String(seq) }, messageId: { S: event.messageId },
    senderUserId: { S: event.senderUserId }, receivedAt: { N: String(receivedAt) }, event: { S: JSON.stringify(event) },
  };
}
