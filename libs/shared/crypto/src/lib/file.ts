/**
 * Files: Cobblestone-256 (c2sp.org/chunked-encryption with AES-256-GCM and HKDF-Expand-SHA-512) as Web Streams.
 *
 *   key ‖ baseNonce ‖ commitment = HKDF-Expand-SHA-512(prk = input key (32 B),
 *       info = "c2sp.org/chunked-encryption@v1+AEAD_AES_256_GCM" ‖ 0x00 ‖ salt (24 B) ‖ context, 32 + 12 + 32 B)
 *   ciphertext = salt ‖ commitment ‖ AES-256-GCM(key, baseNonce ⊕ u40(i), chunk_i, aad = ∅) for i = 0, 1, …
 *   chunks: 16 KiB each; the last one is always shorter (possibly empty), which marks the end
 *   Parley context = "parley/v1/file" ‖ lp(roomId) ‖ lp(fileId); ctSha256 = SHA-256 of the whole ciphertext
 *
 * Memory stays bounded: at most `concurrency` chunks are in flight (Web Crypto runs them on its own threads, which
 * is how the stream keeps up with a one-shot AES-GCM call), plus one 16 KiB buffer.
 */
import { createSHA256, type IHasher } from 'hash-wasm';
import { b64uDecodeLen, b64uEncode, Bytes, bytesEqual, concatBytes, lp, randomBytes, utf8 } from './encoding';
import { CryptoFormatError, FileIntegrityError } from './errors';
import { hkdfExpandSha512, importAesKey, KEY_BYTES, subtle } from './primitives';
import { B64u, FileRef } from './types';

export const FILE_SCHEME = 'c2sp-chunked-aes256gcm-v1' as const;
export const COBBLESTONE_CHUNK = 16384;
const TAG = 16;
const SALT = 24;
const COMMITMENT = 32;
export const COBBLESTONE_HEADER = SALT + COMMITMENT;
const CT_CHUNK = COBBLESTONE_CHUNK + TAG;
const MAX_CHUNKS = 2 ** 38;
const INFO_PREFIX = concatBytes(utf8('c2sp.org/chunked-encryption@v1+AEAD_AES_256_GCM'), new Uint8Array([0]));
const DEFAULT_CONCURRENCY = 16;
const noop = () => undefined;

export interface CobblestoneKeys {
  aesKey: CryptoKey;
  baseNonce: Bytes;
  commitment: Bytes;
}

/** The per-message key, base nonce and commitment (exposed for the raw-mode test vectors). */
export async function cobblestoneDerive(key: Uint8Array, salt: Uint8Array, context: Uint8Array): Promise<CobblestoneKeys> {
  if (!ArrayBuffer.isView(key) || key.length !== KEY_BYTES) throw new CryptoFormatError('Cobblestone-256: the input key must be 32 bytes');
  if (salt.length !== SALT) throw new CryptoFormatError('Cobblestone-256: the salt must be 24 bytes');
  const okm = await hkdfExpandSha512(key, concatBytes(INFO_PREFIX, salt, context), KEY_BYTES + 12 + COMMITMENT);
  try {
    return { aesKey: await importAesKey(okm.subarray(0, KEY_BYTES)), baseNonce: okm.slice(32, 44), commitment: okm.slice(44, 76) };
  } finally {
    okm.fill(0);
  }
}

/** baseNonce ⊕ counter, the counter as a big-endian integer in the last 5 bytes (38 bits used). */
export function cobblestoneNonce(baseNonce: Uint8Array, counter: number): Bytes {
  if (!Number.isSafeInteger(counter) || counter < 0 || counter >= MAX_CHUNKS) {
    throw new FileIntegrityError('too-long', 'Cobblestone-256: more than 2^38 chunks');
  }
  const n = new Uint8Array(baseNonce);
  let c = counter;
  for (let i = 11; i >= 7; i--) {
    n[i] ^= c % 256;
    c = Math.floor(c / 256);
  }
  return n;
}

export interface CobblestoneOptions {
  /** Chunks in flight (default 16). */
  concurrency?: number;
  /** Compute SHA-256 of the ciphertext (default true). */
  hash?: boolean;
  /** Fixed salt: for test vectors only. A repeated salt under one key repeats key and nonces. */
  salt?: Uint8Array;
}

export interface CobblestoneResult {
  /** Plaintext bytes. */
  size: number;
  /** Ciphertext bytes (size + 56 + 16 per chunk). */
  ctSize: number;
  /** SHA-256 of the whole ciphertext, base64url (when hashing). */
  ctSha256?: B64u;
}

interface Settled<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

function deferred<T>(): Settled<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(noop); // the caller may only read the stream; never an unhandled rejection
  return { promise, resolve, reject };
}

const view = (b: Uint8Array) => b as Bytes;

/** Ciphertext size for a plaintext size: 56 + size + 16 · (⌊size / 16384⌋ + 1). */
export function cobblestoneCiphertextSize(size: number): number {
  return COBBLESTONE_HEADER + size + TAG * (Math.floor(size / COBBLESTONE_CHUNK) + 1);
}

/**
 * Streaming encryption: write plaintext, read salt ‖ commitment ‖ chunks. `result` settles when the stream ends.
 */
export function cobblestoneEncryptStream(
  key: Uint8Array,
  context: Uint8Array,
  options: CobblestoneOptions = {},
): { stream: TransformStream<Uint8Array, Uint8Array>; result: Promise<CobblestoneResult> } {
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  const result = deferred<CobblestoneResult>();
  let keys: CobblestoneKeys;
  let hasher: IHasher | undefined;
  let counter = 0;
  let size = 0;
  let ctSize = 0;
  let acc = new Uint8Array(COBBLESTONE_CHUNK);
  let accLen = 0;
  const pending: Promise<ArrayBuffer>[] = [];

  const emit = (ctrl: TransformStreamDefaultController<Uint8Array>, bytes: Uint8Array) => {
    hasher?.update(bytes);
    ctSize += bytes.length;
    ctrl.enqueue(bytes);
  };
  const dispatch = (pt: Uint8Array) => {
    const p = subtle().encrypt({ name: 'AES-GCM', iv: cobblestoneNonce(keys.baseNonce, counter++), tagLength: 128 }, keys.aesKey, view(pt));
    p.catch(noop);
    pending.push(p);
  };
  const drain = async (ctrl: TransformStreamDefaultController<Uint8Array>, keep: number) => {
    while (pending.length > keep) {
      const next = pending.shift() as Promise<ArrayBuffer>;
      emit(ctrl, new Uint8Array(await next));
    }
  };
  const guard = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      result.reject(e);
      throw e;
    }
  };

  const stream = new TransformStream<Uint8Array, Uint8Array>({
    start: (ctrl) =>
      guard(async () => {
        const salt = options.salt ?? randomBytes(SALT);
        keys = await cobblestoneDerive(key, salt, context);
        if (options.hash !== false) {
          hasher = await createSHA256();
          hasher.init();
        }
        emit(ctrl, concatBytes(salt, keys.commitment));
      }),
    transform: (chunk, ctrl) =>
      guard(async () => {
        if (!ArrayBuffer.isView(chunk)) throw new CryptoFormatError('Cobblestone-256: write Uint8Array chunks');
        size += chunk.length;
        let off = 0;
        if (accLen > 0) {
          off = Math.min(COBBLESTONE_CHUNK - accLen, chunk.length);
          acc.set(chunk.subarray(0, off), accLen);
          accLen += off;
          if (accLen === COBBLESTONE_CHUNK) {
            dispatch(acc);
            acc = new Uint8Array(COBBLESTONE_CHUNK);
            accLen = 0;
          }
        }
        // Web Crypto copies its input when called, so full chunks go straight from the caller's buffer.
        for (; chunk.length - off >= COBBLESTONE_CHUNK; off += COBBLESTONE_CHUNK) dispatch(chunk.subarray(off, off + COBBLESTONE_CHUNK));
        if (off < chunk.length) {
          acc.set(chunk.subarray(off), accLen);
          accLen += chunk.length - off;
        }
        await drain(ctrl, concurrency);
      }),
    flush: (ctrl) =>
      guard(async () => {
        dispatch(acc.subarray(0, accLen)); // the final chunk is always short, possibly empty
        await drain(ctrl, 0);
        const ctSha256 = hasher ? b64uEncode(hasher.digest('binary') as Uint8Array) : undefined;
        result.resolve({ size, ctSize, ...(ctSha256 ? { ctSha256 } : {}) });
      }),
  });
  return { stream, result: result.promise };
}

export interface CobblestoneDecryptOptions extends Omit<CobblestoneOptions, 'salt'> {
  /** The ciphertext must hash to this (base64url SHA-256), checked at the end of the stream. */
  expectedCtSha256?: B64u;
  /** The plaintext must have exactly this many bytes. */
  expectedSize?: number;
}

/**
 * Streaming decryption. The commitment is checked before any chunk; chunks are released in order, each only after
 * it authenticated; truncation, trailing data, reordering or any flipped bit errors the stream (FileIntegrityError
 * or DecryptionError), and it stays errored. As with any streaming decryption, a prefix of authenticated chunks
 * may have been released before a later chunk fails: treat the file as failed unless the stream closes cleanly.
 */
export function cobblestoneDecryptStream(
  key: Uint8Array,
  context: Uint8Array,
  options: CobblestoneDecryptOptions = {},
): { stream: TransformStream<Uint8Array, Uint8Array>; result: Promise<CobblestoneResult> } {
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  const hashing = options.hash !== false || options.expectedCtSha256 !== undefined;
  const result = deferred<CobblestoneResult>();
  let keys: CobblestoneKeys | undefined;
  let hasher: IHasher | undefined;
  let header = new Uint8Array(0);
  let parts: Uint8Array[] = [];
  let buffered = 0;
  let counter = 0;
  let size = 0;
  let ctSize = 0;
  const pending: { index: number; p: Promise<ArrayBuffer> }[] = [];

  if (key.length !== KEY_BYTES) throw new CryptoFormatError('Cobblestone-256: the input key must be 32 bytes');

  const take = (n: number): Uint8Array => {
    let out: Uint8Array;
    if (parts[0].length >= n) {
      out = parts[0].subarray(0, n);
      parts[0] = parts[0].subarray(n);
      if (parts[0].length === 0) parts.shift();
    } else {
      out = new Uint8Array(n);
      let o = 0;
      while (o < n) {
        const p = parts[0];
        const k = Math.min(p.length, n - o);
        out.set(p.subarray(0, k), o);
        o += k;
        if (k === p.length) parts.shift();
        else parts[0] = p.subarray(k);
      }
    }
    buffered -= n;
    return out;
  };
  const dispatch = (ct: Uint8Array, k: CobblestoneKeys) => {
    const index = counter++;
    const p = subtle().decrypt({ name: 'AES-GCM', iv: cobblestoneNonce(k.baseNonce, index), tagLength: 128 }, k.aesKey, view(ct));
    p.catch(noop);
    pending.push({ index, p });
  };
  const drain = async (ctrl: TransformStreamDefaultController<Uint8Array>, keep: number) => {
    while (pending.length > keep) {
      const { index, p } = pending.shift() as (typeof pending)[number];
      let pt: ArrayBuffer;
      try {
        pt = await p;
      } catch (e) {
        throw new FileIntegrityError('chunk', `Cobblestone-256: chunk ${index} does not authenticate (tampered, reordered or truncated)`, { cause: e });
      }
      size += pt.byteLength;
      ctrl.enqueue(new Uint8Array(pt));
    }
  };
  const guard = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      pending.length = 0;
      parts = [];
      result.reject(e);
      throw e;
    }
  };

  const stream = new TransformStream<Uint8Array, Uint8Array>({
    start: () =>
      guard(async () => {
        if (hashing) {
          hasher = await createSHA256();
          hasher.init();
        }
      }),
    transform: (chunk, ctrl) =>
      guard(async () => {
        if (!ArrayBuffer.isView(chunk)) throw new CryptoFormatError('Cobblestone-256: write Uint8Array chunks');
        if (chunk.length === 0) return;
        hasher?.update(chunk);
        ctSize += chunk.length;
        let rest: Uint8Array = chunk;
        if (!keys) {
          const need = COBBLESTONE_HEADER - header.length;
          header = concatBytes(header, rest.subarray(0, need));
          rest = rest.subarray(need);
          if (header.length < COBBLESTONE_HEADER) return;
          keys = await cobblestoneDerive(key, header.subarray(0, SALT), context);
          if (!bytesEqual(keys.commitment, header.subarray(SALT))) {
            throw new FileIntegrityError('commitment', 'Cobblestone-256: commitment mismatch (wrong key or context, or a tampered header)');
          }
        }
        if (rest.length > 0) {
          // Keep a private copy: the caller may reuse its buffer once this write resolves.
          parts.push(rest.slice());
          buffered += rest.length;
        }
        // A full-size chunk is final only if nothing follows it, so keep one chunk back until more arrives.
        while (buffered > CT_CHUNK) dispatch(take(CT_CHUNK), keys);
        await drain(ctrl, concurrency);
      }),
    flush: (ctrl) =>
      guard(async () => {
        if (!keys) throw new FileIntegrityError('header', 'Cobblestone-256: ciphertext shorter than its 56-byte header');
        if (buffered === CT_CHUNK) throw new FileIntegrityError('truncated', 'Cobblestone-256: the final short chunk is missing');
        if (buffered < TAG) throw new FileIntegrityError('truncated', 'Cobblestone-256: the final chunk is shorter than its tag');
        dispatch(take(buffered), keys);
        await drain(ctrl, 0);
        const digest = hasher ? b64uEncode(hasher.digest('binary') as Uint8Array) : undefined;
        if (options.expectedCtSha256 !== undefined && digest !== options.expectedCtSha256) {
          throw new FileIntegrityError('hash', 'file: the ciphertext does not match the hash in its FileRef');
        }
        if (options.expectedSize !== undefined && size !== options.expectedSize) {
          throw new FileIntegrityError('size', `file: ${size} bytes, the FileRef says ${options.expectedSize}`);
        }
        result.resolve({ size, ctSize, ...(digest ? { ctSha256: digest } : {}) });
      }),
  });
  return { stream, result: result.promise };
}

/** Feeds `data` through a transform in `slice`-byte writes and collects the output. */
export async function runTransform(
  stream: TransformStream<Uint8Array, Uint8Array>,
  data: Uint8Array,
  slice = 65536,
): Promise<Bytes> {
  const source = new ReadableStream<Uint8Array>({
    start(ctrl) {
      for (let off = 0; off < data.length; off += slice) ctrl.enqueue(data.subarray(off, Math.min(data.length, off + slice)));
      ctrl.close();
    },
  });
  const out: Uint8Array[] = [];
  const reader = source.pipeThrough(stream).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    out.push(value);
  }
  return concatBytes(...out);
}

/** One-shot Cobblestone-256 encryption (through the streaming code). */
export async function cobblestoneEncrypt(key: Uint8Array, context: Uint8Array, data: Uint8Array, options: CobblestoneOptions = {}): Promise<Bytes> {
  return runTransform(cobblestoneEncryptStream(key, context, { hash: false, ...options }).stream, data);
}

/** One-shot Cobblestone-256 decryption (through the streaming code). */
export async function cobblestoneDecrypt(key: Uint8Array, context: Uint8Array, ct: Uint8Array, options: CobblestoneDecryptOptions = {}): Promise<Bytes> {
  return runTransform(cobblestoneDecryptStream(key, context, { hash: false, ...options }).stream, ct);
}

// ------------------------------------------------------------------------------------------- Parley files

/** "parley/v1/file" ‖ lp(roomId) ‖ lp(fileId). */
export function fileContext(roomId: string, fileId: string): Bytes {
  if (typeof roomId !== 'string' || !roomId || typeof fileId !== 'string' || !fileId) {
    throw new CryptoFormatError('file: roomId and fileId must be non-empty strings');
  }
  return concatBytes(utf8('parley/v1/file'), lp(roomId), lp(fileId));
}

/**
 * Starts encrypting a file for a room: a fresh 32-byte key, the stream, and (when it ends) the size and the
 * ciphertext hash that go into the FileRef.
 */
export function createFileEncryption(params: { roomId: string; fileId: string; concurrency?: number }): {
  key: Bytes;
  stream: TransformStream<Uint8Array, Uint8Array>;
  result: Promise<Required<CobblestoneResult>>;
} {
  const key = randomBytes(KEY_BYTES);
  const { stream, result } = cobblestoneEncryptStream(key, fileContext(params.roomId, params.fileId), { concurrency: params.concurrency });
  return { key, stream, result: result as Promise<Required<CobblestoneResult>> };
}

/** Builds the FileRef that travels (only) inside an encrypted `file` payload. */
export function makeFileRef(p: { fileId: string; key: Uint8Array; size: number; ctSha256: B64u; mime: string; name: string; thumb?: FileRef }): FileRef {
  if (p.key.length !== KEY_BYTES) throw new CryptoFormatError('file key: expected 32 bytes');
  return {
    fileId: p.fileId,
    scheme: FILE_SCHEME,
    key: b64uEncode(p.key),
    size: p.size,
    mime: p.mime,
    name: p.name,
    ctSha256: p.ctSha256,
    ...(p.thumb ? { thumb: p.thumb } : {}),
  };
}

/** Decrypts a downloaded file stream for a FileRef (scheme, key, size and ciphertext hash all checked). */
export function createFileDecryption(ref: FileRef, roomId: string, options: { concurrency?: number } = {}): {
  stream: TransformStream<Uint8Array, Uint8Array>;
  result: Promise<CobblestoneResult>;
} {
  if (!ref || ref.scheme !== FILE_SCHEME) throw new CryptoFormatError(`file: unsupported scheme ${String(ref?.scheme)}`);
  if (!Number.isSafeInteger(ref.size) || ref.size < 0) throw new CryptoFormatError('file: bad size');
  b64uDecodeLen(ref.ctSha256, 32, 'file ctSha256');
  return cobblestoneDecryptStream(b64uDecodeLen(ref.key, KEY_BYTES, 'file key'), fileContext(roomId, ref.fileId), {
    concurrency: options.concurrency,
    expectedCtSha256: ref.ctSha256,
    expectedSize: ref.size,
  });
}
