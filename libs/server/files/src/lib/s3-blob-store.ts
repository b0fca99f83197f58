import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import {
  CreateBucketCommand, GetObjectCommand, HeadBucketCommand, PutObjectCommand, PutObjectTaggingCommand, S3Client,
} from '@aws-sdk/client-s3';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CORE_CONFIG, type CoreConfig } from '@parley/server/core';
import { BlobStore, exactSize } from './blob-store';
import { FILES_CONFIG, type FilesConfig } from './files.config';

/**
 * The object tag that marks a blob as not yet accepted. The bucket's lifecycle rule (infra, data stack) expires
 * objects that still carry it, so a crash between the upload and the retag leaves nothing behind for long.
 */
export const BLOB_STATE_TAG = 'parley-state';

/**
 * Encrypted blobs in S3 (or MinIO/s3rver locally), one object per file under `blobs/`. Uploads stream straight
 * through (one PUT with the declared length: blobs are at most MAX_BLOB_BYTES, far below S3's 5 GB single-PUT
 * limit), so the files service never holds a whole blob in memory and S3 never stores a wrong-sized one.
 */
@Injectable()
export class S3BlobStore extends BlobStore implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(S3BlobStore.name);
  private readonly s3: S3Client;
  private readonly bucket: string;

  constructor(@Inject(FILES_CONFIG) private readonly config: FilesConfig, @Inject(CORE_CONFIG) core: CoreConfig) {
    super();
    if (!config.S3_BUCKET) throw new Error('S3BlobStore needs S3_BUCKET');
    this.bucket = config.S3_BUCKET;
    const keys = config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
      ? { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY }
      : undefined;
    this.s3 = new S3Client({
      region: core.AWS_REGION,
      ...(config.S3_ENDPOINT && { endpoint: config.S3_ENDPOINT }),
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      ...(keys && { credentials: keys }),
      // The SDK's default (a streamed CRC trailer on every PUT) is not understood by s3rver and older MinIO;
      // S3 itself still gets Content-Length, and TLS protects the bytes in transit.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async onModuleInit(): Promise<void> {
    if (!this.config.S3_CREATE_BUCKET) return;
    try {
      await this.s3.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw err;
      try {
        await this.s3.send(new CreateBucketCommand({ Bucket: this.bucket }));
        this.logger.log({ bucket: this.bucket }, 'created the blob bucket');
      } catch (createErr) {
        // Two files instances starting together: the loser's bucket is already there.
        const name = (createErr as { name?: string }).name;
        if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw createErr;
      }
    }
  }

  onApplicationShutdown(): void {
    this.s3.destroy();
  }

  async write(fileId: string, body: Readable, size: number): Promise<void> {
    const key = this.key(fileId);
    const abort = new AbortController();
    const counted = new PassThrough();
    let bodyError: unknown;
    // A body that turns out too long or too short aborts the PUT, so S3 never completes the object.
    const piping = pipeline(body, exactSize(size), counted).catch((err: unknown) => {
      bodyError ??= err;
      abort.abort();
    });
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: counted,
          ContentLength: size,
          ContentType: 'application/octet-stream',
          Tagging: `${BLOB_STATE_TAG}=pending`,
        }),
        { abortSignal: abort.signal },
      );
    } catch (err) {
      const fromBody = bodyError;
      counted.destroy();
      await piping;
      throw fromBody ?? err;
    }
    await piping;
    await this.s3.send(
      new PutObjectTaggingCommand({
        Bucket: this.bucket,
        Key: key,
        Tagging: { TagSet: [{ Key: BLOB_STATE_TAG, Value: 'complete' }] },
      }),
    );
  }

  async read(fileId: string): Promise<{ stream: Readable; size: number }> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(fileId) }));
    return { stream: out.Body as Readable, size: out.ContentLength ?? 0 };
  }

  private key(fileId: string): string {
    return `blobs/${fileId}`;
  }
}
