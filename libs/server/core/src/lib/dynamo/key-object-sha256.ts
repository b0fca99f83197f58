import { createHash, createHmac, createSecretKey, type Hash, type Hmac, type KeyObject } from 'node:crypto';

type SourceData = string | ArrayBuffer | ArrayBufferView;

/**
 * HMAC keys by content: the signer uses a few again and again (the secret access key, the day's signing key).
 * Credentials rotate (a task role's every hour), so the map is kept small. It is keyed by a digest of the key, so
 * that no copy of a secret is kept as a string (strings cannot be wiped and turn up in heap snapshots).
 */
const keys = new Map<string, KeyObject>();
const MAX_KEYS = 16;

function keyObject(secret: SourceData): KeyObject {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8')
    : ArrayBuffer.isView(secret) ? Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength) : Buffer.from(secret);
  const id = createHash('sha256').update(bytes).digest('base64');
  let key = keys.get(id);
  if (!key) {
    if (keys.size >= MAX_KEYS) keys.clear();
    key = createSecretKey(bytes); // copies the bytes
    keys.set(id, key);
  }
  return key;
}

/**
 * SHA-256 and HMAC-SHA-256 for the SDK's SigV4 signer (its `sha256` option), the same as the SDK's own Node hasher
 * except that HMAC keys are KeyObjects, made once per key. Why: Node 24's `createHmac` with a Buffer key first asks
 * whether the key is a KeyObject, and that check dominated it: 20–43 µs per HMAC (by the machine's load) against
 * 5–7.5 µs with a KeyObject, 6 µs with this lookup (a micro-benchmark, docs/PERFORMANCE.md), and the signer makes
 * two HMACs per request (the credentials' cache key, then the signature),
 * on the path of every message's write. The gateway's profile put that check at 2.6 % of an instance's time.
 */
export class KeyObjectSha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.create();
  }

  update(data: Uint8Array): void {
    this.hash.update(data);
  }

  async digest(): Promise<Uint8Array> {
    const out = this.hash.digest();
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }

  reset(): void {
    this.hash = this.create();
  }

  private create(): Hash | Hmac {
    // Like the SDK's own hasher: no secret (or an empty string) means a plain hash.
    return this.secret ? createHmac('sha256', keyObject(this.secret)) : createHash('sha256');
  }
}
