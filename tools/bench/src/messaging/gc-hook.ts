/**
 * Preloaded (`NODE_OPTIONS=--expose-gc --require=gc-hook.cjs`) into the instance that scenario C measures: on
 * SIGWINCH it runs a full garbage collection, so that the RSS read next holds the sockets, not the garbage their
 * handshakes left (Parley's handshake makes HTTP calls, the baseline's none: without it the comparison would be
 * of the two collectors' timing). SIGWINCH because Nest's shutdown hooks take SIGUSR2, and a process without the
 * hook ignores it. With BENCH_HEAP_SNAPSHOT_DIR set it also writes a heap snapshot (`--heap-snapshot`; read it with
 * tools/bench/heap-top.mjs). With BENCH_MEMORY_DIAG_DIR set (a diagnostic, not part of the reported figures) it
 * also appends, per reading, where the RSS is: smaps_rollup, V8's heap spaces, and the TCP sockets it holds.
 * With BENCH_ALLOC_PROFILE_DIR set (a diagnostic) it samples every allocation between the first reading and the
 * next, collected or not (the inspector's sampling heap profiler), and writes the profile at the second reading:
 * what the sockets' connect and join allocated, by function (tools/bench/alloc-top.mjs).
 * With BENCH_GC_FLAVOR=last-resort (a diagnostic) every reading follows V8's memory-reducing collection instead,
 * the one V8 runs before it gives up on an allocation: it compacts the old generation and shrinks the young one, so
 * the reading holds what the sockets keep, without the high-water mark the connect storm left (which a plain full
 * GC keeps, and so does an idle process: V8's memory reducer does not give it back to the OS).
 */
import { appendFileSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics, writeHeapSnapshot } from 'node:v8';

/** Collections since the last reading (diagnostic): scavenges while idle mean the process still allocates. */
const collections = { minor: 0, major: 0, other: 0 };
if (process.env['BENCH_MEMORY_DIAG_DIR']) {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) collections.minor++;
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) collections.major++;
      else collections.other++;
    }
  }).observe({ entryTypes: ['gc'] });
}

process.on('SIGWINCH', () => {
  const gc = (globalThis as { gc?: (options?: object) => void }).gc;
  if (process.env['BENCH_GC_FLAVOR'] === 'last-resort') gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  else gc?.();
  // Read by the orchestrator from this process's output: the JS heap after the collection.
  console.error(`BENCH_MEMORY ${JSON.stringify(process.memoryUsage())}`);
  const dir = process.env['BENCH_HEAP_SNAPSHOT_DIR'];
  if (dir) writeHeapSnapshot(join(dir, `${process.pid}-${Date.now()}.heapsnapshot`));
  const allocDir = process.env['BENCH_ALLOC_PROFILE_DIR'];
  if (allocDir) sampleAllocations(allocDir);
  const diag = process.env['BENCH_MEMORY_DIAG_DIR'];
  if (!diag) return;
  appendFileSync(join(diag, `${process.pid}.jsonl`), `${JSON.stringify(memoryDiagnostic())}\n`);
  writeFileSync(join(diag, `${process.pid}-${Date.now()}.smaps`), readFileSync('/proc/self/smaps'));
});

let sampling: Session | undefined;

/** Starts sampling at the first call; at the second, writes what was allocated since and stops. */
function sampleAllocations(dir: string): void {
  if (!sampling) {
    sampling = new Session();
    sampling.connect();
    sampling.post('HeapProfiler.startSampling', { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true });
    return;
  }
  sampling.post('HeapProfiler.stopSampling', (err, result) => {
    if (!err) writeFileSync(join(dir, `${process.pid}-${Date.now()}.heapprofile`), JSON.stringify(result.profile));
  });
}

function takeCollections(): typeof collections {
  const taken = { ...collections };
  collections.minor = collections.major = collections.other = 0;
  return taken;
}

/** Where the process's memory is, from the kernel's and V8's point of view. */
function memoryDiagnostic(): Record<string, unknown> {
  const rollup = Object.fromEntries(readFileSync('/proc/self/smaps_rollup', 'utf8').split('\n').slice(1)
    .map((l) => l.match(/^(\w+):\s+(\d+) kB/)).filter((m) => m !== null).map((m) => [m[1], Number(m[2])]));
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name,
    { sizeKiB: s.space_size >> 10, usedKiB: s.space_used_size >> 10, physicalKiB: s.physical_space_size >> 10 }]));
  const inodes = new Set(readdirSync('/proc/self/fd').map((fd) => {
    try { return readlinkSync(`/proc/self/fd/${fd}`).match(/^socket:\[(\d+)\]$/)?.[1]; } catch { return undefined; }
  }).filter(Boolean));
  // Our TCP sockets, by peer port for outbound ones (auth, rooms, Redis, DynamoDB); state 01 is ESTABLISHED.
  const byRemotePort: Record<string, number> = {};
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || !inodes.has(f[9])) continue;
      const local = parseInt(f[1].split(':')[1], 16);
      const remote = parseInt(f[2].split(':')[1], 16);
      const key = `${String(local) === process.env['PORT'] ? 'inbound' : `to :${remote}`} state ${f[3]}`;
      byRemotePort[key] = (byRemotePort[key] ?? 0) + 1;
    }
  }
  const h = getHeapStatistics();
  return { at: new Date().toISOString(), memoryUsage: process.memoryUsage(), smapsRollupKiB: rollup, spaces,
    heap: { totalPhysicalKiB: h.total_physical_size >> 10, mallocedKiB: h.malloced_memory >> 10,
      peakMallocedKiB: h.peak_malloced_memory >> 10, externalKiB: h.external_memory >> 10 },
    fds: readdirSync('/proc/self/fd').length, tcp: byRemotePort, collectionsSinceLastReading: takeCollections() };
}
