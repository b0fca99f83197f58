#!/usr/bin/env node
// Runs first in `npm test`: the integration and e2e tiers need real Redis, a Java runtime (DynamoDB
// Local) and Chromium. Finding out here takes a second; finding out from a Jest timeout takes minutes.
// Plain Node ESM without dependencies, so it also runs under an older system Node.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { DEFAULT_REDIS_URL, redisPing } from './lib/redis-ping.mjs';

const isMac = process.platform === 'darwin';
const REQUIRED_NODE_MAJOR = 24;

/** Runs a command with a hard timeout; resolves { ok, out } and never rejects. */
function run(cmd, args, timeoutMs) {
  return new Promise((resolve) => {
    let out = '';
    let child;
    try {
      child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ ok: false, out: err.message });
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, out: err.code === 'ENOENT' ? 'not found' : err.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, out: signal ? `timed out after ${timeoutMs} ms` : out.trim() });
    });
  });
}

function checkNode() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major === REQUIRED_NODE_MAJOR) return null;
  const viaNpm = Boolean(process.env.npm_lifecycle_event);
  return {
    what: `Node ${REQUIRED_NODE_MAJOR} (this is ${process.version})`,
    how: viaNpm
      ? [`npm did not find node_modules/.bin/node: run \`npm ci\` first (the "node" devDependency provides Node ${REQUIRED_NODE_MAJOR}).`]
      : [`run through npm (\`npm test\`) so the repo's Node ${REQUIRED_NODE_MAJOR} (node_modules/.bin/node) is used.`],
  };
}

async function checkRedis() {
  const url = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  const reason = await redisPing(url);
  if (!reason) return null;
  return {
    what: `Redis at ${url.replace(/\/\/[^@/]*@/, '//***@')}: ${reason}`,
    how: [
      'Debian/Ubuntu: sudo apt-get install redis-server && redis-server --daemonize yes --port 6379 --save ""',
      'macOS:         brew install redis && redis-server --daemonize yes --port 6379 --save ""',
    ],
  };
}

async function checkJava() {
  const { ok, out } = await run('java', ['-version'], 3000);
  // `java -version` prints e.g. `openjdk version "17.0.15"` or, for Java 8, `"1.8.0_402"`.
  const m = /version "(\d+)(?:\.(\d+))?/.exec(out);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : 0;
  if (ok && major >= 17) return null;
  return {
    what: `Java 17 or newer for DynamoDB Local (${ok ? `found Java ${major || 'of unknown version'}` : `java: ${out.split('\n')[0] || 'failed'}`})`,
    how: [
      'Debian/Ubuntu: sudo apt-get install openjdk-17-jre-headless',
      'macOS:         brew install openjdk@17 (then put its bin/ on PATH, as brew prints)',
    ],
  };
}

async function checkChromium() {
  const path =
    process.env.CHROMIUM_PATH || (isMac ? '/Applications/Chromium.app/Contents/MacOS/Chromium' : '/usr/bin/chromium');
  const problem = !existsSync(path)
    ? 'not found'
    : await run(path, ['--version'], 5000).then(({ ok, out }) => (ok ? null : `\`--version\` failed: ${out.split('\n')[0] || 'no output'}`));
  if (!problem) return null;
  return {
    what: `Chromium at ${path} for the e2e tests (${problem}; set CHROMIUM_PATH to use another binary)`,
    how: ['Debian/Ubuntu: sudo apt-get install chromium', 'macOS:         brew install --cask chromium'],
  };
}

function dockerHint() {
  // Only a hint: the tests start their own DynamoDB Local through Java and expect Redis on the host.
  const r = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 2000 });
  return r.status === 0
    ? ['Docker is available: `docker compose up -d redis` provides Redis (and `dynamodb` a DynamoDB Local) for `npm run stack`;',
       'the tests themselves still need Java and Chromium on this machine.']
    : [];
}

const problems = (await Promise.all([checkNode(), checkRedis(), checkJava(), checkChromium()])).filter(Boolean);

if (problems.length === 0) {
  console.log(`preflight: ok (Node ${process.version}, Redis, Java, Chromium)`);
} else {
  const lines = ['', 'preflight: `npm test` needs a few things that are missing on this machine:', ''];
  for (const p of problems) {
    lines.push(`  ✗ ${p.what}`);
    for (const h of p.how) lines.push(`      ${h}`);
    lines.push('');
  }
  if (problems.some((p) => p.what.startsWith('Redis'))) {
    const docker = dockerHint();
    if (docker.length) lines.push(...docker.map((l) => `  ${l}`), '');
  }
  lines.push('Fix these and run `npm test` again. (`.ci/run` installs all of them on Debian, as root.)', '');
  console.error(lines.join('\n'));
  process.exit(1);
}
