#!/usr/bin/env node
// `npx nx run bench:login` — login throughput and latency of one auth instance with the chosen server-side
// argon2id parameters, beside OWASP's minimum and a stronger setting, in one run (needs `nx build auth` first:
// the target depends on it). Options: --seconds=N (per profile, default 20), --concurrency=N (default 8),
// --users=N (default 8). Prints a Markdown table and writes dist/bench/login.json.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const outDir = join(root, 'dist/bench');
mkdirSync(outDir, { recursive: true });
const bundle = join(outDir, 'login-bench.cjs');
await build({
  entryPoints: [join(here, 'src/login/login-bench.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node24',
  packages: 'external', tsconfig: join(root, 'tsconfig.base.json'), outfile: bundle, logLevel: 'warning',
});
const { runLoginBench } = await import(pathToFileURL(bundle).href);

const owaspMinimum = { ARGON2_MEMORY_KIB: '19456', ARGON2_TIME: '2', ARGON2_PARALLELISM: '1' };
const result = await runLoginBench({
  seconds: Number(args.seconds ?? 20),
  concurrency: Number(args.concurrency ?? 8),
  users: Number(args.users ?? 8),
  profiles: [
    { label: 'chosen (the auth defaults)', env: {} },
    { label: 'OWASP minimum', env: owaspMinimum },
    { label: 'RFC 9106 2nd recommendation', env: { ARGON2_MEMORY_KIB: '65536', ARGON2_TIME: '3', ARGON2_PARALLELISM: '4' } },
  ],
  log: (line) => console.error(`[login] ${line}`),
});

const [chosen, minimum] = result.figures;
const rows = result.figures.map((f) => `| ${f.label} | ${f.params} | ${f.loginsPerSecond.toFixed(1)} | ${f.p50Ms.toFixed(0)} | ` +
  `${f.p99Ms.toFixed(0)} | ${f.loginsPerVcpuSecond.toFixed(1)} | ${(f.loginsPerVcpuSecond / minimum.loginsPerVcpuSecond).toFixed(2)} | ` +
  `${f.failures} |`);
console.log(`\n${result.machine}\n`);
console.log('| server-side argon2id | parameters | logins/s | p50 (ms) | p99 (ms) | logins/s per vCPU | × OWASP min | failed |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|');
console.log(rows.join('\n'));
console.log(`\ngenerator CPU: ${result.figures.map((f) => `${f.generatorCpuSeconds.toFixed(1)} s`).join(', ')}; ` +
  `chosen/minimum throughput ratio ${(chosen.loginsPerSecond / minimum.loginsPerSecond).toFixed(2)}`);
writeFileSync(join(outDir, 'login.json'), JSON.stringify(result, null, 2));
