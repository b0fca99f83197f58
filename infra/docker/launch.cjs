// Entrypoint of the Parley service image: `node /app/launch.cjs <auth|rooms|messaging-gateway|files>`.
// One image holds all four services (same dependencies, one build, one push); this picks one and adapts the
// container's environment to what the services read, then runs it in this same process (signals reach Nest's
// shutdown hooks directly). `node /app/launch.cjs --health` is the container health check.
'use strict';

const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

/** The services in the image and their default ports (the same defaults as their main.ts). */
const APPS = { auth: 3001, rooms: 3002, 'messaging-gateway': 3003, files: 3004 };

/** Above the ALB's 60 s idle timeout: the load balancer, not the app, must be the one to close an idle connection. */
const DEFAULT_KEEP_ALIVE_MS = 65_000;

/**
 * The environment the service gets. In AWS the Redis address and its AUTH token arrive separately (the token as an
 * ECS secret), so REDIS_URL is assembled here; INSTANCE_ID must differ per task (presence keys use it), and the
 * tasks of one service share their configuration, so it comes from the host name unless set.
 */
function containerEnv(app, env, hostname) {
  const out = { ...env };
  if (!out.REDIS_URL && out.REDIS_HOST) {
    const scheme = out.REDIS_TLS === 'true' ? 'rediss' : 'redis';
    const auth = out.REDIS_AUTH_TOKEN ? `:${encodeURIComponent(out.REDIS_AUTH_TOKEN)}@` : '';
    out.REDIS_URL = `${scheme}://${auth}${out.REDIS_HOST}:${out.REDIS_PORT || '6379'}`;
  }
  // The token now lives in REDIS_URL only; nothing else should find it lying around.
  delete out.REDIS_AUTH_TOKEN;
  if (!out.INSTANCE_ID) out.INSTANCE_ID = `${app}-${hostname}`;
  return out;
}

function keepAliveMs(env) {
  const raw = env.HTTP_KEEP_ALIVE_TIMEOUT_MS;
  if (raw === undefined || raw === '') return DEFAULT_KEEP_ALIVE_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 1_000 || ms > 600_000) {
    throw new Error('HTTP_KEEP_ALIVE_TIMEOUT_MS must be an integer between 1000 and 600000');
  }
  return ms;
}

/**
 * Node closes idle keep-alive connections after 5 s, the ALB after 60 s: the ALB would now and then send a request
 * on a connection Node is closing, and answer 502. The services' shared bootstrap (libs/server/core) does not set
 * the timeout yet, so every HTTP server this process starts gets it here, before it listens.
 */
function applyKeepAlive(ms) {
  const listen = http.Server.prototype.listen;
  http.Server.prototype.listen = function listenWithKeepAlive(...args) {
    this.keepAliveTimeout = ms;
    this.headersTimeout = ms + 5_000; // must exceed keepAliveTimeout, or Node drops slow first requests early
    return listen.apply(this, args);
  };
}

async function health(env) {
  const port = env.PORT;
  if (!port) {
    console.error('health: PORT is not set');
    return 1;
  }
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3_000) });
    return response.ok ? 0 : 1;
  } catch {
    return 1;
  }
}

function main(argv) {
  if (argv[0] === '--health') {
    void health(process.env).then((code) => process.exit(code));
    return;
  }
  const app = argv[0] || process.env.PARLEY_APP;
  if (!Object.hasOwn(APPS, app ?? '')) {
    console.error(`usage: node launch.cjs <${Object.keys(APPS).join('|')}> (got ${app ? `"${app}"` : 'nothing'})`);
    process.exit(64);
  }
  const env = containerEnv(app, process.env, os.hostname());
  for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
  Object.assign(process.env, env);
  try {
    applyKeepAlive(keepAliveMs(process.env));
  } catch (err) {
    console.error(`${app} refused to start. ${err.message}`);
    process.exit(1);
  }
  require(path.join(__dirname, 'dist/apps', app, 'main.js'));
}

if (require.main === module) main(process.argv.slice(2));

module.exports = { APPS, DEFAULT_KEEP_ALIVE_MS, containerEnv, keepAliveMs, applyKeepAlive };
