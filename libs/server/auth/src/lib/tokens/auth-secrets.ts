import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { exportJWK, generateKeyPair, importJWK, type JWK, calculateJwkThumbprint } from 'jose';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AUTH_CONFIG, AuthConfig } from '../auth.config';

export type PublicJwk = JWK & { kid: string };

/**
 * The auth service's secrets: the ES256 signing key (plus public keys published beside it for rotation) and the
 * prelogin HMAC key. From the environment in AWS; generated once and kept in DEV_SECRETS_DIR locally. Refuses to
 * start with neither.
 */
@Injectable()
export class AuthSecrets implements OnModuleInit {
  privateKey!: CryptoKey;
  publicJwk!: PublicJwk;
  /** Every key the JWKS publishes: the signing key first. */
  publishedKeys: PublicJwk[] = [];
  preloginSecret!: Buffer;
  /** MAC key of refresh tokens (derived from the prelogin secret, domain-separated). */
  refreshMacKey!: Buffer;
  /** MAC key of recovery challenges (likewise). */
  recoveryMacKey!: Buffer;

  constructor(@Inject(AUTH_CONFIG) private readonly config: AuthConfig) {}

  async onModuleInit(): Promise<void> {
    const jwkText = this.config.JWT_PRIVATE_JWK ?? (await this.devSecret('jwt-private.jwk.json', generateJwk));
    const prelogin = this.config.PRELOGIN_SECRET ?? (await this.devSecret('prelogin.secret', async () =>
      randomBytes(32).toString('base64url')));
    const jwk = parseJson<JWK>(jwkText, 'JWT_PRIVATE_JWK');
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d) throw new Error('JWT_PRIVATE_JWK must be a P-256 private JWK');
    this.privateKey = (await importJWK(jwk, 'ES256')) as CryptoKey;
    const { d: _private, ...publicPart } = jwk;
    const kid = jwk.kid ?? (await calculateJwkThumbprint(publicPart));
    this.publicJwk = { ...publicPart, kid, alg: 'ES256', use: 'sig' };
    const extra = this.config.JWT_EXTRA_PUBLIC_JWKS
      ? parseJson<JWK[]>(this.config.JWT_EXTRA_PUBLIC_JWKS, 'JWT_EXTRA_PUBLIC_JWKS') : [];
    if (!Array.isArray(extra)) throw new Error('JWT_EXTRA_PUBLIC_JWKS must be a JSON array of public JWKs');
    this.publishedKeys = [this.publicJwk];
    for (const key of extra) {
      if (key.kty !== 'EC' || key.crv !== 'P-256' || key.d !== undefined || typeof key.kid !== 'string') {
        throw new Error('JWT_EXTRA_PUBLIC_JWKS: each key must be a public P-256 JWK with a kid');
      }
      if (key.kid === kid) continue;
      await importJWK(key, 'ES256'); // refuses a malformed key at start, not at the first verification
      this.publishedKeys.push({ kty: key.kty, crv: key.crv, x: key.x, y: key.y, kid: key.kid, alg: 'ES256', use: 'sig' });
    }
    this.preloginSecret = Buffer.from(prelogin, 'utf8');
    this.refreshMacKey = createHmac('sha256', this.preloginSecret).update('parley/v1/refresh-token-mac').digest();
    this.recoveryMacKey = createHmac('sha256', this.preloginSecret).update('parley/v1/recovery-challenge-mac').digest();
  }

  private async devSecret(name: string, make: () => Promise<string>): Promise<string> {
    const dir = this.config.DEV_SECRETS_DIR;
    if (!dir) throw new Error(`set JWT_PRIVATE_JWK and PRELOGIN_SECRET, or DEV_SECRETS_DIR for local use (missing: ${name})`);
    const file = join(dir, name);
    try {
      return await readFile(file, 'utf8');
    } catch {
      await mkdir(dir, { recursive: true });
      const value = await make();
      // 'wx': if a sibling process created it first, use theirs.
      await writeFile(file, value, { mode: 0o600, flag: 'wx' }).catch(() => undefined);
      return readFile(file, 'utf8');
    }
  }
}

function parseJson<T>(text: string, variable: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${variable} is not valid JSON`);
  }
}

async function generateJwk(): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return JSON.stringify({ ...jwk, kid: await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }) });
}
