/** Latency summary in ms; percentiles by nearest rank over every sample. */
export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function percentiles(samples: number[]): Percentiles {
  if (samples.length === 0) return { count: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  const round = (x: number) => Math.round(x * 100) / 100;
  return { count: sorted.length, p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1]) };
}

/** What one generator measured in one timed window. */
export interface WindowResult {
  /** Sends issued, and the rate they were issued at (msgs/s). */
  sent: number;
  sendSeconds: number;
  /** Deliveries expected (each send × the other members of its room) and received once. */
  expected: number;
  delivered: number;
  duplicates: number;
  /** Sends whose ack said `ok: false` or never came, by error text. */
  ackErrors: Record<string, number>;
  recipients: Percentiles;
  ack: Percentiles;
  /** The generator's own CPU over the window: ms of CPU, and the share of one core. */
  cpuMs: number;
  wallMs: number;
  /** Raw samples, merged across generators by the orchestrator (not written to the report). */
  recipientSamples?: number[];
  ackSamples?: number[];
  /** Recipients' latencies by the second of the window the message was sent in (not written to the report). */
  recipientsBySecond?: number[][];
}

/** Recipients' latency by the second the messages were sent in: shows whether a tail is spread or bunched. */
export interface TimelineSecond {
  second: number;
  p50: number;
  p99: number;
  max: number;
}

/** Merges the windows of several generators that ran at the same time. */
export function mergeWindows(parts: WindowResult[]): WindowResult & { generatorCpu: number[]; timeline: TimelineSecond[] } {
  const recipientSamples = parts.flatMap((p) => p.recipientSamples ?? []);
  const ackSamples = parts.flatMap((p) => p.ackSamples ?? []);
  const ackErrors: Record<string, number> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.ackErrors)) ackErrors[k] = (ackErrors[k] ?? 0) + v;
  const sum = (f: (p: WindowResult) => number) => parts.reduce((n, p) => n + f(p), 0);
  return {
    sent: sum((p) => p.sent),
    sendSeconds: Math.max(...parts.map((p) => p.sendSeconds)),
    expected: sum((p) => p.expected),
    delivered: sum((p) => p.delivered),
    duplicates: sum((p) => p.duplicates),
    ackErrors,
    recipients: percentiles(recipientSamples),
    ack: percentiles(ackSamples),
    cpuMs: sum((p) => p.cpuMs),
    wallMs: Math.max(...parts.map((p) => p.wallMs)),
    generatorCpu: parts.map((p) => Math.round((p.cpuMs / p.wallMs) * 100)),
    timeline: mergeTimelines(parts.map((p) => p.recipientsBySecond ?? [])),
  };
}

function mergeTimelines(parts: number[][][]): TimelineSecond[] {
  const seconds = Math.max(0, ...parts.map((p) => p.length));
  return Array.from({ length: seconds }, (_, second) => {
    const { p50, p99, max } = percentiles(parts.flatMap((p) => p[second] ?? []));
    return { second, p50, p99, max };
  });
}
