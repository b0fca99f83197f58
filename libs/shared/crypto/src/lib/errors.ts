/**
 * Typed errors of `@parley/shared/crypto`. Every failure of this library is one of these (never garbage output),
 * so callers can branch on `instanceof` or on the stable `code` string.
 */
export class ParleyCryptoError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** Malformed input: bad base64url, wrong key/nonce length, out-of-range integer, bad JSON or wire shape. */
export class CryptoFormatError extends ParleyCryptoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CRYPTO_FORMAT', message, options);
  }
}

/** A signature does not verify, or the signer (certificate) does not match / is not trusted. */
export class SignatureError extends ParleyCryptoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SIGNATURE_INVALID', message, options);
  }
}

/** AEAD / HPKE authentication failed (wrong key, tampered ciphertext, nonce or AAD). */
export class DecryptionError extends ParleyCryptoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DECRYPTION_FAILED', message, options);
  }
}

/** An epoch key envelope holds no wrap for this device. */
export class NotARecipientError extends ParleyCryptoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NOT_A_RECIPIENT', message, options);
  }
}

/** A roster is invalid: empty, duplicate devices, or a revoked device as recipient. */
export class RosterError extends ParleyCryptoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ROSTER_INVALID', message, options);
  }
}

/** A parameter set this library deliberately does not implement (e.g. AES-128, a non-96-bit GCM nonce). */
export class UnsupportedError extends ParleyCryptoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNSUPPORTED', message, options);
  }
}

/** Why a membership chain was rejected. */
export type ChainFailure =
  | 'empty'
  | 'wrong-room'
  | 'bad-seq'
  | 'broken-link'
  | 'bad-genesis'
  | 'unsigned'
  | 'bad-signature'
  | 'unknown-device'
  | 'revoked-device'
  | 'not-admin'
  | 'not-member'
  | 'invalid-op'
  | 'fork'
  | 'roster-mismatch';

/**
 * The room's membership chain (or the server's view of the roster) is not what the signed, hash-linked ops say:
 * a broken link, an unsigned or wrongly signed op, an op by a non-admin, a member the chain never added…
 */
export class ChainError extends ParleyCryptoError {
  readonly reason: ChainFailure;
  /** seq of the offending op, when there is one. */
  readonly seq?: number;

  constructor(reason: ChainFailure, message: string, seq?: number, options?: { cause?: unknown }) {
    super('CHAIN_INVALID', message, options);
    this.reason = reason;
    this.seq = seq;
  }
}

/** Why an epoch envelope was rejected for a room. */
export type EpochFailure =
  | 'wrong-room'
  | 'stale'
  | 'unknown-ops-head'
  | 'roster-mismatch'
  | 'creator-not-member'
  | 'outsider-wrap'
  | 'missing-wrap'
  | 'backup-mismatch';

/** An epoch envelope does not fit the verified room state (replayed, stale, sealed to outsiders, …). */
export class EpochError extends ParleyCryptoError {
  readonly reason: EpochFailure;

  constructor(reason: EpochFailure, message: string, options?: { cause?: unknown }) {
    super('EPOCH_INVALID', message, options);
    this.reason = reason;
  }
}

/** An event arrived in the wrong context: another room than the one being read, or a sender not on the roster. */
export class ContextError extends ParleyCryptoError {
  readonly reason: 'wrong-room' | 'wrong-epoch' | 'sender-not-on-roster';

  constructor(reason: ContextError['reason'], message: string, options?: { cause?: unknown }) {
    super('CONTEXT_MISMATCH', message, options);
    this.reason = reason;
  }
}

/** A messageId was seen before from this sender (a replay or a duplicate delivery). */
export class DuplicateMessageError extends ParleyCryptoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DUPLICATE_MESSAGE', message, options);
  }
}

/** A streamed file failed: truncated, extended, reordered, tampered, or its size/ciphertext hash do not match. */
export class FileIntegrityError extends DecryptionError {
  readonly reason: 'header' | 'commitment' | 'truncated' | 'trailing-data' | 'chunk' | 'hash' | 'size' | 'too-long';

  constructor(reason: FileIntegrityError['reason'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** A device list went backwards (lower listVersion, a revoked device shown as active, a revocation withheld). */
export class DeviceListError extends ParleyCryptoError {
  readonly reason: 'rollback' | 'unrevoked' | 'wrong-user' | 'duplicate';

  constructor(reason: DeviceListError['reason'], message: string, options?: { cause?: unknown }) {
    super('DEVICE_LIST_INVALID', message, options);
    this.reason = reason;
  }
}

/** A contact's identity key changed; sending is blocked until the user acknowledges it (verified contacts). */
export class IdentityChangedError extends ParleyCryptoError {
  readonly userId: string;

  constructor(userId: string, message: string) {
    super('IDENTITY_CHANGED', message);
    this.userId = userId;
  }
}
