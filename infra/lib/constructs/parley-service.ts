import { Arn, Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ParleyEnvironment } from '../config';
import { METRICS, type ServiceSpec } from '../services';
import type { TableSpec } from '../tables';
import { SUBNETS } from '../stacks/network-stack';

export interface ParleyServiceProps {
  readonly parley: ParleyEnvironment;
  readonly spec: ServiceSpec;
  readonly cluster: ecs.ICluster;
  readonly image: ecs.ContainerImage;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** The tables this service owns: the only ones its role may touch. */
  readonly tables: readonly TableSpec[];
  /** The blob bucket's name (files only). */
  readonly blobBucketName?: string;
  readonly environment: Record<string, string>;
  readonly secrets: Record<string, ecs.Secret>;
  /** The gateway only: a CloudWatch agent beside the app scrapes its Prometheus metrics. */
  readonly metricsAgentImage?: ecs.ContainerImage;
}

/** Target of the gateway's autoscaling: sockets per task before another task starts. */
export const SOCKETS_PER_TASK = 2_000;
/** Target of the REST services' autoscaling: requests per task per minute. */
export const REQUESTS_PER_TASK_PER_MINUTE = 3_000;

/**
 * One Parley service on Fargate: its task (the shared image started with the app's name), its own log group, its
 * own role that reaches only its own tables, a private-subnet service registered behind its ALB target group and in
 * Cloud Map, and autoscaling.
 */
export class ParleyService extends Construct {
  readonly service: ecs.FargateService;
  readonly taskRole: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, private readonly props: ParleyServiceProps) {
    super(scope, id);
    const { parley, spec } = props;
    const size = parley.tasks[spec.name];

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/parley/${parley.name}/${spec.name}`,
      retention: parley.logRetention,
      removalPolicy: parley.removalPolicy,
    });

    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `Parley ${spec.name}: its own tables${spec.blobs ? ' and the blob bucket' : ''} only`,
    });
    this.grantTables(props.tables);
    if (spec.blobs && props.blobBucketName) this.grantBlobs(props.blobBucketName);

    const task = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: size.cpu,
      memoryLimitMiB: size.memoryMiB,
      taskRole: this.taskRole,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    task.addContainer('app', {
      image: props.image,
      command: [spec.name],
      essential: true,
      portMappings: [{ containerPort: spec.port, name: spec.name }],
      environment: { ...props.environment, PORT: String(spec.port) },
      secrets: props.secrets,
      readonlyRootFilesystem: true,
      linuxParameters: new ecs.LinuxParameters(this, 'Linux', { initProcessEnabled: true }),
      stopTimeout: Duration.seconds(30),
      healthCheck: {
        command: ['CMD', 'node', '/app/launch.cjs', '--health'],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      logging: ecs.LogDrivers.awsLogs({
        logGroup: this.logGroup,
        streamPrefix: spec.name,
        // A slow CloudWatch must not block the event loop; pino's JSON lines are buffered instead.
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
      }),
    });
    if (props.metricsAgentImage) this.addMetricsAgent(task, props.metricsAgentImage);

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: props.cluster,
      taskDefinition: task,
      // No desiredCount: autoscaling owns the count (min ≥ minTasks at once); a fixed one here would reset a
      // scaled-out service at every deployment.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      assignPublicIp: false,
      vpcSubnets: SUBNETS.app,
      securityGroups: [props.securityGroup],
      cloudMapOptions: { name: spec.name, dnsTtl: Duration.seconds(10) },
      healthCheckGracePeriod: Duration.seconds(60),
      enableECSManagedTags: true,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      // dev saves ~70 % on Spot; an interrupted dev task just restarts.
      capacityProviderStrategies: [{ capacityProvider: parley.name === 'prod' ? 'FARGATE' : 'FARGATE_SPOT', weight: 1 }],
    });
    // The target group lives in the edge stack with the ALB's path rules. Registering through the L2 helper would
    // create security-group rules in the edge stack that point back here (a dependency cycle), so the target group
    // is named on the service directly and the ingress rule is written by ServicesStack.
    (this.service.node.defaultChild as ecs.CfnService).loadBalancers = [
      { targetGroupArn: props.targetGroup.targetGroupArn, containerName: 'app', containerPort: spec.port },
    ];

    const scaling = this.service.autoScaleTaskCount({ minCapacity: size.minTasks, maxCapacity: size.maxTasks });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: 60,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });
    if (spec.scaleOn === 'requests') {
      scaling.scaleOnRequestCount('Requests', {
        targetGroup: props.targetGroup,
        requestsPerTarget: REQUESTS_PER_TASK_PER_MINUTE,
        scaleInCooldown: Duration.minutes(5),
        scaleOutCooldown: Duration.minutes(1),
      });
    } else {
      scaling.scaleToTrackCustomMetric('Sockets', {
        metric: connectedSocketsMetric(parley, 'Average'),
        targetValue: SOCKETS_PER_TASK,
        scaleInCooldown: Duration.minutes(10),
        scaleOutCooldown: Duration.minutes(1),
      });
    }

    Validations.of(task).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'The execution role\'s ecr:GetAuthorizationToken has no resource-level permission; image pulls and ' +
        'secrets are scoped to their ARNs.',
    }, {
      id: 'AwsSolutions-ECS2',
      reason: 'Plain environment variables carry non-secret configuration only (ports, URLs, names); every secret ' +
        'is injected from Secrets Manager.',
    });
  }

  /**
   * Statements name each table and index by ARN, built from the names both stacks derive from the configuration
   * (no wildcard, and no cross-stack export that would pin the tables).
   */
  private grantTables(tables: readonly TableSpec[]): void {
    const { parley } = this.props;
    const stack = Stack.of(this);
    const arnOf = (resource: string) => Arn.format({ service: 'dynamodb', resource: 'table', resourceName: resource }, stack);
    if (tables.length > 0) {
      this.taskRole.addToPolicy(new iam.PolicyStatement({
        sid: 'OwnTables',
        actions: [
          'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem',
          'dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem',
        ],
        resources: tables.flatMap((t) => [
          arnOf(`${parley.prefix}${t.name}`),
          ...[...(t.globalIndexes ?? []), ...(t.localIndexes ?? [])].map((i) => arnOf(`${parley.prefix}${t.name}/index/${i.name}`)),
        ]),
      }));
    }
    // The readiness probe's one cheap call (DynamoTables.ping); ListTables has no resource-level permission.
    this.taskRole.addToPolicy(new iam.PolicyStatement({ sid: 'ReadinessProbe', actions: ['dynamodb:ListTables'], resources: ['*'] }));
    Validations.of(this.taskRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'dynamodb:ListTables (the readiness probe) cannot be scoped to a resource; it reveals table names only.',
    });
  }

  private grantBlobs(bucketName: string): void {
    this.taskRole.addToPolicy(new iam.PolicyStatement({
      sid: 'Blobs',
      actions: ['s3:GetObject', 's3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload'],
      resources: [`arn:${Aws.PARTITION}:s3:::${bucketName}/blobs/*`],
    }));
    Validations.of(this.taskRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagText(bucketName)}/blobs/*]`,
      reason: 'Blobs are objects named by random file ids under blobs/; nothing else in the bucket is reachable.',
    });
  }

  private addMetricsAgent(task: ecs.FargateTaskDefinition, image: ecs.ContainerImage): void {
    const { parley, spec } = this.props;
    const metricsLogGroupName = `/parley/${parley.name}/gateway-metrics`;
    const metricsLogs = new logs.LogGroup(this, 'MetricsLogs', {
      logGroupName: metricsLogGroupName,
      retention: logs.RetentionDays.ONE_WEEK,
      removalPolicy: parley.removalPolicy,
    });
    metricsLogs.grantWrite(this.taskRole);
    task.addContainer('metrics', {
      image,
      essential: false,
      readonlyRootFilesystem: false, // the agent writes its state under /opt/aws
      memoryReservationMiB: 64,
      environment: {
        CW_CONFIG_CONTENT: JSON.stringify(metricsAgentConfig(metricsLogGroupName)),
        PROMETHEUS_CONFIG_CONTENT: prometheusConfig(parley.name, spec.port),
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'metrics-agent' }),
    });
  }
}

/** The custom metric the gateway scales on; the agent publishes it per task with these dimensions. */
export function connectedSocketsMetric(parley: ParleyEnvironment, statistic: 'Average' | 'Sum'): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS.namespace,
    metricName: METRICS.connectedSockets,
    dimensionsMap: { Environment: parley.name, ServiceName: 'messaging-gateway' },
    statistic,
    period: Duration.minutes(1),
  });
}

export function messagesMetric(parley: ParleyEnvironment): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS.namespace,
    metricName: METRICS.messagesIn,
    dimensionsMap: { Environment: parley.name, ServiceName: 'messaging-gateway' },
    statistic: 'Sum',
    period: Duration.minutes(1),
  });
}

function metricsAgentConfig(logGroupName: string) {
  return {
    logs: {
      metrics_collected: {
        prometheus: {
          log_group_name: logGroupName,
          prometheus_config_path: 'env:PROMETHEUS_CONFIG_CONTENT',
          emf_processor: {
            metric_namespace: METRICS.namespace,
            metric_declaration: [{
              source_labels: ['job'],
              label_matcher: '^parley-gateway$',
              dimensions: [['Environment', 'ServiceName']],
              metric_selectors: [`^${METRICS.connectedSockets}$`, `^${METRICS.messagesIn}$`],
            }],
          },
        },
      },
      force_flush_interval: 5,
    },
  };
}

function prometheusConfig(environment: string, port: number): string {
  return [
    'global:',
    '  scrape_interval: 30s',
    '  scrape_timeout: 10s',
    'scrape_configs:',
    '  - job_name: parley-gateway',
    '    metrics_path: /metrics',
    '    static_configs:',
    `      - targets: ['localhost:${port}']`,
    `        labels: { Environment: ${environment}, ServiceName: messaging-gateway }`,
    '',
  ].join('\n');
}

/** How cdk-nag prints a string with pseudo parameters in a finding id: `${AWS::AccountId}` as `<AWS::AccountId>`. */
const nagText = (value: string): string =>
  value.replace(/\$\{Token\[AWS\.(\w+)\.\d+\]\}/g, (_m, name: string) => `<AWS::${name}>`);

