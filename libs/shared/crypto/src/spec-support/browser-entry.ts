/** Bundled by browser.spec.ts (esbuild, in memory) and run in Chromium: the vectors and the core checks. */
import { runCoreChecks } from './core-checks';
import { runRfc5869, runRfc7748, runRfc8032, runRfc9106, runRfc9180 } from './rfc';
import { runAesGcm, runCobblestone, runEd25519, runHkdf, runX25519 } from './wycheproof';

async function fetchJson(file: string): Promise<unknown> {
  const res = await fetch(`/vectors/${file}`);
  if (!res.ok) throw new Error(`vectors: ${file} → ${res.status}`);
  return res.json();
}

/** zlib inflate with the browser's own DecompressionStream ('deflate' is the zlib format). */
async function inflate(z: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([z as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function runAll() {
  const started = performance.now();
  const reports = [
    await runAesGcm(await fetchJson('aes_gcm_test.json')),
    await runX25519(await fetchJson('x25519_test.json')),
    await runEd25519(await fetchJson('ed25519_test.json')),
    await runHkdf(await fetchJson('hkdf_sha256_test.json')),
    await runCobblestone(await fetchJson('c2sp_chunked_encryption_aes_256_gcm_test.json'), inflate),
    await runRfc5869(),
    await runRfc7748(),
    await runRfc8032(),
    await runRfc9106(),
    await runRfc9180(),
  ];
  const checks = await runCoreChecks();
  return { userAgent: navigator.userAgent, reports, checks, ms: Math.round(performance.now() - started) };
}

(globalThis as unknown as { parleyRunAll: typeof runAll }).parleyRunAll = runAll;
