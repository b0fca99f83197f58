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
  /** The first 3 characters of the username: the partition of the prefix-search index (user items only). */
  namePrefix: { type: String, index: { type: 'global', name: 'namePrefix-index', rangeKey: 'username' } },
  displayName: String,
  statusText: String,
  avatarFileId: String,
  uikPublicKey: String,
  /** argon2id(authSecret); the password itself never reaches the server. */
  authHash: String,
  /** The client's Argon2id parameters and salt (JSON). */
  kdf: String,
  wrappedAbk: String,
  /** The ABK wrapped by the recovery key (absent when the account has none). */
  recoveryWrappedAbk: String,
  secretBundle: String,
  /** The UIK-signed certificate of the backup X25519 key, exactly as the client signed it (JSON). */
  backupKeyCert: String,
  /** Version of wrappedAbk + secretBundle; every write names the version it replaces. Missing = 1. */
  backupVersion: Number,
  createdAt: Number,
});

export interface UserItem extends Item {
  userId: string;
  ownerId?: string;
  username?: string;
  namePrefix?: string;
  displayName?: string;
  statusText?: string;
  avatarFileId?: string;
  uikPublicKey?: string;
  authHash?: string;
  kdf?: string;
  wrappedAbk?: string;
  secretBundle?: string;
  recoveryWrappedAbk?: string;
  backupKeyCert?: string;
  backupVersion?: number;
  createdAt?: number;
}

/**
 * Device certificates, and one `#v<listVersion>` claim item per list version (written first with a condition), so
 * two devices added at once cannot both take the same listVersion.
 */
export const deviceSchema = new Schema({
  userId: { type: String, hashKey: true },
  deviceId: { type: String, rangeKey: true },
  /** The DeviceCert exactly as the client signed it (JSON). */
  cert: String,
  listVersion: Number,
  /** True once the cert is a UIK-signed revocation. */
  revoked: Boolean,
  createdAt: Number,
});

export interface DeviceItem extends Item {
  userId: string;
  deviceId: string;
  cert: string;
  listVersion: number;
  revoked?: boolean;
  createdAt: number;
}
