import { Schema } from 'dynamoose';
import type { Item } from 'dynamoose/dist/Item';

export const roomSchema = new Schema({
  roomId: { type: String, hashKey: true },
  name: String,
  kind: String,
  createdBy: String,
  currentEpoch: Number,
  createdAt: Number,
});
export interface RoomItem extends Item {
  roomId: string;
  name: string;
  kind: 'group' | 'direct';
  createdBy: string;
  currentEpoch: number;
  createdAt: number;
}

/** A projection of the op chain, rebuilt from it if ever needed; the GSI answers "my rooms". */
export const memberSchema = new Schema({
  roomId: { type: String, hashKey: true },
  userId: { type: String, rangeKey: true, index: { type: 'global', name: 'userId-index', rangeKey: 'roomId' } },
  role: String,
  joinedEpoch: Number,
});
export interface MemberItem extends Item {
  roomId: string;
  userId: string;
  role: 'owner' | 'admin' | 'member';
  joinedEpoch: number;
}

/** The signed, hash-chained membership operations: the source of truth for membership. */
export const roomOpSchema = new Schema({
  roomId: { type: String, hashKey: true },
  seq: { type: Number, rangeKey: true },
  op: String,
});
export interface RoomOpItem extends Item {
  roomId: string;
  seq: number;
  /** The RoomOp as the client signed it (JSON). */
  op: string;
}

export const epochSchema = new Schema({
  roomId: { type: String, hashKey: true },
  epoch: { type: Number, rangeKey: true },
  envelope: String,
  createdAt: Number,
});
export interface EpochItem extends Item {
  roomId: string;
  epoch: number;
  /** The EpochKeyEnvelope as the client signed it (JSON): HPKE wraps the server cannot open. */
  envelope: string;
  createdAt: number;
}
