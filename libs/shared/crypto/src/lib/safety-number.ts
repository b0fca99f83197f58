/**
 * Safety numbers (Signal's numeric fingerprint, adapted): per user from the UIK, per pair the two sorted and
 * joined, so A–B and B–A read the same; plus a QR payload that both sides produce identically.
 *
 *   h_0   = SHA-512(u16(0) ‖ "parley/v1/safety-number" ‖ lp(uik raw) ‖ lp(userId))
 *   h_i+1 = SHA-512(h_i ‖ uik raw)                        5200 iterations (Signal's count)
 *   fingerprint = h_5200[0:32]
 *   digits      = for each of the first six 5-byte groups of the fingerprint: (big-endian 40-bit value mod 100000),
 *                 as 5 digits → 30 digits per user
 *   pair        = the two 30-digit strings, smaller first → 60 digits
 *   QR          = "parley-sn:1:" ‖ base64url(fingerprint of the smaller ‖ fingerprint of the larger)
 */
import { b64uDecode, b64uDecodeLen, b64uEncode, Bytes, bytesEqual, concatBytes, lp, u16, utf8 } from './encoding';
import { CryptoFormatError } from './errors';
import { KEY_BYTES, sha512 } from './primitives';
import { B64u } from './types';

const ITERATIONS = 5200;
const QR_PREFIX = 'parley-sn:1:';

export interface Fingerprint {
  userId: string;
  /** 32 bytes. */
  fingerprint: Bytes;
  /** 30 digits. */
  digits: string;
}

/** The fingerprint and 30-digit safety number of one user's identity key. */
export async function userFingerprint(userId: string, uikPublic: B64u): Promise<Fingerprint> {
  if (typeof userId !== 'string' || !userId) throw new CryptoFormatError('safety number: userId required');
  const uik = b64uDecodeLen(uikPublic, KEY_BYTES, 'safety number uik');
  let h = await sha512(concatBytes(u16(0), utf8('parley/v1/safety-number'), lp(uik), lp(userId)));
  for (let i = 0; i < ITERATIONS; i++) h = await sha512(concatBytes(h, uik));
  let digits = '';
  for (let g = 0; g < 6; g++) {
    let v = 0;
    for (let j = 0; j < 5; j++) v = v * 256 + h[g * 5 + j];
    digits += String(v % 100000).padStart(5, '0');
  }
  return { userId, fingerprint: h.slice(0, 32), digits };
}

/** Groups digits in fives for display: "12345 67890 …". */
export function formatSafetyNumber(digits: string): string {
  return digits.match(/.{1,5}/g)?.join(' ') ?? '';
}

export interface PairSafetyNumber {
  /** 60 digits, identical on both sides. */
  digits: string;
  /** What to encode in the QR code, identical on both sides. */
  qr: string;
}

/** The safety number of a pair: the same whichever side computes it. */
export async function pairSafetyNumber(
  a: { userId: string; uikPublic: B64u },
  b: { userId: string; uikPublic: B64u },
): Promise<PairSafetyNumber> {
  const [fa, fb] = await Promise.all([userFingerprint(a.userId, a.uikPublic), userFingerprint(b.userId, b.uikPublic)]);
  const [lo, hi] = fa.digits < fb.digits || (fa.digits === fb.digits && a.userId <= b.userId) ? [fa, fb] : [fb, fa];
  return { digits: lo.digits + hi.digits, qr: QR_PREFIX + b64uEncode(concatBytes(lo.fingerprint, hi.fingerprint)) };
}

/**
 * Compares a scanned QR payload with the one computed locally. True only for an exact match; a payload that is not
 * a Parley safety-number QR → CryptoFormatError.
 */
export function compareSafetyNumberQr(scanned: string, local: string): boolean {
  if (typeof scanned !== 'string' || !scanned.startsWith(QR_PREFIX)) throw new CryptoFormatError('safety number QR: not a Parley code');
  const s = b64uDecode(scanned.slice(QR_PREFIX.length));
  if (s.length !== 64) throw new CryptoFormatError('safety number QR: wrong length');
  const l = b64uDecode(local.slice(QR_PREFIX.length));
  return bytesEqual(s, l);
}
