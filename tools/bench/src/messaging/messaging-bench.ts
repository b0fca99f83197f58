/**
 * `npx nx run bench:messaging` — Parley's gateway against bare socket.io + redis-adapter (issue 6), in one run.
 * See docs/PERFORMANCE.md ("Messaging") for the method. Options (all `--name=value`):
 *   --clients=1000 --room-size=10 --rate=200 --duration=30 --scenarios=A,B,C --idle=5000 --generators=2
 *   --step=5 (seconds per ramp step) --ramp-start=250 --ramp-factor=1.25 --ramp-max=8000
 *   --systems=baseline,parley --profile (gateways run with --cpu-prof into dist/bench/profiles)
 *   --heap-snapshot (C's instance writes a heap snapshot before and after the sockets, into dist/bench/heap)
 *   --c-node-options=<flags> (Node/V8 flags for C's instance of both systems, e.g. --max-semi-space-size=8)
 * Diagnostics for C (environment, not in the report): BENCH_MEMORY_DIAG_DIR=<dir> makes C's instance write where
 * its RSS is at each reading (gc-hook.ts); BENCH_MEMORY_DIAG_HOLD_MS=<ms> logs one more reading that much later;
 * BENCH_GC_FLAVOR=last-resort takes every C reading after V8's memory-reducing collection (gc-hook.ts).
 */
import { mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Generator } from './generators';
import { CpuWindow, rssKiBOf } from './proc-stats';
import { type BenchReport, type IdleResult, type LoopDelay, type RampStep, type ScenarioWindow, type SystemReport, writeReport } from './report';
import { mergeWindows } from './stats';
import { startBaseline, startParley, type SystemUnderTest } from './systems';

const buildDir = dirname(process.argv[1]);
const root = resolve(process.env['BENCH_ROOT'] ?? process.cwd());
const args = new Map(process.argv.slice(2).map((a) => {
  const [k, ...v] = a.replace(/^--/, '').split('=');
  return [k, v.length > 0 ? v.join('=') : 'true'] as const;
}));
const num = (name: string, fallback: number) => {
  const value = Number(args.get(name) ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number (got ${args.get(name)})`);
  return value;
};
const clients = num('clients', 1000);
const roomSize = num('room-size', 10);
const options = {
  clients, roomSize,
  rate: num('rate', 200),
  duration: num('duration', 30),
  /** Seconds at A's rate before A is measured, for both systems: the JITs (V8's, DynamoDB Local's JVM) warm up. */
  warmup: Number(args.get('warmup') ?? 10),
  scenarios: new Set((args.get('scenarios') ?? 'A,B,C').toUpperCase().split(',')),
  idle: num('idle', Math.min(5000, clients * 5)),
  generators: num('generators', 2),
  step: num('step', 5),
  rampStart: num('ramp-start', 250),
  rampFactor: num('ramp-factor', 1.25),
  rampMax: num('ramp-max', 8000),
  p99Limit: num('p99-limit', 50),
  systems: (args.get('systems') ?? 'baseline,parley').split(','),
  profile: args.has('profile'),
  heapSnapshot: args.has('heap-snapshot'),
  /** Node/V8 flags for every instance of both systems (A, B and C), e.g. --node-options=--max-semi-space-size=8. */
  nodeOptions: args.get('node-options') ?? '',
  /** Node/V8 flags for C's instance of both systems, e.g. --c-node-options=--max-semi-space-size=8 (a deployment choice). */
  cNodeOptions: args.get('c-node-options') ?? '',
};
if (!(options.warmup >= 0)) throw new Error(`--warmup must be a number of seconds, 0 or more (got ${args.get('warmup')})`);
if (clients % roomSize !== 0) throw new Error('--clients must be a multiple of --room-size');
/** What to stop if the run is interrupted (Ctrl-C, a timeout): no orphan servers, Redis or DynamoDB Local. */
const running = new Set<() => Promise<void> | void>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void Promise.allSettled([...running].map(async (stop) => stop())).then(() => process.exit(130));
  });
}
const log = (s: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}`);

/** Rooms are split whole between generators: every message's sender and recipients share one process. */
function roomShares(): number[] {
  const rooms = clients / roomSize;
  const n = Math.min(options.generators, rooms);
  return Array.from({ length: n }, (_, i) => Math.floor(rooms / n) + (i < rooms % n ? 1 : 0));
}

/**
 * Each instance's event-loop delay since the last call (loop-hook.ts), by instance name. An instance that has not
 * answered within a second is left out rather than reported with an older window's figures.
 */
async function loopDelays(sys: SystemUnderTest): Promise<Record<string, LoopDelay>> {
  const asked = Date.now();
  for (const gateway of sys.gateways) gateway.child.kill('SIGURG');
  const answer = (gateway: SystemUnderTest['gateways'][number]) => gateway.output().split('\n')
    .filter((l) => l.includes('BENCH_LOOP ')).map((l) => JSON.parse(l.slice(l.indexOf('BENCH_LOOP ') + 11)) as LoopDelay & { at: number })
    .find((d) => d.at >= asked);
  for (let waited = 0; waited < 1_000 && sys.gateways.some((g) => !answer(g)); waited += 50) {
    await new Promise((r) => setTimeout(r, 50));
  }
  return Object.fromEntries(sys.gateways.flatMap((gateway) => {
    const found = answer(gateway);
    if (!found) return [];
    const { at: _at, ...delay } = found;
    return [[gateway.name, delay]];
  }));
}

async function timedWindow(sys: SystemUnderTest, gens: Generator[], rate: number, seconds: number, drainMs: number):
  Promise<ScenarioWindow> {
  const total = rate * seconds;
  await Promise.all(gens.map((g) => g.call({ type: 'prepare', perUser: Math.ceil((total * (g.users / clients)) / g.users) + 1 })));
  await loopDelays(sys); // starts the instances' loop-delay window
  const cpu = new CpuWindow({ ...sys.pids(), ...Object.fromEntries(gens.map((g, i) => [`generator${i + 1}`, g.pid])) });
  const replies = await Promise.all(gens.map((g) => g.call({ type: 'run', rate: rate * (g.users / clients), seconds, drainMs })));
  const { percent: cpuPercent, ms: cpuMsByProcess, runQueuePercent } = cpu.end();
  const loopDelayMs = await loopDelays(sys);
  const merged = mergeWindows(replies.map((r) => {
    if (r.type !== 'window') throw new Error('expected a window result');
    return r.result;
  }));
  if (Object.keys(merged.ackErrors).length > 0) {
    log(`${sys.name} at ${rate}/s: failed sends ${JSON.stringify(merged.ackErrors)}; the instances' last words:`);
    for (const gateway of sys.gateways) log(`${gateway.name}:\n${gateway.output().split('\n').slice(-15).join('\n')}`);
  }
  return { rate, seconds, ...merged, lost: merged.expected - merged.delivered, cpuPercent, cpuMsByProcess, runQueuePercent, loopDelayMs };
}

const passes = (w: ScenarioWindow) =>
  w.recipients.p99 < options.p99Limit && w.lost === 0 && Object.keys(w.ackErrors).length === 0;

async function ramp(sys: SystemUnderTest, gens: Generator[]): Promise<RampStep[]> {
  const steps: RampStep[] = [];
  for (let rate = options.rampStart; rate <= options.rampMax; rate = Math.round(rate * options.rampFactor)) {
    let window = await timedWindow(sys, gens, rate, options.step, 2_000);
    if (!passes(window)) {
      // One stall of a busy machine (GC, another process) can sink a short step: a step fails only twice running.
      log(`${sys.name} B ${rate}/s: p99 ${window.recipients.p99} ms, lost ${window.lost}; trying the step once more`);
      await new Promise((r) => setTimeout(r, 2_000));
      window = await timedWindow(sys, gens, rate, options.step, 2_000);
    }
    const ok = passes(window);
    steps.push({ ...window, passed: ok });
    log(`${sys.name} B ${rate}/s: p99 ${window.recipients.p99} ms, lost ${window.lost}, ack errors ${JSON.stringify(window.ackErrors)}` +
      ` → ${ok ? 'pass' : 'FAIL'}`);
    if (!ok) break;
    await new Promise((r) => setTimeout(r, 500)); // let queues empty between steps
  }
  return steps;
}

async function idleMemory(sys: SystemUnderTest, gens: Generator[]): Promise<IdleResult> {
  await Promise.all(gens.map((g) => g.call({ type: 'disconnect' })));
  const snapshots = join(root, 'dist/bench/heap');
  if (options.heapSnapshot) mkdirSync(snapshots, { recursive: true });
  const instance = await sys.addInstance('gw3', {
    NODE_OPTIONS: `--expose-gc --require=${join(buildDir, 'gc-hook.cjs')} ${options.cNodeOptions}`.trim(),
    ...(options.heapSnapshot && { BENCH_HEAP_SNAPSHOT_DIR: snapshots }),
  });
  const settledRss = async () => {
    instance.child.kill('SIGWINCH'); // a full GC (gc-hook.ts), then the reading
    await new Promise((r) => setTimeout(r, options.heapSnapshot ? 20_000 : 1_500));
    const reported = instance.output().split('\n').filter((l) => l.includes('BENCH_MEMORY ')).at(-1);
    const heap = reported ? (JSON.parse(reported.slice(reported.indexOf('BENCH_MEMORY ') + 13)) as NodeJS.MemoryUsage) : undefined;
    return { rss: rssKiBOf(instance.child.pid), heapKiB: heap ? heap.heapUsed / 1024 : NaN };
  };
  // Warm the instance up (code paths compiled, pools filled) before the first reading.
  await gens[0].call({ type: 'idle', gateway: instance.url, sockets: Math.min(100, options.idle) });
  await Promise.all(gens.map((g) => g.call({ type: 'disconnect' })));
  await new Promise((r) => setTimeout(r, 2_000));
  const before = await settledRss();
  const started = Date.now();
  const per = gens.map((_, i) => Math.floor(options.idle / gens.length) + (i < options.idle % gens.length ? 1 : 0));
  await Promise.all(gens.map((g, i) => g.call({ type: 'idle', gateway: instance.url, sockets: per[i] })));
  const connectSeconds = (Date.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 3_000));
  const after = await settledRss();
  // A diagnostic, not part of the report: the same reading again after a longer idle time (V8's memory reducer).
  const hold = Number(process.env['BENCH_MEMORY_DIAG_HOLD_MS'] ?? 0);
  if (hold > 0) {
    await new Promise((r) => setTimeout(r, hold));
    const later = await settledRss();
    log(`C diagnostic: ${hold} ms later RSS ${(later.rss / 1024).toFixed(1)} MiB (${((later.rss - before.rss) / options.idle).toFixed(1)} KiB a socket), heap ${((later.heapKiB - before.heapKiB) / options.idle).toFixed(1)} KiB a socket`);
  }
  await Promise.all(gens.map((g) => g.call({ type: 'disconnect' })));
  return { sockets: options.idle, rssBeforeKiB: before.rss, rssAfterKiB: after.rss,
    perSocketKiB: (after.rss - before.rss) / options.idle, heapPerSocketKiB: (after.heapKiB - before.heapKiB) / options.idle,
    connectSeconds };
}

async function benchSystem(name: string): Promise<SystemReport> {
  log(`starting ${name}`);
  const profileDir = join(root, 'dist/bench/profiles');
  if (options.profile) mkdirSync(profileDir, { recursive: true });
  const nodeOptions = [options.nodeOptions, `--require=${join(buildDir, 'loop-hook.cjs')}`, options.profile && name === 'parley' && `--cpu-prof --cpu-prof-dir=${profileDir}`]
    .filter(Boolean).join(' ');
  const instanceEnv: Record<string, string> = nodeOptions ? { NODE_OPTIONS: nodeOptions } : {};
  const sys = name === 'parley' ? await startParley(instanceEnv) : await startBaseline(buildDir, instanceEnv);
  const gens = roomShares().map((rooms) => new Generator(buildDir, rooms * roomSize));
  const stopAll = async () => {
    for (const g of gens) g.stop();
    await sys.stop();
  };
  running.add(stopAll);
  const report: SystemReport = { system: sys.name };
  try {
    const setupStarted = Date.now();
    await Promise.all(gens.map((g, i) => g.call({ type: 'setup', mode: sys.name, users: g.users, roomSize,
      prefix: `b${Date.now().toString(36)}g${i}u`, endpoints: sys.endpoints })));
    await Promise.all(gens.map((g) => g.call({ type: 'connect', gateways: sys.gateways.map((gw) => gw.url) })));
    report.setupSeconds = (Date.now() - setupStarted) / 1000;
    log(`${name}: ${clients} users in ${clients / roomSize} rooms, connected, in ${report.setupSeconds} s`);
    // A scenario that breaks is reported as such; the others still run.
    const attempt = async (scenario: string, work: () => Promise<void>) => {
      if (!options.scenarios.has(scenario)) return;
      try {
        await work();
      } catch (err) {
        log(`${name} ${scenario} failed: ${(err as Error).message}`);
        (report.errors ??= {})[scenario] = (err as Error).message.split('\n')[0];
      }
    };
    await attempt('A', async () => {
      if (options.warmup > 0) {
        const warm = await timedWindow(sys, gens, options.rate, options.warmup, 2_000);
        log(`${name} warm-up (${options.warmup} s, not measured): recipients p99 ${warm.recipients.p99} ms, lost ${warm.lost}`);
      }
      const { recipientSamples: _r, ackSamples: _a, recipientsBySecond: _s, ...window } = await timedWindow(sys, gens, options.rate, options.duration, 5_000);
      report.A = window;
      log(`${name} A: recipients p50 ${window.recipients.p50} / p99 ${window.recipients.p99} ms, ack p99 ${window.ack.p99} ms, lost ${window.lost}`);
      log(`${name} A: recipients p99 by second sent: ${window.timeline.map((t) => t.p99).join(' ')}`);
    });
    await attempt('B', async () => {
      const steps = await ramp(sys, gens);
      report.B = { steps: steps.map(({ recipientSamples: _r, ackSamples: _a, recipientsBySecond: _s, ...s }) => s) };
    });
    await attempt('C', async () => {
      report.C = await idleMemory(sys, gens);
      log(`${name} C: ${report.C.perSocketKiB.toFixed(1)} KiB per socket`);
    });
  } catch (err) {
    log(`${name} setup failed: ${(err as Error).message}`);
    (report.errors ??= {})['setup'] = (err as Error).message.split('\n')[0];
  } finally {
    running.delete(stopAll);
    await stopAll();
  }
  return report;
}

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const started = Date.now();
  const systems: SystemReport[] = [];
  for (const name of options.systems) systems.push(await benchSystem(name));
  const report: BenchReport = {
    date: new Date().toISOString(), cpus: cpus().length, cpu: cpus()[0]?.model ?? '?', node: process.versions.node,
    load: { before: loadBefore, after: loadavg() }, seconds: (Date.now() - started) / 1000,
    options: { ...options, scenarios: [...options.scenarios] }, systems,
  };
  console.log(writeReport(report, join(root, 'dist/bench/messaging.json')));
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
