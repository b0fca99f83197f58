// `npm start`: the one-process mode (DESIGN.md §1). Builds the web app and apps/server, then runs the
// server, which serves the API, socket.io and the Angular build on one port and prints its URL.
// Needs nothing but Node: dynalite and the in-memory bus live inside the server process.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, runNx, stopChild } from './lib/processes.mjs';

const main = path.join(repoRoot, 'dist/apps/server/main.js');

console.log('[start] building web and server (cached after the first run)…');
const code = await runNx(['run-many', '-t', 'build', '-p', 'web', 'server', '--outputStyle=static']);
if (code !== 0) {
  console.error(`\n[start] the build failed (nx exit code ${code}); see the output above. Nothing was started.`);
  process.exit(code);
}
if (!existsSync(main)) {
  console.error(`[start] the build succeeded but ${path.relative(repoRoot, main)} is missing; check apps/server's build target.`);
  process.exit(1);
}

// Absolute paths, so the server does not depend on the directory it was started from.
const dataDir = path.resolve(repoRoot, process.env.DATA_DIR ?? '.data');
mkdirSync(dataDir, { recursive: true });
const env = {
  ...process.env,
  PORT: process.env.PORT ?? '8080',
  DATA_DIR: dataDir,
  WEB_DIST: path.resolve(repoRoot, process.env.WEB_DIST ?? 'dist/apps/web/browser'),
};

// Own process group (see spawnPrefixed): Ctrl-C reaches the server once, through us, so its
// shutdown hooks can finish instead of being cut short by a second SIGINT.
const server = spawn(process.execPath, [main], { cwd: repoRoot, env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
server.label = 'server';
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (stopping) {
      server.kill('SIGKILL'); // second Ctrl-C: the user does not want to wait
      return;
    }
    stopping = true;
    void stopChild(server, 15_000);
  });
}
// If we die some other way, do not leave an orphan holding the port.
process.on('exit', () => {
  if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
});
server.on('error', (err) => {
  console.error(`[start] cannot run the server: ${err.message}`);
  process.exit(1);
});
server.on('exit', (exitCode, signal) => {
  if (stopping) process.exit(0);
  console.error(`[start] the server exited (${signal ?? `code ${exitCode}`})`);
  process.exit(exitCode ?? 1);
});

