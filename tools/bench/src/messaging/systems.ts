import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  freePort, type RunningProcess, type RunningSystem, startRedisServer, startSystem, waitFor,
} from '@parley/server/testing';

/** What a scenario needs of a system under test: its two instances, its processes, one more instance for C. */
export interface SystemUnderTest {
  name: 'baseline' | 'parley';
  gateways: RunningProcess[];
  endpoints?: { auth: string; rooms: string };
  /** Every server-side process by name (instances, Redis, DynamoDB Local, auth, rooms), for CPU and memory. */
  pids: () => Record<string, number | undefined>;
  /** One more instance on the same Redis (and tables); `env` is added to its environment. */
  addInstance: (name: string, env?: Record<string, string>) => Promise<RunningProcess>;
  stop: () => Promise<void>;
}

type Redis = Awaited<ReturnType<typeof startRedisServer>>;

function stopper(child: RunningProcess['child']): () => Promise<void> {
  return () => new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
  });
}

async function startBaselineInstance(buildDir: string, name: string, redisUrl: string, env: Record<string, string> = {}):
  Promise<RunningProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(buildDir, 'baseline-server.cjs')], {
    env: { ...process.env, ...env, PORT: String(port), REDIS_URL: redisUrl }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 40));
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(name, async () => {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    return (await fetch(`${url}/health`)).ok;
  });
  return { name, url, child, output: () => lines.join('\n'), stop: stopper(child) };
}

/** Two bare socket.io instances on a private Redis; `instanceEnv` goes to every instance (e.g. NODE_OPTIONS). */
export async function startBaseline(buildDir: string, instanceEnv: Record<string, string> = {}): Promise<SystemUnderTest> {
  const redis = await startRedisServer();
  const instances = await Promise.all(['gw1', 'gw2'].map((n) => startBaselineInstance(buildDir, n, redis.url, instanceEnv)));
  return {
    name: 'baseline',
    gateways: instances,
    pids: () => ({ ...Object.fromEntries(instances.map((i) => [i.name, i.child.pid])), redis: redis.child.pid }),
    addInstance: async (name, env = {}) => {
      const options = [instanceEnv['NODE_OPTIONS'], env['NODE_OPTIONS']].filter(Boolean).join(' ');
      const instance = await startBaselineInstance(buildDir, name, redis.url,
        { ...instanceEnv, ...env, ...(options && { NODE_OPTIONS: options }) });
      instances.push(instance);
      return instance;
    },
    stop: async () => {
      await Promise.all(instances.map((i) => i.stop()));
      await redis.stop();
    },
  };
}

/**
 * Parley as deployed, in separate processes: auth, rooms and two messaging-gateway instances over a private
 * Redis and DynamoDB Local, every check on. Only what a benchmark of 1,000 users from one address needs is
 * raised: the per-IP sign-up throttle (30 a minute) and the access-token lifetime (the run must not outlive it).
 * `gatewayEnv` goes to the gateways only (e.g. NODE_OPTIONS=--cpu-prof).
 */
export async function startParley(gatewayEnv: Record<string, string> = {}): Promise<SystemUnderTest> {
  const redis: Redis = await startRedisServer();
  let sys: RunningSystem;
  try {
    sys = await startSystem({
      gateways: [gatewayEnv, gatewayEnv], redisUrl: redis.url,
      env: { THROTTLE_PER_IP_PER_MINUTE: '1000000', ACCESS_TOKEN_TTL_SECONDS: '3600', LOG_LEVEL: 'warn' },
    });
  } catch (err) {
    await redis.stop();
    throw err;
  }
  const extra: RunningProcess[] = [];
  return {
    name: 'parley',
    gateways: sys.gateways,
    endpoints: { auth: sys.endpoints.auth, rooms: sys.endpoints.rooms },
    pids: () => ({
      ...Object.fromEntries([...sys.gateways, ...extra].map((g) => [g.name, g.child.pid])),
      redis: redis.child.pid, dynamodb: sys.dynamo.child.pid, auth: sys.auth.child.pid, rooms: sys.rooms.child.pid,
    }),
    addInstance: async (name, env = {}) => {
      const options = [gatewayEnv['NODE_OPTIONS'], env['NODE_OPTIONS']].filter(Boolean).join(' ');
      const gateway = await sys.addGateway(name, { ...gatewayEnv, ...env, ...(options && { NODE_OPTIONS: options }) });
      extra.push(gateway);
      return gateway;
    },
    stop: async () => {
      await sys.stop();
      await redis.stop();
    },
  };
}
