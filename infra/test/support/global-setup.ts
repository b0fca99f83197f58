import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environmentNamed } from '../../lib/config';
import { addParley } from '../../lib/parley-app';
import { SYNTH_DIR_VARIABLE, VARIANTS, type Variant } from './variants';

/**
 * Synthesizes each variant once per test run, before any test file starts, the way `npm run synth` does (cdk-nag
 * included; assets are fingerprinted, not staged). The test files read the templates from disk: a dozen files
 * then cost three syntheses, not a dozen. An unacknowledged cdk-nag finding fails the whole run here, with its report.
 */
export default function globalSetup(): void {
  const root = mkdtempSync(join(tmpdir(), 'parley-infra-test-'));
  for (const [name, variant] of Object.entries(VARIANTS) as [string, Variant][]) {
    const outdir = join(root, name);
    mkdirSync(outdir);
    const app = new App({
      outdir,
      context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong', 'aws:cdk:disable-asset-staging': true },
    });
    const stacks = addParley(app, environmentNamed(variant.env), { nag: true, ...variant.options });
    app.synth();
    const findings = (Object.values(stacks) as Stack[]).flatMap((stack) => [
      ...Annotations.fromStack(stack).findError('*', Match.anyValue()).map((m) => ({ path: m.id, level: 'error', text: String(m.entry.data) })),
      ...Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map((m) => ({ path: m.id, level: 'warning', text: String(m.entry.data) })),
    ]);
    writeFileSync(join(outdir, 'findings.json'), JSON.stringify(findings));
  }
  process.env[SYNTH_DIR_VARIABLE] = root;
}
