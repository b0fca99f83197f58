#!/usr/bin/env node
// `npx nx run bench:bench` — the crypto benchmark in Node and in headless Chromium, in one run.
// The same TypeScript (src/crypto-bench.ts) is bundled twice with esbuild; results are printed as a Markdown table
// and written to dist/bench/crypto.json. Options: --mib=N (file size, default 100), --only=node|chromium.
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir, cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const entry = join(here, 'src/crypto-bench.ts');
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const mib = Number(args.mib ?? 100);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const common = { entryPoints: [entry], bundle: true, write: false, tsconfig: join(root, 'tsconfig.base.json'), logLevel: 'silent' };

async function inNode() {
  const out = await build({ ...common, platform: 'node', format: 'esm', target: 'node24' });
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const file = join(dir, 'bench.mjs');
  writeFileSync(file, out.outputFiles[0].text);
  try {
    const { runCryptoBench } = await import(pathToFileURL(file).href);
    const cpuTime = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    return await runCryptoBench({ platform: `Node ${process.versions.node}`, mib, cpuTime, log: (s) => console.error(`[node] ${s}`) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function inChromium() {
  const out = await build({ ...common, platform: 'browser', format: 'iife', globalName: 'parleyBench', target: 'chrome120' });
  const script = out.outputFiles[0].text;
  const server = createServer((req, res) => {
    if (req.url === '/bench.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(script);
    } else {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script src="/bench.js"></script>');
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => console.error(`[chromium] ${m.text()}`));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    const version = browser.version();
    return await page.evaluate(
      ([m, v]) => globalThis.parleyBench.runCryptoBench({ platform: `Chromium ${v}`, mib: m, log: (s) => console.log(s) }),
      [mib, version],
    );
  } finally {
    await browser.close();
    server.close();
  }
}

function table(results) {
  const rows = [
    ['1 KiB message: encrypt + sign (ops/s)', (r) => r.message1KiB.encryptSignOpsPerSec],
    ['1 KiB message: verify + decrypt (ops/s)', (r) => r.message1KiB.verifyDecryptOpsPerSec],
    ['epoch rotation, 100-device roster: seal + sign (ms)', (r) => r.rotation100Devices.sealMs],
    ['epoch key: verify + open one wrap (ms)', (r) => r.rotation100Devices.openOneMs],
    [`raw AES-256-GCM, one call over ${mib} MiB (MB/s)`, (r) => r.file100MiB.rawAesGcmOneShotMBps],
    [`raw AES-256-GCM, 16 KiB calls one after another (MB/s)`, (r) => r.file100MiB.rawAesGcm16KiBSequentialMBps],
    [`Cobblestone-256 encrypt, ${mib} MiB stream (MB/s)`, (r) => r.file100MiB.cobblestoneEncryptMBps],
    ['… as a share of raw one-call AES-GCM, median of pairs (target ≥ 70 %)', (r) => `${Math.round(r.file100MiB.encryptVsRaw * 100)} %`],
    ['… best run against best run', (r) => `${Math.round(r.file100MiB.encryptVsRawBest * 100)} %`],
    [`Cobblestone-256 encrypt + ciphertext SHA-256 (MB/s)`, (r) => r.file100MiB.cobblestoneEncryptWithHashMBps],
    [`Cobblestone-256 decrypt, ${mib} MiB stream (MB/s)`, (r) => r.file100MiB.cobblestoneDecryptMBps],
    ['CPU time for one pass, raw → Cobblestone (ms, all threads)', (r) => (r.file100MiB.cpuMs ? `${r.file100MiB.cpuMs.raw} → ${r.file100MiB.cpuMs.cobblestone}` : 'n/a')],
    ['Argon2id m=64 MiB, t=3, p=4 (ms)', (r) => r.argon2id.ms],
  ];
  const head = `| | ${results.map((r) => r.platform).join(' | ')} |\n|---|${results.map(() => '---:').join('|')}|`;
  return [head, ...rows.map(([name, f]) => `| ${name} | ${results.map((r) => f(r)).join(' | ')} |`)].join('\n');
}

const loadBefore = loadavg()[0];
const results = [];
if (args.only !== 'chromium') results.push(await inNode());
if (args.only !== 'node') results.push(await inChromium());
const load = [loadBefore, loadavg()[0]].map((l) => l.toFixed(1)).join(' → ');
const report = { date: new Date().toISOString(), cpus: cpus().length, cpu: cpus()[0]?.model, load, results };
mkdirSync(join(root, 'dist/bench'), { recursive: true });
writeFileSync(join(root, 'dist/bench/crypto.json'), JSON.stringify(report, null, 2));
console.log(`\n${report.cpus} × ${report.cpu}, load average ${load}\n\n${table(results)}\n`);
