import type { Readable } from 'node:stream';

export class BlobSizeError extends Error {}

/**
 * Where encrypted blobs live: on disk (local modes) or in S3 (AWS; MinIO in compose). The files service picks one
 * by config (BLOB_STORE) and never knows which. A blob is stored only when exactly the declared size arrived.
 */
export abstract class BlobStore {
  /** Stores `body`; rejects with BlobSizeError (and keeps nothing) unless exactly `size` bytes arrive. */
  abstract write(fileId: string, body: Readable, size: number): Promise<void>;
  abstract read(fileId: string): Promise<{ stream: Readable; size: number }>;
}

/** A pipeline step that passes exactly `size` bytes through and fails as soon as the count cannot match. */
export function exactSize(size: number) {
  return async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    let received = 0;
    for await (const chunk of source) {
      received += chunk.length;
      if (received > size) throw new BlobSizeError(`the upload is larger than the declared ${size} bytes`);
      yield chunk;
    }
    // Thrown before the stream ends, so whatever consumes it (a file, an S3 PUT) sees an error, not an end.
    if (received !== size) throw new BlobSizeError(`received ${received} bytes, declared ${size}`);
  };
}
