import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { importJWK, type JWK, SignJWT } from 'jose';
import { API } from '@parley/shared/contracts';
import { freePort, requireRedis, type RunningProcess, startDynamoDbLocal, startServices } from './processes';
import type { Endpoints } from './test-client';

export interface SystemOptions {
  /** Gateway instances: each entry is that instance's extra environment. */
  gateways: Record<string, string>[];
  /** Extra environment for every service. */
  env?: Record<string, string>;
  /** Another Redis than the shared one (e.g. a private one a test restarts). */
  redisUrl?: string;
  /** Keep DynamoDB Local's data on disk here, so that `restartDynamo` brings it back. */
  dynamoDbPath?: string;
}

export interface RunningSystem {
  dynamo: RunningProcess;
  auth: RunningProcess;
  rooms: RunningProcess;
  gateways: RunningProcess[];
  /** `gateway` is the first instance. */
  endpoints: Endpoints;
  redisUrl: string;
  tablePrefix: string;
  secretsDir: string;
  /** Starts one more gateway instance on the same Redis and tables. */
  addGateway: (name: string, env?: Record<string, string>) => Promise<RunningProcess>;
  /** Kills DynamoDB Local (SIGKILL) and starts it again on the same port after `downMs` (needs dynamoDbPath). */
  restartDynamo: (downMs: number) => Promise<void>;
  stop: () => Promise<void>;
}

/**
 * auth, rooms and N messaging-gateway instances as separate processes over real Redis and DynamoDB Local, each
 * system with its own table prefix. (files is left out: start it yourself when a test needs blobs.)
 */
export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const redisUrl = await requireRedis(options.redisUrl);
  let dynamo = await startDynamoDbLocal({ dbPath: options.dynamoDbPath });
  const dynamoPort = Number(new URL(dynamo.url).port);
  const tablePrefix = `it-${randomBytes(4).toString('hex')}-`;
  const [authPort, roomsPort] = [await freePort(), await freePort()];
  const secretsDir = mkdtempSync(join(tmpdir(), 'parley-sys-'));
  const common = {
    DYNAMODB_ENDPOINT: dynamo.url,
    DYNAMODB_CREATE_TABLES: 'true',
    TABLE_PREFIX: tablePrefix,
    REDIS_URL: redisUrl,
    AUTH_JWKS_URL: `http://127.0.0.1:${authPort}${API.jwks}`,
    ROOMS_URL: `http://127.0.0.1:${roomsPort}`,
    ...options.env,
  };
  const extra: RunningProcess[] = [];
  let started: RunningProcess[];
  try {
    started = await startServices([
      { app: 'auth', name: 'auth', env: { ...common, PORT: String(authPort), DEV_SECRETS_DIR: secretsDir } },
      { app: 'rooms', name: 'rooms', env: { ...common, PORT: String(roomsPort) } },
      ...options.gateways.map((env, i) => ({ app: 'messaging-gateway', name: `gw${i + 1}`, env: { ...common, ...env } })),
    ]);
  } catch (err) {
    await dynamo.stop();
    throw err;
  }
  const [auth, rooms, ...gateways] = started;
  const system: RunningSystem = {
    dynamo, auth, rooms, gateways, redisUrl, tablePrefix, secretsDir,
    endpoints: { auth: auth.url, rooms: rooms.url, gateway: gateways[0]?.url ?? '', files: '' },
    addGateway: async (name, env = {}) => {
      const [gateway] = await startServices([{ app: 'messaging-gateway', name, env: { ...common, ...env } }]);
      extra.push(gateway);
      return gateway;
    },
    restartDynamo: async (downMs) => {
      if (!options.dynamoDbPath) throw new Error('restartDynamo needs dynamoDbPath');
      dynamo.child.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, downMs));
      dynamo = await startDynamoDbLocal({ port: dynamoPort, dbPath: options.dynamoDbPath });
      system.dynamo = dynamo;
    },
    stop: async () => {
      await Promise.all([...started, ...extra].map((p) => p.stop()));
      await dynamo.stop();
    },
  };
  return system;
}

/**
 * An access token signed with the local auth's own key (DEV_SECRETS_DIR), for what the auth API will not
 * issue: e.g. one that expires in two seconds.
 */
export async function mintAccessToken(secretsDir: string, claims: { userId: string; username: string; ttlSeconds: number }):
  Promise<string> {
  const jwk = JSON.parse(readFileSync(join(secretsDir, 'jwt-private.jwk.json'), 'utf8')) as JWK & { kid: string };
  const key = await importJWK(jwk, 'ES256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ name: claims.username, typ: 'access', sid: randomBytes(16).toString('base64url') })
    .setProtectedHeader({ alg: 'ES256', kid: jwk.kid, typ: 'at+jwt' })
    .setSubject(claims.userId).setIssuer('parley-auth').setAudience('parley')
    .setIssuedAt(now).setExpirationTime(now + claims.ttlSeconds)
    .sign(key);
}
