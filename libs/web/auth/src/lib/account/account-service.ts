import { Injectable, inject } from '@angular/core';
import { recoveryProof } from '@parley/shared/contracts';
import {
  ABK_AAD_PASSWORD,
  ABK_AAD_RECOVERY,
  b64uEncode,
  CryptoFormatError,
  deriveRecoveryKek,
  importIdentity,
  KDF_PARAMS_V1,
  openBundle,
  parseRecoveryKey,
  randomBytes,
  rewrapAbk,
  unwrapKey,
  utf8,
  type Bytes,
  type IdentityKeys,
  type KdfParams,
} from '@parley/shared/crypto';
import { ApiClient, ApiRequestError, SessionStore } from '@parley/web/core';
import { AuthService, checkKdfParams } from '../auth-service';
import { PasswordKdf } from '../password-kdf';
import { RECOVERY_KEY_TYPO, RECOVERY_KEY_WRONG, recoveryKeyInputProblem } from './recovery-key-text';

export type ChangePasswordStep = 'backup' | 'current' | 'new' | 'server';
export type RecoveryStep = 'challenge' | 'unlock' | 'new' | 'server' | 'device';

/** An error whose message is meant for the user as is, and the form field it is about. */
export class AccountFormError extends Error {
  constructor(
    message: string,
    readonly field?: 'currentPassword' | 'recoveryKey',
  ) {
    super(message);
    this.name = 'AccountFormError';
  }
}

/**
 * Password change and account recovery (DESIGN §3). Only the password wrap of the account backup key (ABK) changes:
 * the secret bundle, the recovery wrap and every key sealed to the backup key stay as they are. Passwords and the
 * recovery key never leave this browser; the server gets auth secrets, the re-wrapped ABK and (for a recovery) a
 * signature of the identity key over its challenge.
 */
@Injectable({ providedIn: 'root' })
export class AccountService {
  private readonly api = inject(ApiClient);
  private readonly kdf = inject(PasswordKdf);
  private readonly session = inject(SessionStore);
  private readonly auth = inject(AuthService);

  async changePassword(
    input: { currentPassword: string; newPassword: string },
    onStep: (step: ChangePasswordStep) => void = () => undefined,
  ): Promise<void> {
    const user = this.session.user();
    if (!user) throw new AccountFormError('You are signed out. Log in again.');
    onStep('backup');
    const [backup, current] = await Promise.all([this.api.getBackup(), this.api.prelogin(user.username)]);
    onStep('current');
    const old = await this.kdf.derive(input.currentPassword, checkKdfParams(current));
    let abk: Bytes;
    try {
      abk = await unwrapKey(old.pwKek, backup.wrappedAbk, ABK_AAD_PASSWORD);
    } catch {
      throw new AccountFormError('Your current password is wrong.', 'currentPassword');
    }
    try {
      onStep('new');
      const kdf = freshKdfParams(current);
      const next = await this.kdf.derive(input.newPassword, kdf);
      const wrappedAbk = await rewrapAbk(abk, next.pwKek);
      onStep('server');
      await this.api.changePassword({ oldAuthSecret: old.authSecret, newAuthSecret: next.authSecret, kdf, wrappedAbk,
        backupVersion: backup.version });
    } catch (error) {
      if (error instanceof ApiRequestError && error.status === 403) {
        throw new AccountFormError('Your current password is wrong.', 'currentPassword');
      }
      if (error instanceof ApiRequestError && error.status === 409) {
        throw new AccountFormError('Your account changed on another device meanwhile. Try again.');
      }
      throw error;
    } finally {
      abk.fill(0);
    }
  }

  /**
   * Sets a new password with the recovery key: unwrap the ABK with it, open the secret bundle for the identity key,
   * wrap the ABK under the new password, and prove it all with the identity key's signature. Signs in on success.
   */
  async recover(
    input: { username: string; recoveryKey: string; newPassword: string },
    onStep: (step: RecoveryStep) => void = () => undefined,
  ): Promise<void> {
    const key = await readRecoveryKey(input.recoveryKey);
    onStep('challenge');
    const start = await this.api.recoveryStart(input.username);
    onStep('unlock');
    let abk: Bytes;
    try {
      abk = await unwrapKey(await deriveRecoveryKek(key), start.recoveryWrappedAbk, ABK_AAD_RECOVERY);
    } catch {
      // Also what an unknown username or an account without a recovery key gets: the server answers them alike.
      throw new AccountFormError(RECOVERY_KEY_WRONG, 'recoveryKey');
    } finally {
      key.fill(0);
    }
    try {
      const identity = await identityFromBundle(abk, start.secretBundle);
      onStep('new');
      const kdf = freshKdfParams(KDF_PARAMS_V1);
      const next = await this.kdf.derive(input.newPassword, kdf);
      const wrappedAbk = await rewrapAbk(abk, next.pwKek);
      const fields = { challenge: start.challenge, userId: start.userId, newAuthSecret: next.authSecret, kdf, wrappedAbk,
        backupVersion: start.backupVersion };
      const signature = await crypto.subtle.sign('Ed25519', identity.privateKey, utf8(recoveryProof(fields)));
      onStep('server');
      const { userId: _proven, ...body } = fields;
      const auth = await this.api.recoveryFinish({ ...body, username: input.username,
        signature: b64uEncode(new Uint8Array(signature)) }).catch((error: unknown) => {
        if (error instanceof ApiRequestError && error.status === 403) {
          throw new AccountFormError('The server did not accept the recovery (it took too long?). Try again.');
        }
        if (error instanceof ApiRequestError && error.status === 409) {
          throw new AccountFormError('Your account changed meanwhile. Try again.');
        }
        throw error;
      });
      onStep('device');
      await this.auth.signInWith(auth, identity);
    } finally {
      abk.fill(0);
    }
  }
}

/** Parses the typed key; its problems become messages for the recovery key field. */
async function readRecoveryKey(text: string): Promise<Bytes> {
  const problem = recoveryKeyInputProblem(text);
  if (problem) throw new AccountFormError(problem, 'recoveryKey');
  try {
    return await parseRecoveryKey(text);
  } catch (error) {
    if (error instanceof CryptoFormatError) throw new AccountFormError(RECOVERY_KEY_TYPO, 'recoveryKey');
    throw error;
  }
}

async function identityFromBundle(abk: Bytes, secretBundle: string): Promise<IdentityKeys> {
  const bundle = await openBundle<{ uik?: unknown }>(abk, secretBundle);
  if (typeof bundle.uik !== 'string') throw new Error('Your account backup is damaged: it holds no identity key.');
  return importIdentity(bundle.uik, false);
}

/** A new salt with every new password; the cost never drops below protocol v1 nor below what the account had. */
function freshKdfParams(current: Omit<KdfParams, 'salt'>): KdfParams {
  return {
    kdf: 'argon2id',
    m: Math.max(current.m, KDF_PARAMS_V1.m),
    t: Math.max(current.t, KDF_PARAMS_V1.t),
    p: Math.max(current.p, KDF_PARAMS_V1.p),
    salt: b64uEncode(randomBytes(16)),
  };
}
