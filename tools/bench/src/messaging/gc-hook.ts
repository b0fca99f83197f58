/**
 * Preloaded (`NODE_OPTIONS=--expose-gc --require=gc-hook.cjs`) into the instance that scenario C measures: on
 * SIGWINCH it runs a full garbage collection, so that the RSS read next holds the sockets, not the garbage their
 * handshakes left (Parley's handshake makes HTTP calls, the baseline's none: without it the comparison would be
 * of the two collectors' timing). SIGWINCH because Nest's shutdown hooks take SIGUSR2, and a process without the
 * hook ignores it. With BENCH_HEAP_SNAPSHOT_DIR set it also writes a heap snapshot (`--heap-snapshot`; read it with
 * tools/bench/heap-top.mjs).
 */
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';

process.on('SIGWINCH', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  // Read by the orchestrator from this process's output: the JS heap after the collection.
  console.error(`BENCH_MEMORY ${JSON.stringify(process.memoryUsage())}`);
  const dir = process.env['BENCH_HEAP_SNAPSHOT_DIR'];
  if (dir) writeHeapSnapshot(join(dir, `${process.pid}-${Date.now()}.heapsnapshot`));
});
