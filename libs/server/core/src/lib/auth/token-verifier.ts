import { Inject, Injectable } from '@nestjs/common';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { AccessTokenClaims } from '@parley/shared/contracts';
import { CoreConfig, JWT_AUDIENCE, JWT_ISSUER } from '../config/core.config';
import { CORE_CONFIG } from '../config/tokens';

export interface AuthUser {
  userId: string;
  username: string;
  /** The raw access token, forwarded when this service asks another on the user's behalf. */
  token: string;
}

/**
 * Verifies access tokens with auth's public keys (JWKS, ES256 only). Every service uses this; none holds a
 * shared secret. Unknown `kid`s trigger a refetch of the key set (jose rate-limits it).
 */
@Injectable()
export class TokenVerifier {
  private readonly keys: JWTVerifyGetKey;

  constructor(@Inject(CORE_CONFIG) config: CoreConfig) {
    this.keys = createRemoteJWKSet(new URL(config.AUTH_JWKS_URL), { cooldownDuration: 5_000 });
  }

  /** Throws on anything but a valid, current access token. */
  async verify(token: string): Promise<AuthUser> {
    const { payload } = await jwtVerify<AccessTokenClaims>(token, this.keys, {
      algorithms: ['ES256'],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      typ: 'at+jwt',
      requiredClaims: ['sub', 'exp', 'iat'],
    });
    if (payload.typ !== 'access' || typeof payload.sub !== 'string' || typeof payload.name !== 'string') {
      throw new Error('not an access token');
    }
    return { userId: payload.sub, username: payload.name, token };
  }
}
