import {
  b64uDecode,
  b64uEncode,
  bytesEqual,
  concatBytes,
  lp,
  randomBytes,
  randomId,
  u32,
  u64,
  u8,
  utf8,
} from './encoding';
import { CryptoFormatError } from './errors';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

describe('encoding', () => {
  it('encodes the RFC 4648 test vectors as unpadded base64url', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg'],
      ['fo', 'Zm8'],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg'],
      ['fooba', 'Zm9vYmE'],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, enc] of vectors) {
      expect(b64uEncode(utf8(plain))).toBe(enc);
      expect(new TextDecoder().decode(b64uDecode(enc))).toBe(plain);
    }
  });

  it('uses the URL-safe alphabet for bytes that map to + and /', () => {
    expect(b64uEncode(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe('-_-_');
  });

  it('round-trips random byte strings of every length from 0 to 100', () => {
    for (let n = 0; n <= 100; n++) {
      const bytes = randomBytes(n);
      const enc = b64uEncode(bytes);
      expect(enc).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(bytesEqual(b64uDecode(enc), bytes)).toBe(true);
    }
  });

  it('rejects padding, standard-alphabet characters, whitespace and non-ASCII', () => {
    for (const bad of ['Zg==', 'Zm8=', 'ab+c', 'ab/c', 'ab c', 'abc\n', 'abé', 'a.bc']) {
      expect(() => b64uDecode(bad)).toThrow(CryptoFormatError);
    }
  });

  it('rejects impossible lengths and non-canonical trailing bits', () => {
    expect(() => b64uDecode('A')).toThrow(CryptoFormatError);
    expect(() => b64uDecode('AAAAA')).toThrow(CryptoFormatError);
    expect(() => b64uDecode('Zh')).toThrow(CryptoFormatError); // canonical is 'Zg'
    expect(() => b64uDecode('Zm9')).toThrow(CryptoFormatError); // canonical is 'Zm8'
  });

  it('encodes u8, u32 and u64 big-endian and rejects out-of-range values', () => {
    expect(hex(u8(0xab))).toBe('ab');
    expect(hex(u32(0x01020304))).toBe('01020304');
    expect(hex(u64(0x0102030405060))).toBe('0000102030405060');
    expect(hex(u64(Number.MAX_SAFE_INTEGER))).toBe('001fffffffffffff');
    expect(() => u8(256)).toThrow(CryptoFormatError);
    expect(() => u32(2 ** 32)).toThrow(CryptoFormatError);
    expect(() => u32(-1)).toThrow(CryptoFormatError);
    expect(() => u64(2 ** 53)).toThrow(CryptoFormatError);
    expect(() => u64(1.5)).toThrow(CryptoFormatError);
  });

  it('length-prefixes bytes and UTF-8 strings with a u16 big-endian length', () => {
    expect(hex(lp(new Uint8Array([1, 2, 3])))).toBe('0003010203');
    expect(hex(lp('é'))).toBe('0002c3a9');
    expect(hex(lp(''))).toBe('0000');
    expect(lp(new Uint8Array(65535)).length).toBe(65537);
  });

  it('refuses to length-prefix more than 65535 bytes', () => {
    expect(() => lp(new Uint8Array(65536))).toThrow(CryptoFormatError);
  });

  it('concatenates byte strings in order', () => {
    expect(hex(concatBytes(new Uint8Array([1]), new Uint8Array(0), new Uint8Array([2, 3])))).toBe('010203');
  });

  it('produces random ids of 16 bytes that differ', () => {
    const a = randomId();
    const b = randomId();
    expect(b64uDecode(a)).toHaveLength(16);
    expect(a).not.toBe(b);
    expect(randomBytes(70000)).toHaveLength(70000);
  });
});
