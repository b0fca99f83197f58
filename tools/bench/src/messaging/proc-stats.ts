import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ): 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat; NaN if it is gone. */
export function cpuMsOf(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/**
 * How long a process's main thread has waited, runnable, for a CPU so far (ms; /proc/<pid>/task/<pid>/schedstat,
 * the kernel's run-queue time); NaN if it is gone or the kernel keeps no schedstats. On a full machine this is time
 * a delivery waits although nothing in the process blocks it.
 */
export function runQueueMsOf(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return NaN;
  }
}

/** Resident set size (KiB) from /proc/<pid>/status. */
export function rssKiBOf(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** CPU of named processes over a window, as % of one core, and how long their main threads waited for a CPU. */
export class CpuWindow {
  private readonly start: Map<string, number>;
  private readonly startQueued: Map<string, number>;
  private readonly startedAt = performance.now();

  constructor(private readonly pids: Record<string, number | undefined>) {
    this.start = new Map(Object.entries(pids).map(([name, pid]) => [name, cpuMsOf(pid)]));
    this.startQueued = new Map(Object.entries(pids).map(([name, pid]) => [name, runQueueMsOf(pid)]));
  }

  /**
   * name → CPU ms used since the window opened, → % of one core over it, and → % of the window its main thread
   * spent runnable but waiting for a CPU.
   */
  end(): { ms: Record<string, number>; percent: Record<string, number>; runQueuePercent: Record<string, number> } {
    const wall = performance.now() - this.startedAt;
    const since = (read: (pid: number | undefined) => number, start: Map<string, number>) =>
      Object.fromEntries(Object.entries(this.pids).map(([name, pid]) => [name, read(pid) - (start.get(name) ?? NaN)]));
    const ms = since(cpuMsOf, this.start);
    const queued = since(runQueueMsOf, this.startQueued);
    const percentOf = (r: Record<string, number>, digits: number) => Object.fromEntries(Object.entries(r)
      .map(([name, v]) => [name, Math.round((v / wall) * 100 * 10 ** digits) / 10 ** digits]));
    return { ms, percent: percentOf(ms, 0), runQueuePercent: percentOf(queued, 1) };
  }
}
