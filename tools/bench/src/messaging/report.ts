import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TimelineSecond, WindowResult } from './stats';

export interface ScenarioWindow extends Omit<WindowResult, 'cpuMs' | 'wallMs'> {
  rate: number;
  seconds: number;
  lost: number;
  generatorCpu: number[];
  /** Recipients' latency by the second of the window the messages were sent in. */
  timeline: TimelineSecond[];
  /** Process name → % of one core over the window (send + drain). */
  cpuPercent: Record<string, number>;
  /** Process name → CPU ms over the window. */
  cpuMsByProcess: Record<string, number>;
  /** Process name → % of the window its main thread was runnable but waiting for a CPU. */
  runQueuePercent?: Record<string, number>;
  /** Instance name → how late its event loop ran over the window (loop-hook.ts). */
  loopDelayMs?: Record<string, LoopDelay>;
  cpuMs?: number;
  wallMs?: number;
}
/** Event-loop delay of one instance over a window, ms. */
export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
  mean: number;
  /** % of the window's time spent inside stalls of at least 5 / 20 ms. */
  stalled5: number;
  stalled20: number;
}
export type RampStep = ScenarioWindow & { passed: boolean };
export interface IdleResult {
  sockets: number;
  rssBeforeKiB: number;
  rssAfterKiB: number;
  perSocketKiB: number;
  /** JS heap used (after a full GC) per socket: what the RSS figure holds without the heap's spare capacity. */
  heapPerSocketKiB: number;
  connectSeconds: number;
}
export interface SystemReport {
  system: 'baseline' | 'parley';
  setupSeconds?: number;
  A?: ScenarioWindow;
  B?: { steps: RampStep[] };
  C?: IdleResult;
  /** Scenario → what broke it. */
  errors?: Record<string, string>;
}
export interface BenchReport {
  date: string;
  cpus: number;
  cpu: string;
  node: string;
  load: { before: number[]; after: number[] };
  seconds: number;
  options: Record<string, unknown>;
  systems: SystemReport[];
}

const fmt = (x: number | undefined, digits = 1) =>
  x === undefined || !Number.isFinite(x) ? '–' : x.toLocaleString('en-US', { maximumFractionDigits: digits }).replace(/,/g, ' ');
const ratio = (p: number | undefined, b: number | undefined) =>
  p === undefined || b === undefined || !Number.isFinite(p) || !Number.isFinite(b) || b === 0 ? '–' : `${(p / b).toFixed(2)}×`;
/** The highest passing step of a ramp, and the first failing one. */
export function sustained(b: SystemReport['B']): { best?: RampStep; failed?: RampStep } {
  const steps = b?.steps ?? [];
  return { best: [...steps].reverse().find((s) => s.passed), failed: steps.find((s) => !s.passed) };
}
const errors = (w?: ScenarioWindow) => (w ? Object.values(w.ackErrors).reduce((n, v) => n + v, 0) : undefined);
const cpuSum = (w: ScenarioWindow | undefined, match: (name: string) => boolean) =>
  w ? Object.entries(w.cpuPercent).filter(([n]) => match(n)).reduce((n, [, v]) => n + v, 0) : undefined;

/** CPU ms of the matching processes per message sent: a cost that a busy machine distorts far less than latency. */
const perMessage = (w: ScenarioWindow | undefined, match: (name: string) => boolean) =>
  w?.cpuMsByProcess ? Object.entries(w.cpuMsByProcess).filter(([n]) => match(n)).reduce((n, [, v]) => n + v, 0) / w.sent : undefined;

type Row = [string, number | undefined, number | undefined, string?, boolean?];

/** The Markdown table: Parley against the baseline, ratio, target and whether it is met. */
export function table(report: BenchReport): string {
  const base = report.systems.find((s) => s.system === 'baseline');
  const parley = report.systems.find((s) => s.system === 'parley');
  const rows: Row[] = [];
  const a = (f: (w: ScenarioWindow) => number | undefined) => [base?.A && f(base.A), parley?.A && f(parley.A)] as const;
  if (base?.A || parley?.A) {
    const w = (base?.A ?? parley?.A) as ScenarioWindow;
    rows.push([`**A** — ${fmt(w.rate)} msgs/s for ${w.seconds} s (${fmt(w.sent)} sends)`, undefined, undefined]);
    rows.push(['recipients p50 (ms)', ...a((x) => x.recipients.p50)]);
    rows.push(['recipients p95 (ms)', ...a((x) => x.recipients.p95)]);
    const [bp99, pp99] = a((x) => x.recipients.p99);
    rows.push(['recipients p99 (ms)', bp99, pp99, '≤ 2× baseline',
      pp99 !== undefined && bp99 !== undefined ? pp99 <= 2 * bp99 : undefined]);
    rows.push(['recipients max (ms)', ...a((x) => x.recipients.max)]);
    rows.push(['sender ack p50 (ms)', ...a((x) => x.ack.p50)]);
    const [, ackP99] = a((x) => x.ack.p99);
    rows.push(['sender ack p99 (ms)', ...a((x) => x.ack.p99), '≤ 20 ms', ackP99 !== undefined ? ackP99 <= 20 : undefined]);
    rows.push(['deliveries/s', ...a((x) => x.delivered / x.sendSeconds)]);
    const loop = (w: ScenarioWindow, pick: (d: LoopDelay) => number) =>
      w.loopDelayMs && Object.keys(w.loopDelayMs).length > 0 ? Math.max(...Object.values(w.loopDelayMs).map(pick)) : undefined;
    rows.push(["instances' event-loop delay p99, the worse one (ms)", ...a((x) => loop(x, (d) => d.p99))]);
    rows.push(["instances' event-loop delay max, the worse one (ms)", ...a((x) => loop(x, (d) => d.max))]);
    rows.push(["instances' time in loop stalls ≥ 5 ms, the worse one (%)", ...a((x) => loop(x, (d) => d.stalled5))]);
    rows.push(["instances' time in loop stalls ≥ 20 ms, the worse one (%)", ...a((x) => loop(x, (d) => d.stalled20))]);
    const queued = (w: ScenarioWindow, match: (name: string) => boolean) => w.runQueuePercent
      ? Math.max(...Object.entries(w.runQueuePercent).filter(([n]) => match(n)).map(([, v]) => v)) : undefined;
    rows.push(['instances waiting for a CPU, the worse one (% of the window)', ...a((x) => queued(x, (n) => /^gw\d$/.test(n)))]);
    rows.push(['load generators waiting for a CPU, the worse one (% of the window)', ...a((x) => queued(x, (n) => n.startsWith('generator')))]);
    rows.push(['Redis waiting for a CPU (% of the window)', ...a((x) => x.runQueuePercent?.['redis'])]);
    const [, lost] = a((x) => x.lost + (errors(x) ?? 0) + x.duplicates);
    rows.push(['lost deliveries', ...a((x) => x.lost), 'zero loss (no lost delivery, failed send or duplicate)', lost !== undefined ? lost === 0 : undefined]);
    rows.push(['failed sends (error or no ack)', ...a((x) => errors(x))]);
    rows.push(['duplicate deliveries', ...a((x) => x.duplicates)]);
    for (const name of ['gw1', 'gw2', 'redis', 'dynamodb', 'auth', 'rooms']) {
      rows.push([`CPU ${name === 'gw1' || name === 'gw2' ? `instance ${name.slice(2)}` : name} (% of a core)`, ...a((x) => x.cpuPercent[name])]);
    }
    rows.push(['CPU all server processes (% of a core)', ...a((x) => cpuSum(x, (n) => !n.startsWith('generator')))]);
    rows.push(['server CPU per message sent: instances (ms)', ...a((x) => perMessage(x, (n) => /^gw\d$/.test(n)))]);
    rows.push(['server CPU per message sent: all server processes (ms)', ...a((x) => perMessage(x, (n) => !n.startsWith('generator')))]);
    rows.push(['CPU load generators (% of a core each)', undefined, undefined,
      `${base?.A?.generatorCpu.join(' + ') ?? '–'} / ${parley?.A?.generatorCpu.join(' + ') ?? '–'}`]);
  }
  if (base?.B || parley?.B) {
    const b = sustained(base?.B);
    const p = sustained(parley?.B);
    rows.push([`**B** — ramp, ${report.options['step']} s a step, ×${report.options['rampFactor']}`, undefined, undefined]);
    rows.push(['highest send rate with recipients p99 < 50 ms (msgs/s)', b.best?.rate, p.best?.rate, '≥ 40 % of baseline',
      b.best && p.best ? p.best.rate >= 0.4 * b.best.rate : undefined]);
    rows.push(['… deliveries/s at that rate', b.best && b.best.delivered / b.best.sendSeconds, p.best && p.best.delivered / p.best.sendSeconds]);
    rows.push(['… recipients p99 at that rate (ms)', b.best?.recipients.p99, p.best?.recipients.p99,
      `p50 ${fmt(b.best?.recipients.p50)} / ${fmt(p.best?.recipients.p50)} ms`]);
    rows.push(['… sender ack p99 at that rate (ms)', b.best?.ack.p99, p.best?.ack.p99]);
    rows.push(['… CPU all server processes (% of a core)', cpuSum(b.best, (n) => !n.startsWith('generator')),
      cpuSum(p.best, (n) => !n.startsWith('generator'))]);
    rows.push(['… server CPU per message sent, all server processes (ms)', perMessage(b.best, (n) => !n.startsWith('generator')),
      perMessage(p.best, (n) => !n.startsWith('generator'))]);
    rows.push(['… CPU load generators (% of a core each)', undefined, undefined,
      `${b.best?.generatorCpu.join(' + ') ?? '–'} / ${p.best?.generatorCpu.join(' + ') ?? '–'}`]);
    rows.push(['first failing step (msgs/s)', b.failed?.rate, p.failed?.rate,
      [b.failed, p.failed].map((f) => (f ? `p99 ${fmt(f.recipients.p99)} ms, lost ${f.lost}` : '–')).join(' / ')]);
  }
  if (base?.C || parley?.C) {
    rows.push([`**C** — ${fmt(base?.C?.sockets ?? parley?.C?.sockets)} idle sockets on one fresh instance`, undefined, undefined]);
    rows.push(['RSS before (MiB)', base?.C && base.C.rssBeforeKiB / 1024, parley?.C && parley.C.rssBeforeKiB / 1024]);
    rows.push(['RSS with the sockets (MiB)', base?.C && base.C.rssAfterKiB / 1024, parley?.C && parley.C.rssAfterKiB / 1024]);
    rows.push(['memory per socket: RSS, after a full GC (KiB)', base?.C?.perSocketKiB, parley?.C?.perSocketKiB, '≤ 1.5× baseline',
      base?.C && parley?.C ? parley.C.perSocketKiB <= 1.5 * base.C.perSocketKiB : undefined]);
    rows.push(['… of which JS heap, after a full GC (KiB)', base?.C?.heapPerSocketKiB, parley?.C?.heapPerSocketKiB]);
    rows.push(['time to connect and join the sockets (s)', base?.C?.connectSeconds, parley?.C?.connectSeconds]);
  }
  const head = '| | baseline | Parley | Parley ÷ baseline | target / note | met |\n|---|---:|---:|---:|---|:-:|';
  const broken = report.systems.flatMap((s) => Object.entries(s.errors ?? {}).map(([k, v]) => `\n- ${s.system} ${k} failed: ${v}`));
  return [head, ...rows.map(([name, b, p, note, met]) => b === undefined && p === undefined && !note
    ? `| ${name} | | | | | |`
    : `| ${name} | ${fmt(b)} | ${fmt(p)} | ${ratio(p, b)} | ${note ?? ''} | ${met === undefined ? '' : met ? 'yes' : '**no**'} |`)].join('\n') +
    broken.join('');
}

/** Writes the JSON report and returns the text to print. */
export function writeReport(report: BenchReport, file: string): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(report, null, 2));
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');
  return `\n${report.cpus} × ${report.cpu}, Node ${report.node}; load average (1/5/15 min) ${load(report.load.before)} → ` +
    `${load(report.load.after)}; ${Math.round(report.seconds)} s\n\n${table(report)}\n\nwritten to ${file}\n`;
}
