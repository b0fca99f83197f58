import { Schema } from 'dynamoose';
import type { Item } from 'dynamoose/dist/Item';
import type { SessionRecord } from './session.repository';

/**
 * One item per session, i.e. per refresh-token family (DESIGN §2 `sessions`). Only the SHA-256 of the current
 * refresh token is stored; `generation` counts rotations and is what a rotation's condition checks.
 */
export const sessionSchema = new Schema({
  sessionId: { type: String, hashKey: true },
  userId: { type: String, index: { type: 'global', name: 'userId-index' } },
  tokenHash: String,
  generation: Number,
  rotatedAt: Number,
  deviceLabel: String,
  ip: String,
  createdAt: Number,
  lastUsedAt: Number,
  /** ms: the session ends unless refreshed before. Reads check it; TTL deletion is only housekeeping. */
  expiresAt: Number,
  revokedAt: Number,
  revokedReason: String,
  /** s: DynamoDB TTL attribute (AWS deletes the item some time after). */
  ttl: Number,
});

/** The stored item: the session record plus DynamoDB's TTL attribute. */
export interface SessionItem extends Item, SessionRecord {
  ttl: number;
}
