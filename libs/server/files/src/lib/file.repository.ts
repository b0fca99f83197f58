import { Injectable } from '@nestjs/common';
import { Schema } from 'dynamoose';
import type { ModelType } from 'dynamoose/dist/General';
import type { Item } from 'dynamoose/dist/Item';
import { DynamoTables } from '@parley/server/core';
import type { FileMeta } from '@parley/shared/contracts';

const fileSchema = new Schema({
  fileId: { type: String, hashKey: true },
  roomId: String,
  uploaderId: String,
  size: Number,
  state: String,
  /** Pending uploads expire (TTL in AWS; reads do not rely on it). */
  expiresAt: Number,
});
interface FileItem extends Item, FileMeta {
  expiresAt?: number;
}

@Injectable()
export class FileRepository {
  private readonly files: ModelType<FileItem>;

  constructor(tables: DynamoTables) {
    this.files = tables.define<FileItem>('files', fileSchema);
  }

  async create(meta: FileMeta, expiresAt: number): Promise<void> {
    await this.files.create({ ...meta, expiresAt }, { overwrite: false });
  }

  async find(fileId: string): Promise<FileMeta | undefined> {
    const item = await this.files.get(fileId);
    if (!item) return undefined;
    return { fileId: item.fileId, roomId: item.roomId, uploaderId: item.uploaderId, size: item.size, state: item.state };
  }

  async markComplete(fileId: string): Promise<void> {
    await this.files.update({ fileId }, { state: 'complete' }, { return: 'item' });
  }
}
