/**
 * Preloaded (`NODE_OPTIONS=--require=loop-hook.cjs`) into every instance of both systems at A and B: how late the
 * event loop runs. A delivery can leave an instance no sooner than its loop gets to it, so this tells a busy loop
 * from a slow peer. Besides the percentiles of the delay samples (`monitorEventLoopDelay`, 1 ms resolution), which
 * undercount stalls (a 50 ms stall is one sample among the fifty an idle 50 ms gives), it reports the share of the
 * window's time the loop spent inside stalls of at least 5 and 20 ms: the chance that a message arriving at a
 * random moment waits behind one. On SIGURG it prints the figures since the last SIGURG (`BENCH_LOOP {…}`, with
 * `at`, the wall-clock time it answered, so that a reader can tell this answer from an older one) and starts over. SIGURG because its default is to be ignored (a process without the hook is not harmed). Its 1 ms
 * timer costs each instance a little CPU, the same in both systems.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

const TICK_MS = 1;
const delay = monitorEventLoopDelay({ resolution: TICK_MS });
delay.enable();
const round = (x: number) => Math.round(x * 100) / 100;
let windowStart = performance.now();
let last = windowStart;
const stalledMs = { over5: 0, over20: 0 };
setInterval(() => {
  const now = performance.now();
  const stall = now - last - TICK_MS;
  last = now;
  if (stall >= 5) stalledMs.over5 += stall;
  if (stall >= 20) stalledMs.over20 += stall;
}, TICK_MS).unref();

process.on('SIGURG', () => {
  const now = performance.now();
  const wall = now - windowStart;
  console.error(`BENCH_LOOP ${JSON.stringify({ at: Date.now(), p50: round(delay.percentile(50) / 1e6), p99: round(delay.percentile(99) / 1e6),
    max: round(delay.max / 1e6), mean: round(delay.mean / 1e6),
    stalled5: round((100 * stalledMs.over5) / wall), stalled20: round((100 * stalledMs.over20) / wall) })}`);
  delay.reset();
  windowStart = now;
  stalledMs.over5 = 0;
  stalledMs.over20 = 0;
});
