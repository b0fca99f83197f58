import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../lib/paths';
import { parseCaddyfile } from './support/caddy';
import { ROUTING_EXAMPLES } from './support/routes';
import { type AppName, CONFIG_VARIABLES, LAUNCHER_VARIABLES, loadServiceConfig, type LoadedConfig } from './support/service-config';

interface ComposeService {
  image?: string;
  build?: { context: string; target: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string };
}

/** No Docker engine here: the compose file is parsed and judged by the services' own configuration classes. */
describe('docker-compose.yml: the whole product', () => {
  const root = repoRoot();
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
    volumes: Record<string, unknown>;
  };
  const services = compose.services;
  const caddy = parseCaddyfile(readFileSync(join(root, 'infra/docker/Caddyfile'), 'utf8'));
  /** The compose services that run one of our apps, with the app they run. */
  const apps = Object.entries(services)
    .filter(([, s]) => s.build?.target === 'app')
    .map(([name, s]) => [name, s.command?.[0] as AppName] as const);
  const loaded = new Map<string, LoadedConfig>(apps.map(([name, app]) => [name, loadServiceConfig(app, services[name].environment ?? {}, name)]));
  const envOf = (name: string) => services[name].environment ?? {};

  it('runs Redis, DynamoDB Local, MinIO, the four services with two gateways, and the web proxy', () => {
    expect(apps.map(([, app]) => app).sort()).toEqual(['auth', 'files', 'messaging-gateway', 'messaging-gateway', 'rooms']);
    expect(services['minio'].image).toMatch(/^minio\/minio/);
    expect(services['web'].build?.target).toBe('web');
    expect(services['redis'].image).toMatch(/^redis:/);
    expect(services['dynamodb'].image).toMatch(/^amazon\/dynamodb-local/);
  });

  it.each(apps)('gives %s a configuration its config classes accept', (name) => {
    expect(loaded.get(name)?.core).toBeDefined();
  });

  it.each(apps)('sets no variable that %s does not read', (name) => {
    const unknown = Object.keys(envOf(name)).filter((v) => !CONFIG_VARIABLES.includes(v) && !LAUNCHER_VARIABLES.includes(v));
    expect(unknown).toEqual([]);
  });

  it.each(apps)('points %s at the containers, not at its localhost defaults', (name) => {
    const { core } = loaded.get(name) as LoadedConfig;
    expect(core.DYNAMODB_ENDPOINT).toBe('http://dynamodb:8000');
    expect(core.DYNAMODB_CREATE_TABLES).toBe(true);
    expect(core.REDIS_URL).toBe('redis://redis:6379');
    expect(new URL(core.AUTH_JWKS_URL).host).toBe(`auth:${envOf('auth')['PORT']}`);
    expect(new URL(core.ROOMS_URL).host).toBe(`rooms:${envOf('rooms')['PORT']}`);
  });

  it('runs two gateways with distinct instance ids', () => {
    const gateways = apps.filter(([, app]) => app === 'messaging-gateway').map(([name]) => loaded.get(name)?.core.INSTANCE_ID);
    expect(new Set(gateways).size).toBe(2);
  });

  it('keeps auth\'s generated keys in a volume (Secrets Manager\'s job in AWS)', () => {
    const { auth } = loaded.get('auth') as LoadedConfig;
    expect(auth?.DEV_SECRETS_DIR).toBe('/app/.data/secrets');
    expect(services['auth'].volumes).toContain('auth-secrets:/app/.data/secrets');
  });

  it('stores blobs in MinIO with MinIO\'s own credentials, creating the bucket', () => {
    const { files } = loaded.get('files') as LoadedConfig;
    const minio = envOf('minio');
    expect(files).toMatchObject({
      BLOB_STORE: 's3', S3_ENDPOINT: 'http://minio:9000', S3_FORCE_PATH_STYLE: true, S3_CREATE_BUCKET: true,
      S3_ACCESS_KEY_ID: minio['MINIO_ROOT_USER'], S3_SECRET_ACCESS_KEY: minio['MINIO_ROOT_PASSWORD'],
    });
    expect(services['files'].depends_on?.['minio']).toEqual({ condition: 'service_healthy' });
  });

  it.each(ROUTING_EXAMPLES)('routes %s to %s through the proxy, like the ALB does', (path, upstream) => {
    const route = caddy.routeFor(path);
    const hosts = (route?.upstreams ?? []).map((u) => u.split(':')[0]);
    const served = hosts.length === 0 ? 'web' : hosts.map((h) => services[h].command?.[0]);
    expect(served === 'web' ? 'web' : [...new Set(served)]).toEqual(upstream === 'web' ? 'web' : [upstream]);
  });

  it('proxies to each service on the port it listens on', () => {
    for (const route of caddy.routes) {
      for (const upstream of route.upstreams) {
        const [host, port] = upstream.split(':');
        expect(loaded.get(host)?.core.PORT).toBe(Number(port));
      }
    }
  });

  it('spreads socket.io clients over both gateways with a sticky cookie', () => {
    const route = caddy.routeFor('/socket.io/');
    expect(route?.upstreams.sort()).toEqual(['gateway-1:3003', 'gateway-2:3003']);
    expect(readFileSync(join(root, 'infra/docker/Caddyfile'), 'utf8')).toMatch(/lb_policy cookie/);
  });

  it('answers an unknown API path with 404, not with the app shell', () => {
    expect(caddy.routeFor('/api/nope')?.responds).toBe(404);
  });

  it('serves everything on one origin, the one the services allow sockets from', () => {
    expect(services['web'].ports).toEqual(['8080:8080']);
    for (const [name] of apps) expect(loaded.get(name)?.core.PUBLIC_ORIGIN).toBe('http://localhost:8080');
    for (const [name] of apps) expect(services[name].ports).toBeUndefined();
  });

  it('starts each service after its dependencies are healthy, and the proxy after the services', () => {
    for (const [name] of apps) {
      expect(services[name].depends_on).toMatchObject({ redis: { condition: 'service_healthy' }, dynamodb: { condition: 'service_healthy' } });
    }
    for (const [name] of apps) expect(services['web'].depends_on?.[name]).toEqual({ condition: 'service_healthy' });
    expect(services['minio'].healthcheck?.test).toBeDefined();
  });
});
