import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const preflight = join(__dirname, 'preflight.mjs');

/** `npm test` starts with the preflight: on a bare machine it must say, at once and in one place, what is missing. */
describe('preflight', () => {
  it('names Redis, Java and Chromium, with install commands, when all three are missing', () => {
    const started = Date.now();
    const result = spawnSync(process.execPath, [preflight], {
      env: { PATH: '/nonexistent', REDIS_URL: 'redis://127.0.0.1:1', CHROMIUM_PATH: '/nonexistent/chromium' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    const out = result.stderr;
    for (const missing of ['Redis at redis://127.0.0.1:1', 'Java 17', 'Chromium at /nonexistent/chromium']) {
      expect(out).toContain(missing);
    }
    for (const fix of ['apt-get install redis-server', 'openjdk-17-jre-headless', 'apt-get install chromium', 'brew']) {
      expect(out).toContain(fix);
    }
    expect(out).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
  });

  it('passes quietly on a machine that has everything', () => {
    const result = spawnSync(process.execPath, [preflight], { env: process.env, encoding: 'utf8', timeout: 20_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('preflight: ok');
  });
});
