import { BadRequestException, ConflictException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { hash, verify, argon2id } from 'argon2';
import { createHmac } from 'node:crypto';
import type { AuthResponse, LoginDto, RegisterDto } from '@parley/shared/contracts';
import type { KdfParams } from '@parley/shared/crypto';
import { AUTH_CONFIG, AuthConfig } from './auth.config';
import { type ClientContext, type IssuedRefresh, SessionsService } from './sessions/sessions.service';
import { AuthSecrets } from './tokens/auth-secrets';
import { TokenIssuer } from './tokens/token-issuer';
import { type UserRecord, UserIdTakenError, UserRepository, UsernameTakenError } from './users/user.repository';

/** The client's Argon2id parameters for new accounts (DESIGN §3); raised later without breaking old accounts. */
export const CLIENT_KDF = { kdf: 'argon2id', m: 65536, t: 3, p: 4 } as const;
const WRONG_CREDENTIALS = 'wrong username or password';

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
    const user = await this.users.findByUsername(username);
    if (user) return user.kdf;
    const salt = createHmac('sha256', this.secrets.preloginSecret).update(`prelogin:${username}`).digest()
      .subarray(0, 16).toString('base64url');
    return { ...CLIENT_KDF, salt };
  }

  async register(dto: RegisterDto, client: ClientContext): Promise<StartedSession> {
    if (dto.deviceCert.userId !== dto.userId) throw new BadRequestException('deviceCert.userId must equal userId');
    if (dto.deviceCert.listVersion !== 1) throw new BadRequestException('the first device has listVersion 1');
    const user: UserRecord = {
      userId: dto.userId,
      username: dto.username,
      displayName: dto.displayName.trim(),
      uikPublicKey: dto.uikPublicKey,
      authHash: await this.hashSecret(dto.authSecret),
      kdf: { kdf: dto.kdf.kdf, m: dto.kdf.m, t: dto.kdf.t, p: dto.kdf.p, salt: dto.kdf.salt },
      wrappedAbk: dto.wrappedAbk,
      secretBundle: dto.secretBundle,
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

  private async session(user: UserRecord, client: ClientContext): Promise<StartedSession> {
    const summary = { userId: user.userId, username: user.username, displayName: user.displayName };
    const refresh = await this.sessions.start(user.userId, client);
    const { accessToken, expiresIn } = await this.tokens.issue(summary, refresh.sessionId);
    return {
      response: {
        accessToken,
        expiresIn,
        user: summary,
        backup: { wrappedAbk: user.wrappedAbk, secretBundle: user.secretBundle },
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
