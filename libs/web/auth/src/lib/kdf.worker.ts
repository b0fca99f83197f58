// Runs Argon2id (64 MiB, ~1–3 s) off the main thread so the page stays responsive. CryptoKey objects are
// structured-cloneable, so the non-extractable password KEK travels back to the page as is.
import { derivePasswordSecrets } from '@parley/shared/crypto';
import type { KdfRequest, KdfResponse } from './kdf-messages';

addEventListener('message', (event: MessageEvent<KdfRequest>) => {
  const { password, params } = event.data;
  derivePasswordSecrets(password, params).then(
    ({ authSecret, pwKek }) => postMessage({ ok: true, authSecret, pwKek } satisfies KdfResponse),
    (error: unknown) =>
      postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) } satisfies KdfResponse),
  );
});
