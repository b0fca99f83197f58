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

/** CPU of named processes over a window, as % of one core. */
export class CpuWindow {
  private readonly start: Map<string, number>;
  private readonly startedAt = performance.now();

  constructor(private readonly pids: Record<string, number | undefined>) {
    this.start = new Map(Object.entries(pids).map(([name, pid]) => [name, cpuMsOf(pid)]));
  }

  /** name → CPU ms used since the window opened, and → % of one core over it. */
  end(): { ms: Record<string, number>; percent: Record<string, number> } {
    const wall = performance.now() - this.startedAt;
    const ms = Object.fromEntries(Object.entries(this.pids).map(([name, pid]) =>
      [name, cpuMsOf(pid) - (this.start.get(name) ?? NaN)]));
    return { ms, percent: Object.fromEntries(Object.entries(ms).map(([name, used]) => [name, Math.round((used / wall) * 100)])) };
  }
}
