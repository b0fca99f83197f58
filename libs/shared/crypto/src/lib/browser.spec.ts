/**
 * The browser path, proven: the vectors and the core checks bundled with esbuild and run in headless Chromium.
 */
import { join } from 'node:path';
import { bundle, openInChromium } from '../spec-support/chromium';
import { CheckResult } from '../spec-support/core-checks';
import { loadVectors, TESTVECTORS_DIR, vectorPath, WYCHEPROOF_FILES } from '../spec-support/node-vectors';
import { summarize, VectorReport } from '../spec-support/report';

jest.setTimeout(120_000);

describe('in Chromium', () => {
  let result: { userAgent: string; reports: VectorReport[]; checks: CheckResult[]; ms: number };
  let errors: string[];

  beforeAll(async () => {
    for (const f of WYCHEPROOF_FILES) vectorPath(f); // fail loudly if missing
    const script = await bundle(join(__dirname, '../spec-support/browser-entry.ts'));
    const session = await openInChromium(script, join(TESTVECTORS_DIR, 'wycheproof'));
    try {
      result = await session.page.evaluate(() => (globalThis as unknown as { parleyRunAll: () => Promise<typeof result> }).parleyRunAll());
      errors = session.errors;
    } finally {
      await session.close();
    }
    console.log(`${result.userAgent} (${result.ms} ms)\n${result.reports.map((r) => `[chromium] ${summarize(r)}`).join('\n')}`);
  });

  it('runs in Chromium without page errors', () => {
    expect(result.userAgent).toMatch(/Chrome\//);
    expect(errors).toEqual([]);
  });

  it('passes every vector it runs and accounts for every vector', () => {
    for (const r of result.reports) {
      expect({ file: r.file, failures: r.failures }).toEqual({ file: r.file, failures: [] });
      expect(r.run + r.unsupported).toBe(r.total);
      expect(r.passed).toBe(r.run);
    }
  });

  it('runs as many vectors as Node does (AES-256 with 96-bit nonces; all of the others)', () => {
    const aes = loadVectors('aes_gcm_test.json');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const aes256 = aes.testGroups.filter((g: any) => g.keySize === 256 && g.ivSize === 96).reduce((n: number, g: any) => n + g.tests.length, 0);
    const byFile = new Map(result.reports.map((r) => [r.file, r]));
    expect(byFile.get('aes_gcm_test.json')?.run).toBe(aes256);
    for (const f of WYCHEPROOF_FILES.filter((f) => f !== 'aes_gcm_test.json')) expect(byFile.get(f)?.unsupported).toBe(0);
    expect(result.reports).toHaveLength(10);
  });

  it('round-trips and rejects tampering for messages, envelopes, chains, files, backups; IndexedDB trust store works', () => {
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.checks.length).toBeGreaterThanOrEqual(8);
  });
});
