import { Inject, Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { JWT_AUDIENCE, JWT_ISSUER } from '@parley/server/core';
import type { UserSummary } from '@parley/shared/contracts';
import { AUTH_CONFIG, AuthConfig } from '../auth.config';
import { AuthSecrets } from './auth-secrets';

/**
 * Issues access tokens: ES256 with `kid`, `typ: at+jwt`, issuer, audience and the session id `sid` set (all
 * checked by every service's TokenVerifier).
 */
@Injectable()
export class TokenIssuer {
  constructor(
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    private readonly secrets: AuthSecrets,
  ) {}

  get ttlSeconds(): number {
    return this.config.ACCESS_TOKEN_TTL_SECONDS;
  }

  async issue(user: UserSummary, sessionId: string): Promise<{ accessToken: string; expiresIn: number }> {
    const expiresIn = this.config.ACCESS_TOKEN_TTL_SECONDS;
    const accessToken = await new SignJWT({ name: user.username, typ: 'access', sid: sessionId })
      .setProtectedHeader({ alg: 'ES256', kid: this.secrets.publicJwk.kid, typ: 'at+jwt' })
      .setSubject(user.userId)
      .setIssuer(JWT_ISSUER)
      .setAudience(JWT_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${expiresIn}s`)
      .sign(this.secrets.privateKey);
    return { accessToken, expiresIn };
  }

  jwks() {
    return { keys: this.secrets.publishedKeys };
  }
}
