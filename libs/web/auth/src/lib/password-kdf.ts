import { Injectable } from '@angular/core';
import { derivePasswordSecrets, type KdfParams } from '@parley/shared/crypto';
import type { KdfResponse } from './kdf-messages';

export interface PasswordSecrets {
  authSecret: string;
  pwKek: CryptoKey;
}

/** Argon2id in a Web Worker (a fresh one per derivation, so its 64 MiB are freed), main thread as a fallback. */
@Injectable({ providedIn: 'root' })
export class PasswordKdf {
  derive(password: string, params: KdfParams): Promise<PasswordSecrets> {
    if (typeof Worker === 'undefined') return derivePasswordSecrets(password, params);
    return new Promise<PasswordSecrets>((resolve, reject) => {
      let worker: Worker;
      try {
        worker = new Worker(new URL('./kdf.worker', import.meta.url), { type: 'module' });
      } catch {
        resolve(derivePasswordSecrets(password, params));
        return;
      }
      worker.onmessage = ({ data }: MessageEvent<KdfResponse>) => {
        worker.terminate();
        if (data.ok) resolve({ authSecret: data.authSecret, pwKek: data.pwKek });
        else reject(new Error(data.error));
      };
      worker.onerror = (event) => {
        // The worker could not start (e.g. a CSP without worker-src): derive here instead.
        event.preventDefault();
        worker.terminate();
        resolve(derivePasswordSecrets(password, params));
      };
      worker.postMessage({ password, params });
    });
  }
}
