import { ConfigError, loadConfig } from '@parley/server/core';
import { FilesConfig } from './files.config';

describe('FilesConfig', () => {
  it('keeps blobs on disk unless told otherwise', () => {
    const config = loadConfig(FilesConfig, {});
    expect(config.BLOB_STORE).toBe('disk');
    expect(config.S3_FORCE_PATH_STYLE).toBe(false);
    expect(config.S3_CREATE_BUCKET).toBe(false);
  });

  it('refuses the S3 store without a bucket, naming the variable', () => {
    expect(() => loadConfig(FilesConfig, { BLOB_STORE: 's3' })).toThrow(/S3_BUCKET/);
  });

  it('accepts the S3 store with a bucket, an endpoint and path-style addressing', () => {
    const config = loadConfig(FilesConfig, {
      BLOB_STORE: 's3', S3_BUCKET: 'parley-blobs', S3_ENDPOINT: 'http://minio:9000', S3_FORCE_PATH_STYLE: 'true',
    });
    expect(config).toMatchObject({ BLOB_STORE: 's3', S3_BUCKET: 'parley-blobs', S3_FORCE_PATH_STYLE: true });
  });

  it.each(['memory', 'S3'])('refuses BLOB_STORE=%s', (store) => {
    expect(() => loadConfig(FilesConfig, { BLOB_STORE: store })).toThrow(ConfigError);
  });
});

describe('FilesConfig booleans', () => {
  it.each([
    ['true', true], ['1', true], ['false', false], ['0', false],
  ])('reads S3_FORCE_PATH_STYLE=%s as %s', (raw, expected) => {
    expect(loadConfig(FilesConfig, { S3_FORCE_PATH_STYLE: raw }).S3_FORCE_PATH_STYLE).toBe(expected);
  });
});
