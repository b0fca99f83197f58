import type { EnvironmentName } from '../../lib/config';
import type { ParleyAppOptions } from '../../lib/parley-app';

export interface Variant {
  readonly env: EnvironmentName;
  readonly options?: ParleyAppOptions;
}

/** The configurations the tests look at: both environments, and prod with HTTPS to the ALB. */
export const VARIANTS = {
  dev: { env: 'dev' },
  prod: { env: 'prod' },
  'prod-https': {
    env: 'prod',
    options: { origin: { domainName: 'origin.parley.example', certificateArn: 'arn:aws:acm:eu-central-1:123456789012:certificate/abc' } },
  },
} as const satisfies Record<string, Variant>;

export type VariantName = keyof typeof VARIANTS;

/** Where global-setup.ts left the cloud assemblies (one folder per variant). */
export const SYNTH_DIR_VARIABLE = 'PARLEY_INFRA_TEST_ASSEMBLIES';
