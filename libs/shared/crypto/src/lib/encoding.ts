/**
 * Byte helpers shared by every encoder of protocol v1 (DESIGN §3): strict base64url, UTF-8, length-prefixed
 * concatenation (`lp` = u16 big-endian length ‖ bytes) and big-endian integers. No `Buffer`, no `node:` imports.
 */
import { CryptoFormatError } from './errors';

/** A Uint8Array backed by a plain ArrayBuffer (what Web Crypto's `BufferSource` wants under TS ≥ 5.7). */
export type Bytes = Uint8Array<ArrayBuffer>;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const REVERSE: Int16Array = (() => {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/** base64url without padding (RFC 4648 §5). */
export function b64uEncode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET[(n >>> 18) & 63] + ALPHABET[(n >>> 12) & 63] + ALPHABET[(n >>> 6) & 63] + ALPHABET[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += ALPHABET[(n >>> 18) & 63] + ALPHABET[(n >>> 12) & 63];
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += ALPHABET[(n >>> 18) & 63] + ALPHABET[(n >>> 12) & 63] + ALPHABET[(n >>> 6) & 63];
  }
  return out;
}

/**
 * Strict base64url decoding: only `A–Z a–z 0–9 - _`, no padding, no whitespace, no impossible length and no
 * non-zero trailing bits — so every byte string has exactly one accepted encoding (no signature malleability).
 */
export function b64uDecode(s: string): Bytes {
  if (typeof s !== 'string') throw new CryptoFormatError('base64url: not a string');
  const len = s.length;
  if (len % 4 === 1) throw new CryptoFormatError('base64url: impossible length');
  const vals = new Uint8Array(len);
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? REVERSE[c] : -1;
    if (v < 0) throw new CryptoFormatError(`base64url: invalid character at ${i}`);
    vals[i] = v;
  }
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let o = 0;
  let i = 0;
  for (; i + 3 < len; i += 4) {
    const n = (vals[i] << 18) | (vals[i + 1] << 12) | (vals[i + 2] << 6) | vals[i + 3];
    out[o++] = (n >>> 16) & 255;
    out[o++] = (n >>> 8) & 255;
    out[o++] = n & 255;
  }
  const rest = len - i;
  if (rest === 2) {
    if (vals[i + 1] & 15) throw new CryptoFormatError('base64url: non-canonical trailing bits');
    out[o++] = (vals[i] << 2) | (vals[i + 1] >>> 4);
  } else if (rest === 3) {
    if (vals[i + 2] & 3) throw new CryptoFormatError('base64url: non-canonical trailing bits');
    const n = (vals[i] << 10) | (vals[i + 1] << 4) | (vals[i + 2] >>> 2);
    out[o++] = (n >>> 8) & 255;
    out[o++] = n & 255;
  }
  return out;
}

/** Decodes base64url and checks the byte length (throws CryptoFormatError naming `what`). */
export function b64uDecodeLen(s: string, length: number, what: string): Bytes {
  const bytes = b64uDecode(s);
  if (bytes.length !== length) {
    throw new CryptoFormatError(`${what}: expected ${length} bytes, got ${bytes.length}`);
  }
  return bytes;
}

const encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8(s: string): Bytes {
  return encoder.encode(s) as Bytes;
}

/** Concatenation of byte strings. */
export function concatBytes(...parts: Uint8Array[]): Bytes {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Length-prefixed bytes: u16 big-endian length ‖ bytes (strings are UTF-8 encoded first). */
export function lp(data: Uint8Array | string): Bytes {
  const bytes = typeof data === 'string' ? utf8(data) : data;
  if (bytes.length > 0xffff) throw new CryptoFormatError(`lp: ${bytes.length} bytes exceed 65535`);
  const out = new Uint8Array(2 + bytes.length);
  out[0] = bytes.length >>> 8;
  out[1] = bytes.length & 255;
  out.set(bytes, 2);
  return out;
}

function checkInt(n: number, max: number, what: string): void {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > max) {
    throw new CryptoFormatError(`${what}: ${String(n)} is not an integer in [0, ${max}]`);
  }
}

/** One byte. */
export function u8(n: number): Bytes {
  checkInt(n, 0xff, 'u8');
  return new Uint8Array([n]);
}

/** u32 big-endian. */
export function u32(n: number): Bytes {
  checkInt(n, 0xffffffff, 'u32');
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, false);
  return out;
}

/** u64 big-endian of a non-negative safe JS integer (≤ 2^53 − 1). */
export function u64(n: number): Bytes {
  checkInt(n, Number.MAX_SAFE_INTEGER, 'u64');
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(n / 0x100000000), false);
  view.setUint32(4, n >>> 0, false);
  return out;
}

/** `n` cryptographically random bytes (Web Crypto CSPRNG). */
export function randomBytes(n: number): Bytes {
  checkInt(n, Number.MAX_SAFE_INTEGER, 'randomBytes');
  const out = new Uint8Array(n);
  // getRandomValues fills at most 65536 bytes per call.
  for (let off = 0; off < n; off += 65536) {
    globalThis.crypto.getRandomValues(out.subarray(off, Math.min(n, off + 65536)));
  }
  return out;
}

/** A random identifier: 16 random bytes, base64url (22 characters). */
export function randomId(): string {
  return b64uEncode(randomBytes(16));
}

/** Copies any Uint8Array view into a fresh ArrayBuffer-backed array (safe to hand to Web Crypto). */
export function toBytes(data: Uint8Array | ArrayBuffer): Bytes {
  // ArrayBuffer.isView works across realms (jest vm contexts, iframes); `instanceof` would not.
  return ArrayBuffer.isView(data) ? new Uint8Array(data) : new Uint8Array((data as ArrayBuffer).slice(0));
}

/** Constant-time-ish equality of two byte strings (length leaks; contents do not short-circuit). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** u16 big-endian. */
export function u16(n: number): Bytes {
  checkInt(n, 0xffff, 'u16');
  return new Uint8Array([n >>> 8, n & 255]);
}

/** Lowercase hex of bytes. */
export function hexEncode(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += (b < 16 ? '0' : '') + b.toString(16);
  return out;
}

/** Strict hex decoding (even length, `0-9a-fA-F` only). */
export function hexDecode(s: string): Bytes {
  if (typeof s !== 'string' || s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) {
    throw new CryptoFormatError('hex: malformed');
  }
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Lexicographic order of byte strings (memcmp, shorter prefix first). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Orders strings by their UTF-8 bytes: the order every implementation can reproduce (not JS's UTF-16 order). */
export function compareUtf8(a: string, b: string): number {
  return compareBytes(utf8(a), utf8(b));
}

/**
 * Reads the length-prefixed encodings of this module back (for parsers of documented layouts and for tests).
 * Every read is bounds-checked; `end()` insists that nothing is left over.
 */
export class ByteReader {
  private off = 0;

  constructor(private readonly bytes: Uint8Array) {}

  fixed(n: number): Bytes {
    if (this.off + n > this.bytes.length) throw new CryptoFormatError('reader: out of data');
    const out = this.bytes.slice(this.off, this.off + n);
    this.off += n;
    return out;
  }

  u8(): number {
    return this.fixed(1)[0];
  }

  u16(): number {
    const b = this.fixed(2);
    return (b[0] << 8) | b[1];
  }

  u32(): number {
    return new DataView(this.fixed(4).buffer).getUint32(0, false);
  }

  u64(): number {
    const v = new DataView(this.fixed(8).buffer);
    const hi = v.getUint32(0, false);
    if (hi > 0x1fffff) throw new CryptoFormatError('reader: u64 beyond 2^53');
    return hi * 0x100000000 + v.getUint32(4, false);
  }

  lp(): Bytes {
    return this.fixed(this.u16());
  }

  lpString(): string {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(this.lp());
    } catch (e) {
      throw new CryptoFormatError('reader: invalid UTF-8', { cause: e });
    }
  }

  get remaining(): number {
    return this.bytes.length - this.off;
  }

  end(): void {
    if (this.remaining !== 0) throw new CryptoFormatError(`reader: ${this.remaining} trailing bytes`);
  }
}
