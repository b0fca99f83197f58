import { Schema } from 'dynamoose';
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
