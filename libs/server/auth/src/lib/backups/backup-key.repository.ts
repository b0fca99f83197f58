import { Injectable } from '@nestjs/common';
import { Schema } from 'dynamoose';
import type { ModelType } from 'dynamoose/dist/General';
import type { Item } from 'dynamoose/dist/Item';
import { DynamoTables, isConditionFailed } from '@parley/server/core';
import type { StoredEpochKeyBackup } from '@parley/shared/contracts';
import type { EpochKeyBackup } from '@parley/shared/crypto';

/** DESIGN §2 `backups`: one item per user, room and epoch; `storedAt` (local index) is the `since` cursor. */
const backupKeySchema = new Schema({
  userId: { type: String, hashKey: true },
  /** `<roomId>#<epoch, 10 digits>` */
  entryKey: { type: String, rangeKey: true },
  storedAt: { type: Number, index: { type: 'local', name: 'storedAt-index' } },
  /** The EpochKeyBackup exactly as the device sealed and signed it (JSON). */
  entry: String,
});

interface BackupKeyItem extends Item {
  userId: string;
  entryKey: string;
  storedAt: number;
  entry: string;
}

/** Most entries one GET returns; a client with more asks again with `since`. */
export const BACKUP_KEYS_PAGE = 1000;

@Injectable()
export class BackupKeyRepository {
  private readonly items: ModelType<BackupKeyItem>;

  constructor(tables: DynamoTables) {
    this.items = tables.define<BackupKeyItem>('backups', backupKeySchema);
  }

  /** Stores each entry unless one for that room and epoch exists (the first seal wins); returns how many were new. */
  async add(userId: string, entries: EpochKeyBackup[], storedAt: number): Promise<number> {
    const results = await Promise.all(entries.map(async (entry) => {
      try {
        await this.items.create({ userId, entryKey: `${entry.roomId}#${String(entry.epoch).padStart(10, '0')}`, storedAt,
          entry: JSON.stringify(entry) }, { overwrite: false });
        return 1;
      } catch (err) {
        if (isConditionFailed(err)) return 0;
        throw err;
      }
    }));
    return results.reduce<number>((a, b) => a + b, 0);
  }

  async since(userId: string, since: number): Promise<StoredEpochKeyBackup[]> {
    const items = await this.items.query('userId').eq(userId).where('storedAt').gt(since).using('storedAt-index')
      .sort('ascending').limit(BACKUP_KEYS_PAGE).exec();
    return [...items].sort((a, b) => a.storedAt - b.storedAt || a.entryKey.localeCompare(b.entryKey))
      .map((i) => ({ entry: JSON.parse(i.entry) as EpochKeyBackup, storedAt: i.storedAt }));
  }
}
