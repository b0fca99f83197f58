// Child-process helpers shared by start.mjs and stack.mjs.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const COLORS = [36, 35, 33, 32, 34, 96, 95, 93];

export function log(msg) {
  console.log(`${useColor ? '\x1b[1m' : ''}[stack]${useColor ? '\x1b[0m' : ''} ${msg}`);
}

/** nx's CLI entry, read from its package.json "bin" (the file moved between nx versions). */
function nxBin() {
  const dir = path.join(repoRoot, 'node_modules/nx');
  const { bin } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  return path.join(dir, typeof bin === 'string' ? bin : bin.nx);
}

/** Runs nx with this same Node binary (the repo's Node 24) and streams its output. Resolves to the exit code. */
export function runNx(args) {
  return new Promise((resolve) => {
    let bin;
    try {
      bin = nxBin();
    } catch (err) {
      console.error(`cannot find nx (${err.message}); run \`npm ci\`.`);
      resolve(1);
      return;
    }
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: repoRoot,
      stdio: 'inherit',
    });
    child.on('error', (err) => {
      console.error(`cannot run nx: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

let colorIndex = 0;
/**
 * Spawns a long-running child whose stdout/stderr lines are prefixed with its name.
 * detached: the child gets its own process group, so a terminal Ctrl-C reaches only us and we stop
 * the children once, in order (a second SIGINT from the terminal would cut a graceful shutdown short).
 */
export function spawnPrefixed(name, command, args, { env, width = name.length } = {}) {
  const color = COLORS[colorIndex++ % COLORS.length];
  const label = `[${name}]`.padEnd(width + 2);
  const prefix = useColor ? `\x1b[${color}m${label}\x1b[0m ` : `${label} `;
  const child = spawn(command, args, { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.label = name;
  for (const [stream, out] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ]) {
    readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => out.write(`${prefix}${line}\n`));
  }
  return child;
}

export function isRunning(child) {
  // No pid: the spawn itself failed (ENOENT), and no 'exit' will ever come.
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

/** SIGTERM, then SIGKILL after timeoutMs; resolves once the child has exited. */
export function stopChild(child, timeoutMs = 10_000) {
  if (!child || !isRunning(child)) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      console.error(`[stack] ${child.label} did not stop within ${timeoutMs / 1000} s; killing it`);
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Resolves true if something accepts TCP connections on host:port within timeoutMs. */
export function portAnswers(port, host = '127.0.0.1', timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (answered) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls check() until it resolves truthy; gives up after timeoutMs or when abort() returns a reason. */
export async function waitFor(check, { timeoutMs, intervalMs = 250, abort = () => null }) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const reason = abort();
    if (reason) throw new Error(reason);
    if (await check()) return;
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s`);
}

/** GET url → true on 200 (short timeout: a hanging service must not stall the poll loop). */
export async function httpOk(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}
