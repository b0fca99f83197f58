#!/usr/bin/env node
// Where the time goes in a V8 CPU profile (node --cpu-prof): self time by function and by package.
// Usage: node tools/bench/profile-top.mjs dist/bench/profiles/CPU.….cpuprofile [--top=25] [--last=<seconds>]
// --last keeps only the profile's final seconds (the timed window before the instance stopped, without start-up).
import { readFileSync } from 'node:fs';

const [file, ...rest] = process.argv.slice(2);
if (!file) throw new Error('usage: node tools/bench/profile-top.mjs <file.cpuprofile> [--top=25]');
const top = Number(rest.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
const last = Number(rest.find((a) => a.startsWith('--last='))?.slice(7) ?? Infinity);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const from = (profile.endTime - last * 1e6);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
// timeDeltas[i] is the time before samples[i]; each sample's node gets the delta that follows it.
let at = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  at += profile.timeDeltas[i];
  if (at < from) continue;
  const id = profile.samples[i];
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const idle = [...self].filter(([id]) => ['(idle)', '(program)'].includes(byId.get(id).callFrame.functionName))
  .reduce((a, [, t]) => a + t, 0);
function where(frame) {
  const url = frame.url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.startsWith('node:') || !url) return url || frame.functionName;
  return url.includes('/dist/apps/') ? 'app bundle (ours)' : url;
}
const fn = new Map();
const pkgs = new Map();
for (const [id, t] of self) {
  const frame = byId.get(id).callFrame;
  const key = `${frame.functionName || '(anonymous)'}  ${where(frame)}:${frame.lineNumber + 1}`;
  fn.set(key, (fn.get(key) ?? 0) + t);
  pkgs.set(where(frame), (pkgs.get(where(frame)) ?? 0) + t);
}
const pct = (t) => `${((t / (total - idle)) * 100).toFixed(1)} %`.padStart(7);
console.log(`busy ${((total - idle) / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms sampled\n\nby package / origin:`);
for (const [k, t] of [...pkgs].filter(([k]) => !['(idle)', '(program)'].includes(k)).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);
console.log('\nby function (self time):');
for (const [k, t] of [...fn].filter(([k]) => !/^\((idle|program)\)/.test(k)).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);
