import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { API, type AuthResponse } from '@parley/shared/contracts';
import { derivePasswordSecrets, type KdfParams } from '@parley/shared/crypto';
import {
  type Endpoints, http, requireRedis, type RunningProcess, startDynamoDbLocal, startService, TestClient,
} from '@parley/server/testing';

/** One server-side argon2id setting of the auth service, as environment variables. */
export interface HashProfile {
  label: string;
  env: Record<string, string>;
}

export interface LoginBenchOptions {
  seconds: number;
  concurrency: number;
  users: number;
  profiles: HashProfile[];
  log: (line: string) => void;
}

export interface LoginFigures {
  label: string;
  params: string;
  logins: number;
  failures: number;
  loginsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  authCpuSeconds: number;
  /** Logins per second of CPU time of the auth process: what one vCPU sustains when it does nothing else. */
  loginsPerVcpuSecond: number;
  generatorCpuSeconds: number;
}

const PASSWORD = 'correct horse battery staple';
/** Flat limits and backoff out of the way: the bench measures the login path, not the throttler's refusals. */
const UNTHROTTLED = {
  THROTTLE_PER_IP_PER_MINUTE: '100000000', THROTTLE_PER_USERNAME_PER_MINUTE: '100000000',
  THROTTLE_PER_USERNAME_PER_HOUR: '100000000', LOGIN_BACKOFF_FREE_FAILURES: '100000000',
  LOGIN_BACKOFF_FREE_FAILURES_PER_IP: '100000000', LOG_LEVEL: 'warn',
};

/** utime + stime of a process from /proc, in seconds (Linux). */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  // After the ")" field 1 is the state; utime and stime are fields 14 and 15 of stat(5), i.e. 11 and 12 here.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/**
 * Logins against one auth instance per profile (fresh process, same DynamoDB Local and Redis): `concurrency`
 * clients log in back to back for `seconds`, each a real POST /api/auth/login with a correct authSecret (the
 * client-side Argon2id is done once before the clock starts: it is the client's cost, not the server's).
 */
export async function runLoginBench(options: LoginBenchOptions): Promise<{ machine: string; figures: LoginFigures[] }> {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.versions.node}, load ${loadavg()[0].toFixed(1)}`;
  const redisUrl = await requireRedis();
  const dynamo = await startDynamoDbLocal();
  const secrets = mkdtempSync(join(tmpdir(), 'parley-bench-login-'));
  const figures: LoginFigures[] = [];
  try {
    for (const profile of options.profiles) {
      const prefix = `bench-login-${randomBytes(3).toString('hex')}-`;
      const auth = await startService('auth', 'auth-bench', {
        ...UNTHROTTLED, ...profile.env, DYNAMODB_ENDPOINT: dynamo.url, DYNAMODB_CREATE_TABLES: 'true',
        TABLE_PREFIX: prefix, DEV_SECRETS_DIR: secrets, REDIS_URL: redisUrl, ROOMS_URL: 'http://127.0.0.1:9', AUTH_JWKS_URL: 'http://127.0.0.1:9',
      });
      try {
        figures.push(await measure(auth, profile, options));
      } finally {
        await auth.stop();
      }
    }
  } finally {
    await dynamo.stop();
    rmSync(secrets, { recursive: true, force: true });
  }
  return { machine, figures };
}

async function measure(auth: RunningProcess, profile: HashProfile, options: LoginBenchOptions): Promise<LoginFigures> {
  const endpoints = { auth: auth.url } as Endpoints;
  options.log(`${profile.label}: registering ${options.users} users`);
  const logins = await Promise.all(Array.from({ length: options.users }, async (_, i) => {
    const username = `bench${i}${randomBytes(3).toString('hex')}`;
    await TestClient.register(endpoints, username, PASSWORD);
    const pre = await http<KdfParams>(auth.url, 'POST', API.prelogin, { username });
    return { username, authSecret: (await derivePasswordSecrets(PASSWORD, pre.body)).authSecret };
  }));
  // Warm-up: JIT, connection pools, the DynamoDB Local tables.
  await Promise.all(logins.map((body) => http(auth.url, 'POST', API.login, body)));

  options.log(`${profile.label}: ${options.concurrency} clients for ${options.seconds} s`);
  const latencies: number[] = [];
  let failures = 0;
  const cpuBefore = processCpuSeconds(auth.child.pid ?? 0);
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  await Promise.all(Array.from({ length: options.concurrency }, async (_, worker) => {
    for (let i = worker; performance.now() < deadline; i += options.concurrency) {
      const t0 = performance.now();
      const res = await http<AuthResponse>(auth.url, 'POST', API.login, logins[i % logins.length]);
      if (res.status === 200) latencies.push(performance.now() - t0);
      else failures++;
    }
  }));
  const wall = (performance.now() - started) / 1000;
  const authCpuSeconds = processCpuSeconds(auth.child.pid ?? 0) - cpuBefore;
  const own = process.cpuUsage(ownBefore);
  latencies.sort((a, b) => a - b);
  const { env } = profile;
  return {
    label: profile.label,
    params: `m=${env['ARGON2_MEMORY_KIB'] ?? 19456} KiB, t=${env['ARGON2_TIME'] ?? 2}, p=${env['ARGON2_PARALLELISM'] ?? 1}`,
    logins: latencies.length,
    failures,
    loginsPerSecond: latencies.length / wall,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    authCpuSeconds,
    loginsPerVcpuSecond: latencies.length / authCpuSeconds,
    generatorCpuSeconds: (own.user + own.system) / 1e6,
  };
}
