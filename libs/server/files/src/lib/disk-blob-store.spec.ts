import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BlobSizeError } from './blob-store';
import { DiskBlobStore } from './disk-blob-store';

describe('DiskBlobStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-blobs-'));
  const store = new DiskBlobStore({ BLOB_DIR: dir });

  it('keeps a blob of exactly the declared size and reads it back', async () => {
    await store.write('a'.repeat(22), Readable.from([Buffer.from('abc'), Buffer.from('de')]), 5);
    const { stream, size } = await store.read('a'.repeat(22));
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    expect(size).toBe(5);
    expect(Buffer.concat(chunks).toString()).toBe('abcde');
  });

  it.each([
    ['larger', 'abcdef'],
    ['smaller', 'abc'],
  ])('refuses a %s upload than declared and leaves nothing behind', async (_n, body) => {
    const fileId = `b${body.length}`.padEnd(22, 'x');
    await expect(store.write(fileId, Readable.from([Buffer.from(body)]), 5)).rejects.toBeInstanceOf(BlobSizeError);
    expect(readdirSync(dir).filter((f) => f.startsWith(fileId))).toEqual([]);
  });
});
