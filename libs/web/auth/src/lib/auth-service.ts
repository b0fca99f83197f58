import { Injectable, inject } from '@angular/core';
import type { AuthResponse } from '@parley/shared/contracts';
import {
  ABK_AAD_PASSWORD,
  createAccountBackup,
  createDeviceCert,
  exportIdentity,
  generateDeviceKeys,
  generateIdentity,
  importIdentity,
  isKdfParamsStrong,
  openBundle,
  randomId,
  unwrapKey,
  type IdentityKeys,
  type KdfParams,
} from '@parley/shared/crypto';
import { ApiClient, KeyStore, ProfileCache, SessionStore, type StoredAccount } from '@parley/web/core';
import { PasswordKdf } from './password-kdf';

/** What the secret bundle holds for signing in (sealed with the ABK; opaque to the server). */
interface SecretBundle {
  uik?: unknown;
}

export type AuthStep = 'prelogin' | 'kdf' | 'keys' | 'server' | 'device';

export interface RegisterInput {
  username: string;
  displayName: string;
  password: string;
}

export interface LoginInput {
  username: string;
  password: string;
}

/**
 * A created account whose session has not started yet: the user first sees the recovery key (once) and confirms
 * they saved it. Only `begin()` signs in, so leaving the page before that leaves nobody signed in.
 */
export interface NewAccount {
  /** Crockford base32 in dashed groups of four, as `formatRecoveryKey` makes it. Never stored, never sent. */
  readonly recoveryKey: string;
  begin(): void;
}

/**
 * Registration and login (DESIGN §3, Bitwarden pattern): the password only feeds Argon2id here; the server gets
 * `authSecret`, the account backup key wrapped twice (password and recovery key), the sealed secret bundle and the
 * backup key's certificate, never the password, the recovery key or a private key.
 */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private readonly api = inject(ApiClient);
  private readonly kdf = inject(PasswordKdf);
  private readonly keyStore = inject(KeyStore);
  private readonly session = inject(SessionStore);
  private readonly profiles = inject(ProfileCache);

  async register(input: RegisterInput, onStep: (step: AuthStep) => void = () => undefined): Promise<NewAccount> {
    onStep('prelogin');
    const params = checkKdfParams(await this.api.prelogin(input.username));
    onStep('kdf');
    const { authSecret, pwKek } = await this.kdf.derive(input.password, params);

    onStep('keys');
    const identity = await generateIdentity();
    const device = await generateDeviceKeys();
    const userId = randomId();
    const deviceCert = await createDeviceCert(identity, userId, device, 1);
    const { backup, recoveryKey } = await createAccountBackup({ userId, identity, pwKek });

    onStep('server');
    const auth = await this.api.register({
      userId,
      username: input.username,
      displayName: input.displayName,
      authSecret,
      kdf: params,
      uikPublicKey: identity.publicKey,
      deviceCert,
      ...backup,
    });
    // Stored non-extractable: this browser may sign with the UIK, but never export it.
    const account: StoredAccount = { userId, device, identity: await importIdentity(await exportIdentity(identity), false) };
    await this.keyStore.save(account);
    recoveryKey.key.fill(0);
    return { recoveryKey: recoveryKey.display, begin: () => this.begin(auth, account) };
  }

  async login(input: LoginInput, onStep: (step: AuthStep) => void = () => undefined): Promise<void> {
    onStep('prelogin');
    const params = checkKdfParams(await this.api.prelogin(input.username));
    onStep('kdf');
    const { authSecret, pwKek } = await this.kdf.derive(input.password, params);
    onStep('server');
    const auth = await this.api.login(input.username, authSecret);
    const stored = await this.keyStore.load(auth.user.userId);
    if (stored) {
      this.begin(auth, stored);
      return;
    }
    onStep('device');
    const identity = await this.identityFromBackup(auth, pwKek);
    this.begin(auth, await this.enrolDevice(auth, identity));
  }

  /**
   * Signs in with a session the server just started (e.g. after a recovery) and the identity key the caller has
   * unlocked: this browser's device if it has one for the account, otherwise a new device certified by `identity`.
   */
  async signInWith(auth: AuthResponse, identity: IdentityKeys): Promise<void> {
    const stored = await this.keyStore.load(auth.user.userId);
    if (stored && stored.identity.publicKey === identity.publicKey) {
      this.begin(auth, stored);
      return;
    }
    this.begin(auth, await this.enrolDevice(auth, identity));
  }

  private async identityFromBackup(auth: AuthResponse, pwKek: CryptoKey): Promise<IdentityKeys> {
    const abk = await unwrapKey(pwKek, auth.backup.wrappedAbk, ABK_AAD_PASSWORD);
    let bundle: SecretBundle;
    try {
      bundle = await openBundle<SecretBundle>(abk, auth.backup.secretBundle);
    } finally {
      abk.fill(0);
    }
    if (typeof bundle.uik !== 'string') throw new Error('Your account backup is damaged: it holds no identity key.');
    return importIdentity(bundle.uik, false);
  }

  /** First sign-in in this browser: certify a new device with the identity key from the backup. */
  private async enrolDevice(auth: AuthResponse, identity: IdentityKeys): Promise<StoredAccount> {
    const { userId } = auth.user;
    const profile = await this.api.getProfile(userId, auth.accessToken);
    if (profile.uikPublicKey !== identity.publicKey) {
      throw new Error('The server’s copy of your identity key does not match your backup. Not continuing.');
    }
    const device = await generateDeviceKeys();
    // The next list version: one above every certificate so far (revocations take versions too).
    const listVersion = profile.devices.reduce((max, d) => Math.max(max, d.listVersion), 0) + 1;
    const cert = await createDeviceCert(identity, userId, device, listVersion);
    await this.api.addDevice(cert, auth.accessToken);
    const account: StoredAccount = { userId, device, identity };
    await this.keyStore.save(account);
    return account;
  }

  private begin(auth: AuthResponse, account: StoredAccount): void {
    this.profiles.clear();
    this.profiles.pin(account.userId, account.identity.publicKey);
    this.session.start(auth, account);
  }
}

/** Refuses KDF parameters weaker than protocol v1's, so a malicious server cannot downgrade Argon2id. */
export function checkKdfParams(params: KdfParams): KdfParams {
  if (!isKdfParamsStrong(params)) {
    throw new Error('The server asked for weaker password hashing than Parley allows. Not continuing.');
  }
  return params;
}

