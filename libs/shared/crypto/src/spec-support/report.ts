/** Outcome of one vector file, the same shape in Node and in Chromium. */
export interface VectorReport {
  file: string;
  total: number;
  /** Vectors our library accepted the parameters of and that were checked. */
  run: number;
  passed: number;
  /** tcId: why, for each failure. */
  failures: string[];
  /** Vectors whose parameters the library does not support (not in protocol v1, or not in Web Crypto). */
  unsupported: number;
  unsupportedWhy: Record<string, number>;
  /** Wycheproof `acceptable` vectors: either outcome is allowed; what ours did. */
  acceptable: { accepted: number; rejected: number };
}

export function newReport(file: string, total: number): VectorReport {
  return { file, total, run: 0, passed: 0, failures: [], unsupported: 0, unsupportedWhy: {}, acceptable: { accepted: 0, rejected: 0 } };
}

export function pass(r: VectorReport): void {
  r.run++;
  r.passed++;
}

export function failed(r: VectorReport, id: string | number, why: string): void {
  r.run++;
  r.failures.push(`${id}: ${why}`);
}

export function unsupported(r: VectorReport, why: string): void {
  r.unsupported++;
  r.unsupportedWhy[why] = (r.unsupportedWhy[why] ?? 0) + 1;
}

/** One line per file for the test output, so nothing is dropped silently. */
export function summarize(r: VectorReport): string {
  const why = Object.entries(r.unsupportedWhy).map(([k, v]) => `${v}× ${k}`).join('; ');
  const acc = r.acceptable.accepted + r.acceptable.rejected;
  return (
    `${r.file}: ${r.total} vectors, ${r.run} run, ${r.passed} passed, ${r.failures.length} failed, ${r.unsupported} unsupported` +
    (why ? ` (${why})` : '') +
    (acc ? `; acceptable: ${r.acceptable.accepted} accepted, ${r.acceptable.rejected} rejected` : '')
  );
}
