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
