/**
 * Message encryption (DESIGN §3).
 *
 *   (key 32 B, nonce 12 B) = HKDF-SHA-256(REK, salt = messageId raw, info = "parley/v1/msg", 44 bytes)
 *   AAD = "parley/v1/msg" ‖ lp("1") ‖ lp("v1") ‖ lp(roomId) ‖ u32(epoch) ‖ lp(messageId raw) ‖ lp(senderUserId)
 *         ‖ lp(senderDeviceId) ‖ u64(senderSeq) ‖ u64(sentAt) ‖ u8(ephemeral ? 1 : 0)
 *   pt  = UTF-8(JSON(payload)) ‖ 0x80 ‖ 0x00…  up to the next multiple of 256 bytes (always ≥ 1 byte added)
 *   ct  = AES-256-GCM(key, nonce, pt, AAD)  (ciphertext ‖ 16-byte tag)
 *   sig = Ed25519(sender sigKey, "parley/v1/sig" ‖ AAD ‖ ct)
 */
import { b64uDecode, b64uDecodeLen, b64uEncode, Bytes, concatBytes, lp, randomId, u32, u64, u8, utf8 } from './encoding';
import { CryptoFormatError, SignatureError } from './errors';
import type { DeviceKeys } from './device-cert';
import {
  aesGcmDecrypt,
  aesGcmEncrypt,
  AES_GCM_TAG_BYTES,
  assertString,
  assertUint,
  ed25519Sign,
  ed25519Verify,
  hkdfBytes,
  importAesKey,
  KEY_BYTES,
  U32_MAX,
} from './primitives';
import { B64u, DeviceCert, EncryptedEvent, Payload } from './types';

const CTX_MSG = 'parley/v1/msg';
const CTX_SIG = 'parley/v1/sig';
const MESSAGE_ID_BYTES = 16;
/** Plaintexts are padded to a multiple of this many bytes. */
export const PAD_BLOCK = 256;

/** ISO/IEC 7816-4 padding: 0x80 then zeros up to the next multiple of `block` (always adds ≥ 1 byte). */
export function pad(data: Uint8Array, block = PAD_BLOCK): Bytes {
  const out = new Uint8Array(Math.ceil((data.length + 1) / block) * block);
  out.set(data, 0);
  out[data.length] = 0x80;
  return out;
}

/** Inverse of `pad`; malformed padding → CryptoFormatError. */
export function unpad(data: Uint8Array, block = PAD_BLOCK): Uint8Array {
  if (data.length === 0 || data.length % block !== 0) throw new CryptoFormatError('padding: bad length');
  let i = data.length - 1;
  while (i >= 0 && data[i] === 0) i--;
  if (i < 0 || data[i] !== 0x80 || data.length - i > block) throw new CryptoFormatError('padding: malformed');
  return data.subarray(0, i);
}

type MessageHeader = Omit<EncryptedEvent, 'ct' | 'sig'>;

/** The AAD of a message (fields are validated on the way). */
export function messageAad(h: MessageHeader): Bytes {
  if (!h || typeof h !== 'object') throw new CryptoFormatError('event: expected an object');
  if (h.v !== 1 || h.suite !== 'v1') throw new CryptoFormatError('event: unsupported version/suite');
  assertString(h.roomId, 'event roomId');
  assertUint(h.epoch, U32_MAX, 'event epoch');
  assertString(h.senderUserId, 'event senderUserId');
  assertString(h.senderDeviceId, 'event senderDeviceId');
  assertUint(h.senderSeq, Number.MAX_SAFE_INTEGER, 'event senderSeq');
  assertUint(h.sentAt, Number.MAX_SAFE_INTEGER, 'event sentAt');
  if (h.ephemeral !== undefined && h.ephemeral !== true) throw new CryptoFormatError('event: ephemeral must be true or absent');
  return concatBytes(
    utf8(CTX_MSG),
    lp(String(h.v)),
    lp(h.suite),
    lp(h.roomId),
    u32(h.epoch),
    lp(b64uDecodeLen(h.messageId, MESSAGE_ID_BYTES, 'event messageId')),
    lp(h.senderUserId),
    lp(h.senderDeviceId),
    u64(h.senderSeq),
    u64(h.sentAt),
    u8(h.ephemeral ? 1 : 0),
  );
}

async function messageKey(rek: Uint8Array, messageId: Uint8Array): Promise<{ key: CryptoKey; nonce: Bytes }> {
  if (!ArrayBuffer.isView(rek) || rek.length !== KEY_BYTES) throw new CryptoFormatError('rek: expected 32 bytes');
  const okm = await hkdfBytes(rek, messageId, utf8(CTX_MSG), 44);
  try {
    return { key: await importAesKey(okm.subarray(0, 32)), nonce: okm.slice(32, 44) };
  } finally {
    okm.fill(0);
  }
}

export interface EncryptMessageParams {
  rek: Uint8Array;
  roomId: string;
  epoch: number;
  sender: { userId: string; device: DeviceKeys };
  senderSeq: number;
  payload: Payload;
  /** Defaults to Date.now(). */
  sentAt?: number;
  /** Defaults to 16 fresh random bytes. Never reuse an id under the same REK. */
  messageId?: B64u;
  /** Typing/receipt events that the server relays but does not store. */
  ephemeral?: boolean;
}

/** Encrypts and signs a payload into an EncryptedEvent. */
export async function encryptMessage(params: EncryptMessageParams): Promise<EncryptedEvent> {
  checkPayload(params.payload);
  const header: MessageHeader = {
    v: 1,
    suite: 'v1',
    roomId: params.roomId,
    epoch: params.epoch,
    messageId: params.messageId ?? randomId(),
    senderUserId: params.sender.userId,
    senderDeviceId: params.sender.device.deviceId,
    senderSeq: params.senderSeq,
    sentAt: params.sentAt ?? Date.now(),
    ...(params.ephemeral ? { ephemeral: true as const } : {}),
  };
  const aad = messageAad(header);
  const { key, nonce } = await messageKey(params.rek, b64uDecode(header.messageId));
  const pt = pad(utf8(JSON.stringify(params.payload)));
  const ct = await aesGcmEncrypt(key, nonce, pt, aad);
  pt.fill(0);
  const sig = await ed25519Sign(params.sender.device.sigKey.privateKey, concatBytes(utf8(CTX_SIG), aad, ct));
  return { ...header, ct: b64uEncode(ct), sig: b64uEncode(sig) };
}

function checkPayload(p: unknown): asserts p is Payload {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) throw new CryptoFormatError('payload: expected an object');
  const o = p as Record<string, unknown>;
  // Only "a non-empty string": types added by later clients still decrypt; renderers treat unknown types as such.
  if (typeof o['type'] !== 'string' || o['type'].length === 0) throw new CryptoFormatError('payload: bad type');
  if (o['body'] !== undefined && typeof o['body'] !== 'string') throw new CryptoFormatError('payload: bad body');
  if (o['mentions'] !== undefined && !(Array.isArray(o['mentions']) && o['mentions'].every((m) => typeof m === 'string'))) {
    throw new CryptoFormatError('payload: bad mentions');
  }
  for (const k of ['relatesTo', 'file'] as const) {
    if (o[k] !== undefined && (o[k] === null || typeof o[k] !== 'object' || Array.isArray(o[k]))) {
      throw new CryptoFormatError(`payload: bad ${k}`);
    }
  }
}

/**
 * Step 1 of the receiver's checks: the certificate names the sender and is not revoked, and the signature over
 * "parley/v1/sig" ‖ AAD ‖ ct verifies (SignatureError); malformed fields → CryptoFormatError.
 */
export async function verifyMessageSignature(event: EncryptedEvent, senderCert: DeviceCert): Promise<void> {
  const aad = messageAad(event);
  if (senderCert.userId !== event.senderUserId || senderCert.deviceId !== event.senderDeviceId) {
    throw new SignatureError('event: certificate does not belong to the sender');
  }
  if (senderCert.revoked) throw new SignatureError('event: sender device is revoked');
  const ct = b64uDecode(event.ct);
  if (ct.length < AES_GCM_TAG_BYTES + PAD_BLOCK || (ct.length - AES_GCM_TAG_BYTES) % PAD_BLOCK !== 0) {
    throw new CryptoFormatError('event: ciphertext length is not a padded length');
  }
  await ed25519Verify(senderCert.sigKey, event.sig, concatBytes(utf8(CTX_SIG), aad, ct), 'event');
}

/** The decryption step alone (AES-GCM → DecryptionError; padding, JSON, payload shape → CryptoFormatError). */
export async function openMessage(event: EncryptedEvent, rek: Uint8Array): Promise<Payload> {
  const aad = messageAad(event);
  const ct = b64uDecode(event.ct);
  const { key, nonce } = await messageKey(rek, b64uDecode(event.messageId));
  const padded = await aesGcmDecrypt(key, nonce, ct, aad);
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(unpad(padded)));
  } catch (e) {
    if (e instanceof CryptoFormatError) throw e;
    throw new CryptoFormatError('event: plaintext is not valid UTF-8 JSON', { cause: e });
  } finally {
    padded.fill(0);
  }
  checkPayload(payload);
  return payload;
}

/**
 * Verifies and decrypts an EncryptedEvent. In order: the sender certificate names the sender and is not revoked
 * (SignatureError), the signature (SignatureError), AES-GCM (DecryptionError), padding, JSON and payload shape
 * (CryptoFormatError). `receiveMessage` adds the roster, duplicate and sequence checks.
 */
export async function decryptMessage(event: EncryptedEvent, rek: Uint8Array, senderCert: DeviceCert): Promise<Payload> {
  await verifyMessageSignature(event, senderCert);
  return openMessage(event, rek);
}
