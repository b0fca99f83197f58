import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export type EnvironmentName = 'dev' | 'prod';

/** Size and count of one service's tasks. */
export interface TaskSize {
  /** Fargate CPU units (256 = 0.25 vCPU). */
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly minTasks: number;
  readonly maxTasks: number;
}

/** Everything that differs between `dev` and `prod`. No account lookups: synth runs offline. */
export interface ParleyEnvironment {
  readonly name: EnvironmentName;
  /** The region of every stack (stacks stay account-agnostic: `cdk deploy` uses the caller's account). */
  readonly region: string;
  /** Prefix of every DynamoDB table (the services' TABLE_PREFIX) and of named resources. */
  readonly prefix: string;
  readonly maxAzs: number;
  /** RETAIN keeps tables, the blob bucket and secrets when a stack is deleted; DESTROY (dev) removes them. */
  readonly removalPolicy: RemovalPolicy;
  /** Termination protection and deletion protection on the stateful stack and its tables. */
  readonly protectData: boolean;
  readonly redis: {
    readonly nodeType: string;
    /** 2+ means a primary and replicas in different AZs with automatic failover (Multi-AZ). */
    readonly nodes: number;
    readonly snapshotRetentionDays: number;
  };
  readonly tasks: Record<ServiceName, TaskSize>;
  readonly logRetention: RetentionDays;
  /** How long old blob versions stay restorable after an overwrite or delete. */
  readonly blobVersionRetention: Duration;
  /** Alarm notifications go to this address (optional; the SNS topic exists either way). */
  readonly alarmEmail?: string;
}

export const SERVICE_NAMES = ['auth', 'rooms', 'messaging-gateway', 'files'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

const size = (cpu: number, memoryMiB: number, minTasks: number, maxTasks: number): TaskSize => ({
  cpu, memoryMiB, minTasks, maxTasks,
});

const ENVIRONMENTS: Record<EnvironmentName, Omit<ParleyEnvironment, 'region' | 'alarmEmail'>> = {
  dev: {
    name: 'dev',
    prefix: 'parley-dev-',
    maxAzs: 2,
    removalPolicy: RemovalPolicy.DESTROY,
    protectData: false,
    redis: { nodeType: 'cache.t4g.micro', nodes: 1, snapshotRetentionDays: 0 },
    tasks: {
      // argon2id (19 MiB per login, CPU-bound) makes auth the heaviest REST service per request.
      auth: size(512, 1024, 1, 2),
      rooms: size(256, 512, 1, 2),
      'messaging-gateway': size(512, 1024, 1, 2),
      files: size(256, 512, 1, 2),
    },
    logRetention: RetentionDays.ONE_WEEK,
    blobVersionRetention: Duration.days(7),
  },
  prod: {
    name: 'prod',
    prefix: 'parley-prod-',
    maxAzs: 2,
    removalPolicy: RemovalPolicy.RETAIN,
    protectData: true,
    redis: { nodeType: 'cache.m7g.large', nodes: 2, snapshotRetentionDays: 7 },
    tasks: {
      auth: size(1024, 2048, 2, 10),
      rooms: size(512, 1024, 2, 10),
      'messaging-gateway': size(1024, 2048, 2, 20),
      files: size(512, 1024, 2, 10),
    },
    logRetention: RetentionDays.THREE_MONTHS,
    blobVersionRetention: Duration.days(30),
  },
};

/** Reads `-c env=dev|prod`, `-c region=…`, `-c alarmEmail=…` (region falls back to CDK_DEFAULT_REGION). */
export function environmentFromContext(scope: Construct): ParleyEnvironment {
  const name = (scope.node.tryGetContext('env') ?? scope.node.tryGetContext('parley:env') ?? 'dev') as string;
  if (name !== 'dev' && name !== 'prod') throw new Error(`context "env" must be dev or prod, not "${name}"`);
  const region = (scope.node.tryGetContext('region') as string | undefined) ?? process.env['CDK_DEFAULT_REGION'] ?? 'eu-central-1';
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new Error(`context "region" is not a region name: "${region}"`);
  const alarmEmail = scope.node.tryGetContext('alarmEmail') as string | undefined;
  return { ...ENVIRONMENTS[name], region, ...(alarmEmail ? { alarmEmail } : {}) };
}

export function environmentNamed(name: EnvironmentName, region = 'eu-central-1'): ParleyEnvironment {
  return { ...ENVIRONMENTS[name], region };
}
