#!/usr/bin/env node
// What a sampling heap profile (gc-hook.ts, BENCH_ALLOC_PROFILE_DIR) allocated: bytes by package and by function
// (self), and the share of the total under each function (inclusive).
// Usage: node tools/bench/alloc-top.mjs <file.heapprofile> [--top=25] [--per=<n>: also print bytes per unit, e.g. per socket]
import { readFileSync } from 'node:fs';

const [file, ...rest] = process.argv.slice(2);
if (!file) throw new Error('usage: node tools/bench/alloc-top.mjs <file.heapprofile> [--top=25] [--per=5000]');
const top = Number(rest.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
const per = Number(rest.find((a) => a.startsWith('--per='))?.slice(6) ?? 0);
const profile = JSON.parse(readFileSync(file, 'utf8'));

const origin = (url) => {
  if (!url) return '(native)';
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  return url.includes('dist/apps') ? 'app bundle (ours)' : url;
};
const name = (f) => `${f.functionName || '(anonymous)'}  ${origin(f.url)}:${f.lineNumber + 1}`;

const byOrigin = new Map();
const bySelf = new Map();
const inclusive = new Map();
let total = 0;
(function walk(node, stack) {
  const key = name(node.callFrame);
  const own = node.selfSize;
  total += own;
  byOrigin.set(origin(node.callFrame.url), (byOrigin.get(origin(node.callFrame.url)) ?? 0) + own);
  bySelf.set(key, (bySelf.get(key) ?? 0) + own);
  const seen = new Set([...stack, key]);
  node.inclusive = own;
  for (const child of node.children ?? []) {
    walk(child, seen);
    node.inclusive += child.inclusive;
  }
  if (!stack.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + node.inclusive);
})(profile.head, new Set());

const mb = (b) => `${(b / 1048576).toFixed(1)} MiB`.padStart(11) + (per ? `  ${(b / per / 1024).toFixed(1).padStart(7)} KiB/unit` : '');
const print = (title, map) => {
  console.log(`\n${title}:`);
  for (const [k, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(100 * v / total).toFixed(1).padStart(5)} %  ${mb(v)}  ${k}`);
  }
};
console.log(`allocated (sampled) ${mb(total)}`);
print('by package / origin (self)', byOrigin);
print('by function (self)', bySelf);
print('by function (inclusive)', inclusive);
