#!/usr/bin/env node
// What a V8 heap snapshot holds, by constructor (self size), or what grew between two snapshots.
// Usage: node tools/bench/heap-top.mjs after.heapsnapshot [before.heapsnapshot] [--top=30]
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const top = Number(process.argv.find((a) => a.startsWith('--top='))?.slice(6) ?? 30);
if (files.length === 0) throw new Error('usage: node tools/bench/heap-top.mjs after.heapsnapshot [before.heapsnapshot]');

function summary(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [t, n, s] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const out = new Map();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + t]];
    const name = snap.strings[snap.nodes[i + n]];
    const key = type === 'object' || type === 'closure' ? `${name}${type === 'closure' ? ' (closure)' : ''}` : `(${type})`;
    const entry = out.get(key) ?? { size: 0, count: 0 };
    entry.size += snap.nodes[i + s];
    entry.count++;
    out.set(key, entry);
  }
  return out;
}

const after = summary(files[0]);
const before = files[1] ? summary(files[1]) : new Map();
const rows = [...after].map(([k, v]) => [k, v.size - (before.get(k)?.size ?? 0), v.count - (before.get(k)?.count ?? 0)]);
const total = rows.reduce((a, [, d]) => a + d, 0);
console.log(`${files[1] ? 'growth' : 'total'}: ${(total / 1048576).toFixed(1)} MiB\n`);
for (const [k, d, c] of rows.sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${(d / 1024).toFixed(0).padStart(9)} KiB  ${String(c).padStart(8)} objects  ${k.slice(0, 100)}`);
}
