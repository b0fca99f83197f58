export * from './lib/files.config';
export * from './lib/files.module';
/** The object tag the bucket lifecycle (infra, data stack) expires pending blobs by. */
export { BLOB_STATE_TAG } from './lib/s3-blob-store';
