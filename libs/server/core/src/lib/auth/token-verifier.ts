import { Inject, Injectable } from '@nestjs/common';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { AccessTokenClaims } from '@parley/shared/contracts';
import { CoreConfig, JWT_AUDIENCE, JWT_ISSUER } from '../config/core.config';
import { CORE_CONFIG } from '../config/tokens';
import { SessionDenylist } from './session-denylist';

export interface AuthUser {
  userId: string;
  username: string;
  /** The session (refresh-token family) the token belongs to. */
  sessionId: string;
  /** The raw access token, forwarded when this service asks another on the user's behalf. */
  token: string;
}

/** Header parameters that point at keys elsewhere or demand extensions: never honoured, so never accepted. */
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'] as const;

/**
 * Verifies access tokens with auth's public keys (JWKS, ES256 only). Every service uses this; none holds a
 * shared secret. Unknown `kid`s trigger a refetch of the key set (jose rate-limits it). Tokens of a revoked
 * session are refused too (a local lookup, see SessionDenylist), so every guard and the socket handshake get it.
 */
@Injectable()
export class TokenVerifier {
  private readonly keys: JWTVerifyGetKey;

  constructor(
    @Inject(CORE_CONFIG) config: CoreConfig,
    private readonly denylist: SessionDenylist,
  ) {
    this.keys = createRemoteJWKSet(new URL(config.AUTH_JWKS_URL), { cooldownDuration: 5_000 });
  }

  /** Throws on anything but a valid, current access token of a live session. */
  async verify(token: string): Promise<AuthUser> {
    const header = decodeProtectedHeader(token);
    if (FORBIDDEN_HEADERS.some((name) => name in header)) throw new Error('forbidden JOSE header');
    if (typeof header.kid !== 'string') throw new Error('the token names no key');
    const { payload } = await jwtVerify<AccessTokenClaims>(token, this.keys, {
      algorithms: ['ES256'],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      typ: 'at+jwt',
      requiredClaims: ['sub', 'exp', 'iat', 'sid'],
      clockTolerance: 5,
    });
    if (payload.typ !== 'access' || typeof payload.sub !== 'string' || typeof payload.name !== 'string'
      || typeof payload.sid !== 'string') {
      throw new Error('not an access token');
    }
    if (this.denylist.isRevoked(payload.sid)) throw new Error('the session has ended');
    return { userId: payload.sub, username: payload.name, sessionId: payload.sid, token };
  }
}
