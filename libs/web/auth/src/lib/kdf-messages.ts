import type { KdfParams } from '@parley/shared/crypto';

/** Page → KDF worker. */
export interface KdfRequest {
  password: string;
  params: KdfParams;
}

/** KDF worker → page. */
export type KdfResponse = { ok: true; authSecret: string; pwKek: CryptoKey } | { ok: false; error: string };
