import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { ParleyEnvironment } from './config';
import { DataStack } from './stacks/data-stack';
import { EdgeStack } from './stacks/edge-stack';
import { NetworkStack } from './stacks/network-stack';
import { ObservabilityStack } from './stacks/observability-stack';
import { ServicesStack } from './stacks/services-stack';

export interface ParleyStacks {
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly edge: EdgeStack;
  readonly services: ServicesStack;
  readonly observability: ObservabilityStack;
}

export interface ParleyAppOptions {
  /** HTTPS from CloudFront to the ALB (see EdgeStackProps.origin). */
  readonly origin?: { readonly domainName: string; readonly certificateArn: string };
  /** cdk-nag's AwsSolutions pack; a finding nobody acknowledged stops the synthesis. */
  readonly nag?: boolean;
}

/** Stack names: `Parley-<env>-<Part>`; deploy.sh and the README name them the same way. */
export const stackName = (parley: ParleyEnvironment, part: string) => `Parley-${parley.name}-${part}`;

/**
 * The whole deployment of one environment. Stacks are region-specific and account-agnostic: nothing is looked up
 * at synth time, so `npm run synth` needs neither credentials nor network.
 */
export function addParley(app: App, parley: ParleyEnvironment, options: ParleyAppOptions = {}): ParleyStacks {
  const env = { region: parley.region };
  const network = new NetworkStack(app, stackName(parley, 'Network'), { env, parley, description: 'Parley: VPC and endpoints' });
  const data = new DataStack(app, stackName(parley, 'Data'), {
    env, parley, vpc: network.vpc, description: 'Parley: tables, blobs, Redis, secrets (stateful)',
  });
  const edge = new EdgeStack(app, stackName(parley, 'Edge'), {
    env, parley, vpc: network.vpc, logBucket: data.logBucket, ...(options.origin && { origin: options.origin }),
    description: 'Parley: CloudFront, the web app bucket, the ALB and its routes',
  });
  const services = new ServicesStack(app, stackName(parley, 'Services'), {
    env, parley, vpc: network.vpc, data, edge, description: 'Parley: ECS cluster and the four services',
  });
  const observability = new ObservabilityStack(app, stackName(parley, 'Observability'), {
    env, parley, data, edge, services, description: 'Parley: alarms and dashboard',
  });
  for (const stack of [network, data, edge, services, observability]) {
    Tags.of(stack).add('app', 'parley');
    Tags.of(stack).add('environment', parley.name);
  }
  if (options.nag ?? true) enableNag(app);
  return { network, data, edge, services, observability };
}

/** cdk-nag v3: its AwsSolutions pack as a validation plugin; an unacknowledged finding fails the synthesis. */
export function enableNag(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
