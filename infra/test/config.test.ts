import { INTERNAL_DOMAIN, SERVICES } from '../lib/services';
import { resourcesOf, synthesized, type Synthesized } from './support/synth';
import { CONFIG_VARIABLES, LAUNCHER_VARIABLES, loadServiceConfig, type LoadedConfig } from './support/service-config';

/**
 * Values CloudFormation fills in at deploy time, replaced by realistic ones so that the services' own config
 * validation can judge the rest. An unexpected token fails the test instead of being guessed.
 */
const DEPLOY_TIME_VALUES: Record<string, string> = {
  REDIS_HOST: 'master.parley-prod-redis.abc123.euc1.cache.amazonaws.com',
  PUBLIC_ORIGIN: 'https://d1234abcd.cloudfront.net',
  S3_BUCKET: 'parley-prod-blobs-123456789012-eu-central-1',
};
const SECRET_VALUES: Record<string, string> = {
  REDIS_AUTH_TOKEN: 'a'.repeat(64),
  JWT_PRIVATE_JWK: '{"kty":"EC","crv":"P-256","x":"x","y":"y","d":"d","kid":"k"}',
  JWT_EXTRA_PUBLIC_JWKS: '[]',
  PRELOGIN_SECRET: 'p'.repeat(48),
};

describe('ECS task configuration against the services\' config classes (prod)', () => {
  let prod: Synthesized;
  const loaded = new Map<string, LoadedConfig>();
  const variables = new Map<string, string[]>();

  beforeAll(() => {
    prod = synthesized('prod');
    for (const spec of SERVICES) {
      const [, task] = resourcesOf(prod.services, 'AWS::ECS::TaskDefinition').find(([id]) => id.startsWith(`${spec.id}Task`)) ?? [];
      const app = (task?.Properties['ContainerDefinitions'] as { Name: string; Environment: { Name: string; Value: unknown }[]; Secrets: { Name: string }[] }[])
        .find((c) => c.Name === 'app');
      if (!app) throw new Error(`no app container for ${spec.name}`);
      const env: Record<string, string> = {};
      for (const { Name, Value } of app.Environment) {
        if (typeof Value === 'string') env[Name] = Value;
        else if (Name in DEPLOY_TIME_VALUES) env[Name] = DEPLOY_TIME_VALUES[Name];
        else throw new Error(`${spec.name}: ${Name} is a deploy-time value the test does not know`);
      }
      for (const { Name } of app.Secrets) env[Name] = SECRET_VALUES[Name] ?? 'secret';
      variables.set(spec.name, Object.keys(env));
      loaded.set(spec.name, loadServiceConfig(spec.name, env, '10.40.16.5'));
    }
  });

  it.each(SERVICES.map((s) => [s.name]))('passes %s\'s own configuration validation', (name) => {
    expect(loaded.get(name)?.core).toBeDefined();
  });

  it.each(SERVICES.map((s) => [s.name]))('sets no variable that %s does not read (no typo goes unnoticed)', (name) => {
    const unknown = (variables.get(name) ?? []).filter((v) => !CONFIG_VARIABLES.includes(v) && !LAUNCHER_VARIABLES.includes(v));
    expect(unknown).toEqual([]);
  });

  it.each(SERVICES.map((s) => [s.name, s.port]))('has %s listen on the port of its container and target group (%i)', (name, port) => {
    expect(loaded.get(name)?.core.PORT).toBe(port);
  });

  it('uses AWS itself: DynamoDB without endpoint or table creation, Redis over TLS with its token', () => {
    for (const spec of SERVICES) {
      const { core } = loaded.get(spec.name) as LoadedConfig;
      expect(core.DYNAMODB_ENDPOINT).toBeUndefined();
      expect(core.DYNAMODB_CREATE_TABLES).toBe(false);
      expect(core.TABLE_PREFIX).toBe('parley-prod-');
      expect(core.REDIS_URL).toBe(`rediss://:${'a'.repeat(64)}@${DEPLOY_TIME_VALUES['REDIS_HOST']}:6380`);
    }
  });

  it('finds auth and rooms at their Cloud Map names and ports', () => {
    const port = (name: string) => SERVICES.find((s) => s.name === name)?.port;
    for (const spec of SERVICES) {
      const { core } = loaded.get(spec.name) as LoadedConfig;
      expect(core.AUTH_JWKS_URL).toBe(`http://auth.${INTERNAL_DOMAIN}:${port('auth')}/api/auth/.well-known/jwks.json`);
      expect(core.ROOMS_URL).toBe(`http://rooms.${INTERNAL_DOMAIN}:${port('rooms')}`);
    }
  });

  it('gives auth its keys from Secrets Manager, not the local dev folder', () => {
    const { auth } = loaded.get('auth') as LoadedConfig;
    expect(auth?.DEV_SECRETS_DIR).toBeUndefined();
    expect(auth?.JWT_PRIVATE_JWK).toBe(SECRET_VALUES['JWT_PRIVATE_JWK']);
    expect(auth?.PRELOGIN_SECRET).toBe(SECRET_VALUES['PRELOGIN_SECRET']);
  });

  it('keeps the files service\'s blobs in the S3 bucket, with the task role\'s credentials', () => {
    const { files } = loaded.get('files') as LoadedConfig;
    expect(files).toMatchObject({ BLOB_STORE: 's3', S3_BUCKET: DEPLOY_TIME_VALUES['S3_BUCKET'], S3_CREATE_BUCKET: false });
    expect(files?.S3_ENDPOINT).toBeUndefined();
    expect(files?.S3_ACCESS_KEY_ID).toBeUndefined();
  });

  it('gives every task its own INSTANCE_ID (presence keys depend on it)', () => {
    const a = loadServiceConfig('messaging-gateway', { PORT: '3003' }, '10.40.16.5').core.INSTANCE_ID;
    const b = loadServiceConfig('messaging-gateway', { PORT: '3003' }, '10.40.32.9').core.INSTANCE_ID;
    expect(a).not.toBe(b);
  });
});
