import { Schema } from 'dynamoose';
import type { Item } from 'dynamoose/dist/Item';

/**
 * One table holds users and username claims (DESIGN §2): a claim `USERNAME#<name>` is written first with a
 * condition, so two registrations of one name cannot both win without a transaction.
 */
export const userSchema = new Schema({
  userId: { type: String, hashKey: true },
  /** On claim items: the user that owns the name. */
  ownerId: String,
  username: String,
  displayName: String,
  uikPublicKey: String,
  /** argon2id(authSecret); the password itself never reaches the server. */
  authHash: String,
  /** The client's Argon2id parameters and salt (JSON). */
  kdf: String,
  wrappedAbk: String,
  secretBundle: String,
  createdAt: Number,
});

export interface UserItem extends Item {
  userId: string;
  ownerId?: string;
  username?: string;
  displayName?: string;
  uikPublicKey?: string;
  authHash?: string;
  kdf?: string;
  wrappedAbk?: string;
  secretBundle?: string;
  createdAt?: number;
}

export const deviceSchema = new Schema({
  userId: { type: String, hashKey: true },
  deviceId: { type: String, rangeKey: true },
  /** The DeviceCert exactly as the client signed it (JSON). */
  cert: String,
  listVersion: Number,
  createdAt: Number,
});

export interface DeviceItem extends Item {
  userId: string;
  deviceId: string;
  cert: string;
  listVersion: number;
  createdAt: number;
}
