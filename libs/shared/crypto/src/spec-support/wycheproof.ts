/**
 * Wycheproof vectors through the library's primitive layer. Platform-neutral: the same code runs under Jest in
 * Node and bundled in Chromium. The caller supplies the parsed JSON (and zlib inflation for Cobblestone).
 */
import { primitives } from '../index';
import { bytesEqual, hexDecode } from '../lib/encoding';
import { CryptoFormatError, FileIntegrityError, ParleyCryptoError, UnsupportedError } from '../lib/errors';
import { cobblestoneDecryptStream } from '../lib/file';
import { failed, newReport, pass, unsupported, VectorReport } from './report';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const hex = hexDecode;

function eachTest(json: Json, f: (group: Json, test: Json) => Promise<void>): Promise<void> {
  return json.testGroups.reduce(
    (p: Promise<void>, g: Json) => g.tests.reduce((q: Promise<void>, t: Json) => q.then(() => f(g, t)), p),
    Promise.resolve(),
  );
}

export async function runAesGcm(json: Json): Promise<VectorReport> {
  const r = newReport('aes_gcm_test.json', json.numberOfTests);
  await eachTest(json, async (g, t) => {
    const [key, iv, aad, msg, ct, tag] = [t.key, t.iv, t.aad, t.msg, t.ct, t.tag].map(hex);
    const sealed = new Uint8Array([...ct, ...tag]);
    let out: Uint8Array;
    try {
      out = await primitives.aes256GcmOpen(key, iv, sealed, aad);
    } catch (e) {
      if (e instanceof UnsupportedError) {
        unsupported(r, g.keySize !== 256 ? `AES-${g.keySize} (protocol v1 uses AES-256 only)` : `${g.ivSize}-bit IV (96-bit only)`);
        return;
      }
      if (t.result === 'invalid' && e instanceof ParleyCryptoError) return pass(r);
      return failed(r, t.tcId, `open threw ${String(e)}`);
    }
    if (t.result === 'invalid') return failed(r, t.tcId, 'invalid ciphertext was accepted');
    if (!bytesEqual(out, msg)) return failed(r, t.tcId, 'wrong plaintext');
    const again = await primitives.aes256GcmSeal(key, iv, msg, aad);
    if (!bytesEqual(again, sealed)) return failed(r, t.tcId, 'encryption differs');
    pass(r);
  });
  return r;
}

export async function runX25519(json: Json): Promise<VectorReport> {
  const r = newReport('x25519_test.json', json.numberOfTests);
  await eachTest(json, async (_g, t) => {
    let shared: Uint8Array | undefined;
    let error: unknown;
    try {
      shared = await primitives.x25519(hex(t.private), hex(t.public));
    } catch (e) {
      if (!(e instanceof ParleyCryptoError)) return failed(r, t.tcId, `threw ${String(e)}`);
      error = e;
    }
    if (t.result === 'acceptable') {
      if (shared) {
        if (!bytesEqual(shared, hex(t.shared))) return failed(r, t.tcId, 'accepted with a wrong shared secret');
        r.acceptable.accepted++;
      } else r.acceptable.rejected++;
      return pass(r);
    }
    if (t.result === 'invalid') return shared ? failed(r, t.tcId, 'invalid input accepted') : pass(r);
    if (!shared) return failed(r, t.tcId, `valid input rejected: ${String(error)}`);
    return bytesEqual(shared, hex(t.shared)) ? pass(r) : failed(r, t.tcId, 'wrong shared secret');
  });
  return r;
}

export async function runEd25519(json: Json): Promise<VectorReport> {
  const r = newReport('ed25519_test.json', json.numberOfTests);
  await eachTest(json, async (g, t) => {
    const ok = await primitives.ed25519VerifyRaw(hex(g.publicKey.pk), hex(t.sig), hex(t.msg));
    if (t.result === 'acceptable') {
      r.acceptable[ok ? 'accepted' : 'rejected']++;
      return pass(r);
    }
    if (ok === (t.result === 'valid')) return pass(r);
    failed(r, t.tcId, ok ? 'invalid signature accepted' : 'valid signature rejected');
  });
  return r;
}

export async function runHkdf(json: Json): Promise<VectorReport> {
  const r = newReport('hkdf_sha256_test.json', json.numberOfTests);
  await eachTest(json, async (_g, t) => {
    let okm: Uint8Array | undefined;
    try {
      okm = await primitives.hkdfSha256(hex(t.ikm), hex(t.salt), hex(t.info), t.size);
    } catch (e) {
      if (!(e instanceof ParleyCryptoError)) return failed(r, t.tcId, `threw ${String(e)}`);
      return t.result === 'invalid' ? pass(r) : failed(r, t.tcId, `rejected: ${e.message}`);
    }
    if (t.result === 'invalid') return failed(r, t.tcId, 'invalid size accepted');
    return bytesEqual(okm, hex(t.okm)) ? pass(r) : failed(r, t.tcId, 'wrong okm');
  });
  return r;
}

/** Reads a stream to the end; returns what came out and the error it ended with, if any. */
async function drainStream(readable: ReadableStream<Uint8Array>): Promise<{ out: Uint8Array; error?: unknown; again?: unknown }> {
  const reader = readable.getReader();
  const chunks: Uint8Array[] = [];
  let error: unknown;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
  } catch (e) {
    error = e;
  }
  let again: unknown;
  if (error) {
    try {
      await reader.read();
    } catch (e) {
      again = e;
    }
  }
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return { out, error, again };
}

async function decryptVector(key: Uint8Array, ctx: Uint8Array, ct: Uint8Array, slice: number) {
  const { stream } = cobblestoneDecryptStream(key, ctx, { hash: false });
  const writer = stream.writable.getWriter();
  const writing = (async () => {
    for (let off = 0; off < ct.length; off += slice) await writer.write(ct.subarray(off, Math.min(ct.length, off + slice)));
    await writer.close();
  })().catch(() => undefined);
  const res = await drainStream(stream.readable);
  await writing;
  return res;
}

export async function runCobblestone(json: Json, inflate: (z: Uint8Array) => Promise<Uint8Array>): Promise<VectorReport> {
  const r = newReport('c2sp_chunked_encryption_aes_256_gcm_test.json', json.numberOfTests);
  await eachTest(json, async (_g, t) => {
    const key = hex(t.key);
    const ctx = hex(t.ctx);
    const ct = await inflate(hex(t.ct));
    const flags: string[] = t.flags;
    if (flags.includes('InvalidKeySize')) {
      try {
        cobblestoneDecryptStream(key, ctx);
        return failed(r, t.tcId, 'a wrong-size key was accepted');
      } catch (e) {
        return e instanceof CryptoFormatError ? pass(r) : failed(r, t.tcId, `threw ${String(e)}`);
      }
    }
    // Odd write sizes, so chunk boundaries never line up with writes.
    const { out, error, again } = await decryptVector(key, ctx, ct, 7001);
    if (t.result === 'valid') {
      if (error) return failed(r, t.tcId, `rejected: ${String(error)}`);
      if (out.length !== t.msgLength) return failed(r, t.tcId, 'wrong length');
      if (!bytesEqual(await primitives.sha512(out), hex(t.msgSha512))) return failed(r, t.tcId, 'wrong plaintext');
      // Raw mode: the derived AEAD key and base nonce match the vector's.
      const derived = await primitives.cobblestoneDerive(key, ct.subarray(0, 24), ctx);
      if (!bytesEqual(derived.baseNonce, hex(t.baseNonce))) return failed(r, t.tcId, 'wrong base nonce');
      const rawKey = hex(t.aeadKey);
      const chunk0 = await primitives.aes256GcmOpen(rawKey, primitives.cobblestoneNonce(derived.baseNonce, 0), ct.subarray(56, 56 + Math.min(16400, ct.length - 56)), new Uint8Array(0));
      if (!bytesEqual(chunk0, out.subarray(0, chunk0.length))) return failed(r, t.tcId, 'aeadKey does not decrypt chunk 0');
      // Encryption with the vector's salt reproduces the ciphertext exactly (method 2 of the vector docs).
      const re = await primitives.cobblestoneEncrypt(key, ctx, out, { salt: ct.subarray(0, 24) });
      if (!bytesEqual(re, ct)) return failed(r, t.tcId, 're-encryption differs');
      return pass(r);
    }
    if (!error) return failed(r, t.tcId, 'invalid ciphertext accepted');
    if (!(error instanceof ParleyCryptoError)) return failed(r, t.tcId, `untyped error ${String(error)}`);
    if (!again) return failed(r, t.tcId, 'the stream did not keep failing');
    if (flags.includes('HeaderFailure')) {
      if (out.length !== 0) return failed(r, t.tcId, 'plaintext released before the header was checked');
      if (!(error instanceof FileIntegrityError) || (error.reason !== 'header' && error.reason !== 'commitment')) {
        return failed(r, t.tcId, `expected a header failure, got ${String(error)}`);
      }
    }
    const prefix = flags.includes('PartialPlaintext') ? t.msgLength : 0;
    if (out.length > prefix) return failed(r, t.tcId, `released ${out.length} bytes, beyond the valid prefix of ${prefix}`);
    if (prefix && out.length === prefix && !bytesEqual(await primitives.sha512(out), hex(t.msgSha512))) {
      return failed(r, t.tcId, 'released prefix is wrong');
    }
    pass(r);
  });
  return r;
}
