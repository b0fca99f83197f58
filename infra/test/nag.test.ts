import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { enableNag } from '../lib/parley-app';
import { synthesized } from './support/synth';

/**
 * cdk-nag's AwsSolutions pack runs as a validation plugin in every synthesis (npm run synth, cdk deploy, and
 * these tests' global setup): a finding nobody fixed or acknowledged with a reason stops the synthesis with its
 * report, so reaching these tests at all means every environment passed.
 */
describe('cdk-nag AwsSolutions checks', () => {
  it.each(['dev', 'prod', 'prod-https'] as const)('pass for %s with every finding fixed or acknowledged, leaving no warning', (env) => {
    const { findings } = synthesized(env);
    expect(findings.map((f) => `${f.level} ${f.path}: ${f.text}`)).toEqual([]);
  });

  it('stop a synthesis with an unacknowledged finding (the check is live)', () => {
    const app = new App();
    new s3.Bucket(new Stack(app, 'Probe'), 'Open');
    enableNag(app);
    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
  });
});
