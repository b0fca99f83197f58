import {
  BadRequestException, ConflictException, ForbiddenException, Inject, Injectable, NotFoundException, UnauthorizedException,
} from '@nestjs/common';
import { hash, verify, argon2id } from 'argon2';
import { createHmac, createPublicKey, randomBytes, timingSafeEqual, verify as verifySignature } from 'node:crypto';
import {
  type AuthResponse, type ChangePasswordDto, type LoginDto, type RecoveryChallenge, type RecoveryFinishDto, recoveryProof,
  type RegisterDto,
} from '@parley/shared/contracts';
import { type KdfParams, verifyDeviceCert } from '@parley/shared/crypto';
import { AUTH_CONFIG, AuthConfig } from './auth.config';
import { checkBackupKeyCert } from './backup-key-cert';
import { type ClientContext, type IssuedRefresh, SessionsService } from './sessions/sessions.service';
import { AuthSecrets } from './tokens/auth-secrets';
import { TokenIssuer } from './tokens/token-issuer';
import {
  type UserRecord, UserIdTakenError, UserRepository, UsernameTakenError, VersionConflictError,
} from './users/user.repository';

/** The client's Argon2id parameters for new accounts (DESIGN §3); raised later without breaking old accounts. */
export const CLIENT_KDF = { kdf: 'argon2id', m: 65536, t: 3, p: 4 } as const;
const WRONG_CREDENTIALS = 'wrong username or password';
const RECOVERY_FAILED = 'the recovery proof is not valid; start again';
const CHALLENGE_TTL_MS = 5 * 60_000;

/** A new session: the response body and the refresh token for the cookie. */
export interface StartedSession {
  response: AuthResponse;
  refresh: IssuedRefresh;
}

@Injectable()
export class AuthService {
  /** Verified against when the username is unknown, so that both paths cost the same. */
  private dummyHash?: Promise<string>;

  constructor(
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    private readonly users: UserRepository,
    private readonly secrets: AuthSecrets,
    private readonly tokens: TokenIssuer,
    private readonly sessions: SessionsService,
  ) {}

  /** KDF parameters for a username; for an unknown one a deterministic fake salt, same shape, same work. */
  async prelogin(username: string): Promise<KdfParams> {
    const kdf = await this.users.findKdfByUsername(username);
    if (kdf) return kdf;
    const salt = createHmac('sha256', this.secrets.preloginSecret).update(`prelogin:${username}`).digest()
      .subarray(0, 16).toString('base64url');
    return { ...CLIENT_KDF, salt };
  }

  async register(dto: RegisterDto, client: ClientContext): Promise<StartedSession> {
    if (dto.deviceCert.userId !== dto.userId) throw new BadRequestException('deviceCert.userId must equal userId');
    if (dto.deviceCert.listVersion !== 1) throw new BadRequestException('the first device has listVersion 1');
    if (dto.deviceCert.revoked) throw new BadRequestException('the first device cannot be revoked');
    await verifyDeviceCert({ ...dto.deviceCert }, dto.uikPublicKey).catch(() => {
      throw new BadRequestException('deviceCert is not signed by uikPublicKey');
    });
    const backupKeyCert = dto.backupKeyCert && await checkBackupKeyCert({ ...dto.backupKeyCert }, dto.userId, dto.uikPublicKey);
    const user: UserRecord = {
      userId: dto.userId,
      username: dto.username,
      displayName: dto.displayName.trim(),
      uikPublicKey: dto.uikPublicKey,
      authHash: await this.hashSecret(dto.authSecret),
      kdf: { kdf: dto.kdf.kdf, m: dto.kdf.m, t: dto.kdf.t, p: dto.kdf.p, salt: dto.kdf.salt },
      wrappedAbk: dto.wrappedAbk,
      secretBundle: dto.secretBundle,
      ...(dto.recoveryWrappedAbk && { recoveryWrappedAbk: dto.recoveryWrappedAbk }),
      ...(backupKeyCert && { backupKeyCert }),
      backupVersion: 1,
      createdAt: Date.now(),
    };
    try {
      await this.users.create(user, { ...dto.deviceCert });
    } catch (err) {
      if (err instanceof UsernameTakenError) throw new ConflictException('that username is taken');
      if (err instanceof UserIdTakenError) throw new ConflictException('that userId is taken; generate another');
      throw err;
    }
    return this.session(user, client);
  }

  async login(dto: LoginDto, client: ClientContext): Promise<StartedSession> {
    const user = await this.users.findByUsername(dto.username);
    const ok = await verify(user?.authHash ?? (await this.dummy()), dto.authSecret).catch(() => false);
    if (!user || !ok) throw new UnauthorizedException(WRONG_CREDENTIALS);
    return this.session(user, client);
  }

  /**
   * A new password: the old auth secret proves it is the owner, the ABK comes re-wrapped under the new password,
   * and one conditional write replaces verifier, KDF parameters and wrapped ABK only if neither the verifier nor
   * the backup changed meanwhile. Every other session ends; this one stays.
   */
  async changePassword(userId: string, sessionId: string, dto: ChangePasswordDto): Promise<{ backupVersion: number }> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundException('no such user');
    // 403, not 401: the session is fine, the old password is not.
    if (!(await verify(user.authHash, dto.oldAuthSecret).catch(() => false))) {
      throw new ForbiddenException('the current password is wrong');
    }
    const authHash = await this.hashSecret(dto.newAuthSecret);
    const kdf = { kdf: dto.kdf.kdf, m: dto.kdf.m, t: dto.kdf.t, p: dto.kdf.p, salt: dto.kdf.salt };
    let backupVersion: number;
    try {
      backupVersion = await this.users.changePassword(userId, { authHash: user.authHash, backupVersion: dto.backupVersion },
        { authHash, kdf, wrappedAbk: dto.wrappedAbk });
    } catch (err) {
      if (err instanceof VersionConflictError) {
        throw new ConflictException('the account changed meanwhile (password or backup); fetch the backup and try again');
      }
      throw err;
    }
    await this.sessions.revokeAll(userId, 'password-change', sessionId);
    return { backupVersion };
  }

  /**
   * Recovery, step 1: a challenge and the recovery-wrapped backup. The same shape for any username (fakes derived
   * from the prelogin secret for unknown names and accounts without a recovery key), so it reveals nobody. The
   * recovery key is 128+ random bits, so handing out its wrap lets nobody guess it.
   */
  async recoveryStart(username: string): Promise<RecoveryChallenge> {
    const user = await this.users.findByUsername(username);
    if (user?.recoveryWrappedAbk) {
      return { userId: user.userId, challenge: this.challenge(user.userId), recoveryWrappedAbk: user.recoveryWrappedAbk,
        secretBundle: user.secretBundle, backupVersion: user.backupVersion };
    }
    const fake = (label: string, bytes: number) => createHmac('sha256', this.secrets.preloginSecret)
      .update(`recovery:${label}:${username}`).digest().toString('base64url').repeat(Math.ceil(bytes / 32)).slice(0, bytes);
    const userId = fake('userId', 22);
    return { userId, challenge: this.challenge(userId), recoveryWrappedAbk: fake('abk', 80), secretBundle: fake('bundle', 200),
      backupVersion: 1 };
  }

  /**
   * Recovery, step 2: the UIK's signature over the challenge and the new password material proves the caller
   * unlocked the backup with the recovery key. One conditional write on the backup version (a replay finds it
   * moved on); every session ends, and a new one starts as after a login.
   */
  async recoveryFinish(dto: RecoveryFinishDto, client: ClientContext): Promise<StartedSession> {
    const user = await this.users.findByUsername(dto.username);
    if (!user || !this.challengeValid(dto.challenge, user.userId)) throw new ForbiddenException(RECOVERY_FAILED);
    const kdf = { kdf: dto.kdf.kdf, m: dto.kdf.m, t: dto.kdf.t, p: dto.kdf.p, salt: dto.kdf.salt };
    const message = recoveryProof({ challenge: dto.challenge, userId: user.userId, newAuthSecret: dto.newAuthSecret, kdf,
      wrappedAbk: dto.wrappedAbk, backupVersion: dto.backupVersion });
    let valid = false;
    try {
      const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: user.uikPublicKey }, format: 'jwk' });
      valid = verifySignature(null, Buffer.from(message, 'utf8'), key, Buffer.from(dto.signature, 'base64url'));
    } catch {
      valid = false;
    }
    if (!valid) throw new ForbiddenException(RECOVERY_FAILED);
    const authHash = await this.hashSecret(dto.newAuthSecret);
    try {
      await this.users.recoverPassword(user.userId, dto.backupVersion, { authHash, kdf, wrappedAbk: dto.wrappedAbk });
    } catch (err) {
      if (err instanceof VersionConflictError) throw new ConflictException('the account changed meanwhile; start again');
      throw err;
    }
    await this.sessions.revokeAll(user.userId, 'password-change');
    const updated = await this.users.findById(user.userId);
    if (!updated) throw new NotFoundException('no such user');
    return this.session(updated, client);
  }

  private challenge(userId: string): string {
    const body = `${Date.now() + CHALLENGE_TTL_MS}.${randomBytes(16).toString('base64url')}`;
    return `${body}.${this.challengeMac(body, userId)}`;
  }

  private challengeValid(challenge: string, userId: string): boolean {
    const match = /^(\d{13})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(challenge);
    if (!match || Number(match[1]) < Date.now()) return false;
    const expected = Buffer.from(this.challengeMac(`${match[1]}.${match[2]}`, userId));
    const given = Buffer.from(match[3]);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private challengeMac(body: string, userId: string): string {
    return createHmac('sha256', this.secrets.recoveryMacKey).update(`${userId}.${body}`).digest('base64url');
  }

  private async session(user: UserRecord, client: ClientContext): Promise<StartedSession> {
    const summary = { userId: user.userId, username: user.username, displayName: user.displayName };
    const refresh = await this.sessions.start(user.userId, client);
    const { accessToken, expiresIn } = await this.tokens.issue(summary, refresh.sessionId);
    return {
      response: {
        accessToken,
        expiresIn,
        user: summary,
        backup: {
          wrappedAbk: user.wrappedAbk,
          secretBundle: user.secretBundle,
          ...(user.recoveryWrappedAbk && { recoveryWrappedAbk: user.recoveryWrappedAbk }),
          ...(user.backupKeyCert && { backupKeyCert: user.backupKeyCert }),
        },
      },
      refresh,
    };
  }

  private hashSecret(secret: string): Promise<string> {
    return hash(secret, {
      type: argon2id,
      memoryCost: this.config.ARGON2_MEMORY_KIB,
      timeCost: this.config.ARGON2_TIME,
      parallelism: this.config.ARGON2_PARALLELISM,
    });
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= this.hashSecret('parley-dummy-secret-for-unknown-users');
    return this.dummyHash;
  }
}
