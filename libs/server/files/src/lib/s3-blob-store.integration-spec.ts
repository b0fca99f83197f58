import { GetObjectTaggingCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import S3rver from 's3rver';
import { loadConfig, CoreConfig } from '@parley/server/core';
import { BlobSizeError } from './blob-store';
import { FilesConfig } from './files.config';
import { BLOB_STATE_TAG, S3BlobStore } from './s3-blob-store';

/** The S3 store against a real S3 API (s3rver, in process): what MinIO in compose and S3 in AWS answer. */
describe('S3BlobStore against an S3 API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir });
  const bucket = 'parley-blobs-it';
  let endpoint: string;
  let store: S3BlobStore;
  let s3: S3Client;

  const bytes = (text: string, chunk = 3) =>
    Readable.from(Array.from({ length: Math.ceil(text.length / chunk) }, (_, i) => Buffer.from(text.slice(i * chunk, i * chunk + chunk))));
  const exists = (fileId: string) =>
    s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `blobs/${fileId}` })).then(() => true, () => false);

  beforeAll(async () => {
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
    const files = loadConfig(FilesConfig, {
      BLOB_STORE: 's3', S3_BUCKET: bucket, S3_ENDPOINT: endpoint, S3_FORCE_PATH_STYLE: 'true', S3_CREATE_BUCKET: 'true',
      S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER',
    });
    store = new S3BlobStore(files, loadConfig(CoreConfig, {}));
    await store.onModuleInit();
    s3 = new S3Client({
      region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
  });

  afterAll(async () => {
    store?.onApplicationShutdown();
    s3?.destroy();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates its bucket once and finds it there on the next start', async () => {
    await expect(store.onModuleInit()).resolves.toBeUndefined();
  });

  it('streams a blob of exactly the declared size in and reads it back with its size', async () => {
    const body = 'x'.repeat(70_000);
    await store.write('a'.repeat(22), bytes(body, 16_384), body.length);
    const { stream, size } = await store.read('a'.repeat(22));
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    expect(size).toBe(body.length);
    expect(Buffer.concat(chunks).toString()).toBe(body);
  });

  it('marks an accepted blob complete, so the bucket lifecycle never expires it', async () => {
    await store.write('c'.repeat(22), bytes('hello'), 5);
    const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: `blobs/${'c'.repeat(22)}` }));
    expect(TagSet).toContainEqual({ Key: BLOB_STATE_TAG, Value: 'complete' });
  });

  it.each([
    ['larger', 'abcdefgh'],
    ['smaller', 'abc'],
  ])('refuses a %s upload than declared and stores nothing', async (_n, body) => {
    const fileId = `s${body.length}`.padEnd(22, 'x');
    await expect(store.write(fileId, bytes(body, 2), 5)).rejects.toBeInstanceOf(BlobSizeError);
    expect(await exists(fileId)).toBe(false);
  });

  it('fails a read of a blob that is not there', async () => {
    await expect(store.read('n'.repeat(22))).rejects.toThrow();
  });
});
