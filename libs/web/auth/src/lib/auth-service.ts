import { Injectable, inject } from '@angular/core';
import type { AuthResponse } from '@parley/shared/contracts';
import {
  createDeviceCert,
  exportIdentity,
  generateDeviceKeys,
  generateIdentity,
  importIdentity,
  isKdfParamsStrong,
  openBundle,
  randomBytes,
  randomId,
  sealBundle,
  unwrapKey,
  wrapKey,
  type KdfParams,
} from '@parley/shared/crypto';
import { ApiClient, KeyStore, ProfileCache, SessionStore, type StoredAccount } from '@parley/web/core';
import { PasswordKdf } from './password-kdf';

/** Associated data of the password-wrapped account backup key. */
const ABK_AAD = 'parley/v1/abk';

/** What the secret bundle holds (sealed with the ABK; opaque to the server). */
interface SecretBundle {
  uik: string;
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
 * Registration and login (DESIGN §3, Bitwarden pattern): the password only feeds Argon2id here; the server gets
 * `authSecret`, the wrapped account backup key and the sealed secret bundle, never the password or a private key.
 */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private readonly api = inject(ApiClient);
  private readonly kdf = inject(PasswordKdf);
  private readonly keyStore = inject(KeyStore);
  private readonly session = inject(SessionStore);
  private readonly profiles = inject(ProfileCache);

  async register(input: RegisterInput, onStep: (step: AuthStep) => void = () => undefined): Promise<void> {
    onStep('prelogin');
    const params = checkParams(await this.api.prelogin(input.username));
    onStep('kdf');
    const { authSecret, pwKek } = await this.kdf.derive(input.password, params);

    onStep('keys');
    const identity = await generateIdentity();
    const device = await generateDeviceKeys();
    const userId = randomId();
    const deviceCert = await createDeviceCert(identity, userId, device, 1);
    const abk = randomBytes(32);
    const uik = await exportIdentity(identity);
    let wrappedAbk: string;
    let secretBundle: string;
    try {
      wrappedAbk = await wrapKey(pwKek, abk, ABK_AAD);
      secretBundle = await sealBundle(abk, { uik } satisfies SecretBundle);
    } finally {
      abk.fill(0);
    }

    onStep('server');
    const auth = await this.api.register({
      userId,
      username: input.username,
      displayName: input.displayName,
      authSecret,
      kdf: params,
      uikPublicKey: identity.publicKey,
      deviceCert,
      wrappedAbk,
      secretBundle,
    });
    // Stored non-extractable: this browser may sign with the UIK, but never export it.
    const account: StoredAccount = { userId, device, identity: await importIdentity(uik, false) };
    await this.keyStore.save(account);
    this.begin(auth, account);
  }

  async login(input: LoginInput, onStep: (step: AuthStep) => void = () => undefined): Promise<void> {
    onStep('prelogin');
    const params = checkParams(await this.api.prelogin(input.username));
    onStep('kdf');
    const { authSecret, pwKek } = await this.kdf.derive(input.password, params);
    onStep('server');
    const auth = await this.api.login(input.username, authSecret);
    let account = await this.keyStore.load(auth.user.userId);
    if (!account) {
      onStep('device');
      account = await this.enrolDevice(auth, pwKek);
    }
    this.begin(auth, account);
  }

  /** First login in this browser: recover the UIK from the backup and certify a new device with it. */
  private async enrolDevice(auth: AuthResponse, pwKek: CryptoKey): Promise<StoredAccount> {
    const { userId } = auth.user;
    const abk = await unwrapKey(pwKek, auth.backup.wrappedAbk, ABK_AAD);
    let bundle: SecretBundle;
    try {
      bundle = await openBundle<SecretBundle>(abk, auth.backup.secretBundle);
    } finally {
      abk.fill(0);
    }
    if (typeof bundle.uik !== 'string') throw new Error('Your account backup is damaged: it holds no identity key.');
    const identity = await importIdentity(bundle.uik, false);
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
function checkParams(params: KdfParams): KdfParams {
  if (!isKdfParamsStrong(params)) {
    throw new Error('The server asked for weaker password hashing than Parley allows. Not continuing.');
  }
  return params;
}
