import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { exportJWK, generateKeyPair, importJWK, type JWK, calculateJwkThumbprint } from 'jose';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AUTH_CONFIG, AuthConfig } from '../auth.config';

/**
 * The auth service's secrets: the ES256 signing key and the prelogin HMAC key. From the environment in AWS;
 * generated once and kept in DEV_SECRETS_DIR locally. Refuses to start with neither.
 */
@Injectable()
export class AuthSecrets implements OnModuleInit {
  privateKey!: CryptoKey;
  publicJwk!: JWK & { kid: string };
  preloginSecret!: Buffer;

  constructor(@Inject(AUTH_CONFIG) private readonly config: AuthConfig) {}

  async onModuleInit(): Promise<void> {
    const jwkText = this.config.JWT_PRIVATE_JWK ?? (await this.devSecret('jwt-private.jwk.json', generateJwk));
    const prelogin = this.config.PRELOGIN_SECRET ?? (await this.devSecret('prelogin.secret', async () =>
      randomBytes(32).toString('base64url')));
    let jwk: JWK;
    try {
      jwk = JSON.parse(jwkText) as JWK;
    } catch {
      throw new Error('JWT_PRIVATE_JWK is not valid JSON');
    }
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d) throw new Error('JWT_PRIVATE_JWK must be a P-256 private JWK');
    this.privateKey = (await importJWK(jwk, 'ES256')) as CryptoKey;
    const { d: _private, ...publicPart } = jwk;
    const kid = jwk.kid ?? (await calculateJwkThumbprint(publicPart));
    this.publicJwk = { ...publicPart, kid, alg: 'ES256', use: 'sig' };
    this.preloginSecret = Buffer.from(prelogin, 'utf8');
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

async function generateJwk(): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return JSON.stringify({ ...jwk, kid: await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }) });
}
