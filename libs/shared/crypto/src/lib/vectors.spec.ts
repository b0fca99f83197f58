import { summarize, VectorReport } from '../spec-support/report';
import { inflate, loadVectors } from '../spec-support/node-vectors';
import { runRfc5869, runRfc7748, runRfc8032, runRfc9106, runRfc9180 } from '../spec-support/rfc';
import { runAesGcm, runCobblestone, runEd25519, runHkdf, runX25519 } from '../spec-support/wycheproof';

/** Every vector is either run or counted as unsupported — and printed, so nothing is dropped silently. */
function expectComplete(r: VectorReport, expected: { run?: number; unsupported?: number } = {}) {
  console.log(summarize(r));
  expect(r.failures).toEqual([]);
  expect(r.run + r.unsupported).toBe(r.total);
  expect(r.passed).toBe(r.run);
  if (expected.run !== undefined) expect(r.run).toBe(expected.run);
  if (expected.unsupported !== undefined) expect(r.unsupported).toBe(expected.unsupported);
}

describe('Wycheproof vectors through the primitive layer', () => {
  it('AES-GCM: every 256-bit-key, 96-bit-nonce vector passes; the other parameter sets are counted', async () => {
    const r = await runAesGcm(loadVectors('aes_gcm_test.json'));
    expectComplete(r);
    expect(r.run).toBeGreaterThanOrEqual(66);
  });

  it('X25519: every vector runs; valid ones match, acceptable ones are recorded', async () => {
    expectComplete(await runX25519(loadVectors('x25519_test.json')), { unsupported: 0 });
  });

  it('Ed25519: valid signatures verify, every invalid one is rejected', async () => {
    expectComplete(await runEd25519(loadVectors('ed25519_test.json')), { unsupported: 0 });
  });

  it('HKDF-SHA-256: outputs match and oversize requests are refused', async () => {
    expectComplete(await runHkdf(loadVectors('hkdf_sha256_test.json')), { unsupported: 0 });
  });

  it('Cobblestone-256: valid messages decrypt and re-encrypt exactly, invalid ones fail without releasing more than the valid prefix', async () => {
    expectComplete(await runCobblestone(loadVectors('c2sp_chunked_encryption_aes_256_gcm_test.json'), inflate), { unsupported: 0 });
  });
});

describe('RFC known answers', () => {
  it('RFC 5869 HKDF-SHA-256', async () => expectComplete(await runRfc5869()));
  it('RFC 7748 X25519', async () => expectComplete(await runRfc7748()));
  it('RFC 8032 Ed25519', async () => expectComplete(await runRfc8032()));
  it('RFC 9106 Argon2id', async () => expectComplete(await runRfc9106()));
  it('RFC 9180 HPKE', async () => expectComplete(await runRfc9180()));
});
