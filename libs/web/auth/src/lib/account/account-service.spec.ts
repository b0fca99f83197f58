/** @jest-environment node */
import { Injector } from '@angular/core';
import { type ChangePasswordDto, type RecoveryChallenge, type RecoveryFinishDto, recoveryProof } from '@parley/shared/contracts';
import {
  ABK_AAD_PASSWORD, type AccountBackup, b64uDecode, b64uEncode, createAccountBackup, deriveRecoveryKek, formatRecoveryKey,
  generateIdentity, type IdentityKeys, type KdfParams, randomBytes, unwrapKey, utf8,
} from '@parley/shared/crypto';
import { ApiClient, ApiRequestError, SessionStore } from '@parley/web/core';
import { AuthService } from '../auth-service';
import { PasswordKdf } from '../password-kdf';
import { AccountFormError, AccountService } from './account-service';
import { RECOVERY_KEY_TYPO, RECOVERY_KEY_WRONG } from './recovery-key-text';

// The real PasswordKdf starts a Web Worker (`import.meta.url`, which Jest's CommonJS cannot load) and AuthService
// signs in; both are collaborators here, replaced by the values provided below.
jest.mock('../password-kdf', () => ({ PasswordKdf: class PasswordKdf {} }));
jest.mock('../auth-service', () => ({
  AuthService: class AuthService {},
  checkKdfParams: (params: KdfParams) => params,
}));

const V1 = { kdf: 'argon2id', m: 65536, t: 3, p: 4 } as const;
const OLD_PARAMS: KdfParams = { ...V1, salt: 'o'.repeat(22) };

/** Argon2id is PasswordKdf's business: here a fast stand-in, still one distinct key per password and salt. */
async function fakeDerive(password: string, params: KdfParams) {
  const seed = new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(`${password}|${params.salt}`)));
  return { authSecret: b64uEncode(seed), pwKek: await deriveRecoveryKek(seed) };
}

describe('AccountService', () => {
  let identity: IdentityKeys;
  let backup: AccountBackup;
  let recoveryKey: string;
  let api: { getBackup: jest.Mock; prelogin: jest.Mock; changePassword: jest.Mock; recoveryStart: jest.Mock; recoveryFinish: jest.Mock };
  let auth: { signInWith: jest.Mock };
  let service: AccountService;

  beforeAll(async () => {
    identity = await generateIdentity();
    const created = await createAccountBackup({ userId: 'u'.repeat(22), identity, pwKek: (await fakeDerive('old password', OLD_PARAMS)).pwKek });
    backup = created.backup;
    recoveryKey = created.recoveryKey.display;
  });

  beforeEach(() => {
    const challenge: RecoveryChallenge = { userId: 'u'.repeat(22), challenge: 'c.h.allenge', recoveryWrappedAbk: backup.recoveryWrappedAbk,
      secretBundle: backup.secretBundle, backupVersion: 3 };
    api = {
      getBackup: jest.fn(async () => ({ wrappedAbk: backup.wrappedAbk, secretBundle: backup.secretBundle, version: 3 })),
      prelogin: jest.fn(async () => OLD_PARAMS),
      changePassword: jest.fn(async () => ({ backupVersion: 4 })),
      recoveryStart: jest.fn(async () => challenge),
      recoveryFinish: jest.fn(async () => ({ accessToken: 't', expiresIn: 900, user: { userId: 'u'.repeat(22) }, backup: {} })),
    };
    auth = { signInWith: jest.fn(async () => undefined) };
    const injector = Injector.create({ providers: [
      { provide: AccountService },
      { provide: ApiClient, useValue: api },
      { provide: PasswordKdf, useValue: { derive: fakeDerive } },
      { provide: SessionStore, useValue: { user: () => ({ userId: 'u'.repeat(22), username: 'erin', displayName: 'Erin' }) } },
      { provide: AuthService, useValue: auth },
    ] });
    service = injector.get(AccountService);
  });

  describe('changePassword', () => {
    it('refuses a wrong current password before asking the server', async () => {
      const attempt = service.changePassword({ currentPassword: 'guess', newPassword: 'new password' });
      await expect(attempt).rejects.toEqual(new AccountFormError('Your current password is wrong.', 'currentPassword'));
      expect(api.changePassword).not.toHaveBeenCalled();
    });

    it('sends both auth secrets, a fresh salt and the ABK re-wrapped under the new password, against the backup version', async () => {
      const steps: string[] = [];
      await service.changePassword({ currentPassword: 'old password', newPassword: 'new password' }, (s) => steps.push(s));

      expect(steps).toEqual(['backup', 'current', 'new', 'server']);
      const body = api.changePassword.mock.calls[0][0] as ChangePasswordDto;
      expect(body.oldAuthSecret).toBe((await fakeDerive('old password', OLD_PARAMS)).authSecret);
      expect(body.kdf).toMatchObject(V1);
      expect(body.kdf.salt).not.toBe(OLD_PARAMS.salt);
      expect(body.newAuthSecret).toBe((await fakeDerive('new password', body.kdf)).authSecret);
      expect(body.backupVersion).toBe(3);
      const oldAbk = await unwrapKey((await fakeDerive('old password', OLD_PARAMS)).pwKek, backup.wrappedAbk, ABK_AAD_PASSWORD);
      const newAbk = await unwrapKey((await fakeDerive('new password', body.kdf)).pwKek, body.wrappedAbk, ABK_AAD_PASSWORD);
      expect(newAbk).toEqual(oldAbk);
    });

    it.each([
      [403, 'Your current password is wrong.'],
      [409, 'Your account changed on another device meanwhile. Try again.'],
    ])('explains a %i from the server', async (status, message) => {
      api.changePassword.mockRejectedValueOnce(new ApiRequestError(status, 'server says no'));
      await expect(service.changePassword({ currentPassword: 'old password', newPassword: 'new password' }))
        .rejects.toThrow(message);
    });
  });

  describe('recover', () => {
    it('reports a typo in the key without contacting the server', async () => {
      const typo = (recoveryKey[0] === 'A' ? 'B' : 'A') + recoveryKey.slice(1);
      await expect(service.recover({ username: 'erin', recoveryKey: typo, newPassword: 'new password' }))
        .rejects.toEqual(new AccountFormError(RECOVERY_KEY_TYPO, 'recoveryKey'));
      expect(api.recoveryStart).not.toHaveBeenCalled();
    });

    it('reports a well-formed key of another account, and sends nothing further', async () => {
      const other = await formatRecoveryKey(randomBytes(32));
      await expect(service.recover({ username: 'erin', recoveryKey: other, newPassword: 'new password' }))
        .rejects.toEqual(new AccountFormError(RECOVERY_KEY_WRONG, 'recoveryKey'));
      expect(api.recoveryFinish).not.toHaveBeenCalled();
    });

    it('proves the request with the identity key, re-wraps the same ABK and signs in with that identity', async () => {
      await service.recover({ username: 'erin', recoveryKey: recoveryKey.toLowerCase().replace(/-/g, ' '), newPassword: 'new password' });

      const body = api.recoveryFinish.mock.calls[0][0] as RecoveryFinishDto;
      expect(body).toMatchObject({ username: 'erin', challenge: 'c.h.allenge', backupVersion: 3 });
      const proof = recoveryProof({ ...body, userId: 'u'.repeat(22) });
      const publicKey = await crypto.subtle.importKey('raw', b64uDecode(identity.publicKey), 'Ed25519', false, ['verify']);
      await expect(crypto.subtle.verify('Ed25519', publicKey, b64uDecode(body.signature), utf8(proof))).resolves.toBe(true);
      const oldAbk = await unwrapKey((await fakeDerive('old password', OLD_PARAMS)).pwKek, backup.wrappedAbk, ABK_AAD_PASSWORD);
      const newAbk = await unwrapKey((await fakeDerive('new password', body.kdf)).pwKek, body.wrappedAbk, ABK_AAD_PASSWORD);
      expect(newAbk).toEqual(oldAbk);
      expect(auth.signInWith).toHaveBeenCalledWith(expect.objectContaining({ accessToken: 't' }),
        expect.objectContaining({ publicKey: identity.publicKey }));
    });
  });
});
