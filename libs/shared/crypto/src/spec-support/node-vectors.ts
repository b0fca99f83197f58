/**
 * Where the outside test vectors live: `../shared/testvectors` beside the workspace root (or PARLEY_TESTVECTORS).
 * Missing vectors fail the run loudly — they are never skipped.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';

export const WORKSPACE_ROOT = resolve(__dirname, '../../../../..');
export const TESTVECTORS_DIR = process.env['PARLEY_TESTVECTORS'] ?? resolve(WORKSPACE_ROOT, '../shared/testvectors');

export const WYCHEPROOF_FILES = [
  'aes_gcm_test.json',
  'x25519_test.json',
  'ed25519_test.json',
  'hkdf_sha256_test.json',
  'c2sp_chunked_encryption_aes_256_gcm_test.json',
] as const;

export function vectorPath(file: string): string {
  const path = join(TESTVECTORS_DIR, 'wycheproof', file);
  if (!existsSync(path)) {
    throw new Error(
      `Test vectors missing: ${path} does not exist. The crypto tests need ../shared/testvectors beside the ` +
        'workspace (or PARLEY_TESTVECTORS); they are never skipped.',
    );
  }
  return path;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function loadVectors(file: string): any {
  return JSON.parse(readFileSync(vectorPath(file), 'utf8'));
}

export async function inflate(z: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(inflateSync(z));
}
