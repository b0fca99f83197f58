import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { ParleyEnvironment, ServiceName } from '../config';
import { connectedSocketsMetric, messagesMetric } from '../constructs/parley-service';
import { SERVICES } from '../services';
import type { DataStack } from './data-stack';
import type { EdgeStack } from './edge-stack';
import type { ServicesStack } from './services-stack';

export interface ObservabilityStackProps extends StackProps {
  readonly parley: ParleyEnvironment;
  readonly data: DataStack;
  readonly edge: EdgeStack;
  readonly services: ServicesStack;
}

/** p99 of the target response time above which a service alarms. The gateway's history reads share its target group
 * with socket.io long-polling requests (held up to 25 s by design), so its threshold only catches a stall. */
const LATENCY_P99_SECONDS: Record<string, number> = { auth: 2, rooms: 1, files: 5, 'messaging-gateway': 30 };

/**
 * Alarms (to one SNS topic) and one dashboard. Logs are the services' JSON lines in `/parley/<env>/<service>`; the
 * gateway's own metrics (connected sockets, messages) arrive through the CloudWatch agent beside it.
 */
export class ObservabilityStack extends Stack {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const { parley, data, edge, services } = props;

    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Parley alarm notifications',
      enableKeyRotation: true,
      removalPolicy: parley.removalPolicy,
    });
    // CloudWatch publishes to the encrypted topic; it needs to use the key.
    key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
    }));
    this.topic = new sns.Topic(this, 'Alarms', { displayName: `Parley ${parley.name} alarms`, masterKey: key, enforceSSL: true });
    if (parley.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(parley.alarmEmail));
    const notify = new actions.SnsAction(this.topic);
    const alarm = (id: string, props: cloudwatch.AlarmProps) => {
      const created = new cloudwatch.Alarm(this, id, { treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING, ...props });
      created.addAlarmAction(notify);
      created.addOkAction(notify);
      return created;
    };
    const sum = { statistic: 'Sum', period: Duration.minutes(1) } as const;

    // Edge: the ALB itself failing (no healthy target, timeouts) shows as ELB 5xx.
    alarm('AlbElb5xx', {
      alarmDescription: 'The ALB answers 5xx itself (no healthy target, timeouts)',
      metric: edge.alb.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, sum),
      threshold: 10,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    });

    const targetsOf = (name: ServiceName) => {
      const targets = edge.targetGroups.get(name);
      if (!targets) throw new Error(`no target group for ${name}`);
      return targets;
    };
    const serviceOf = (name: ServiceName) => {
      const service = services.services.get(name);
      if (!service) throw new Error(`no service ${name}`);
      return service.service;
    };

    for (const spec of SERVICES) {
      const targets = targetsOf(spec.name);
      const service = serviceOf(spec.name);
      const requests = targets.metrics.requestCount(sum);
      const errors = targets.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, sum);
      alarm(`${spec.id}ErrorRate`, {
        alarmDescription: `${spec.name}: more than 5 % of requests answered 5xx`,
        metric: new cloudwatch.MathExpression({
          expression: '100 * errors / MAX([requests, 1])',
          usingMetrics: { errors, requests },
          label: `${spec.name} 5xx %`,
          period: Duration.minutes(1),
        }),
        threshold: 5,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
      });
      alarm(`${spec.id}UnhealthyHosts`, {
        alarmDescription: `${spec.name}: a task fails its ALB health check`,
        metric: targets.metrics.unhealthyHostCount({ statistic: 'Maximum', period: Duration.minutes(1) }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
      });
      alarm(`${spec.id}LatencyP99`, {
        alarmDescription: `${spec.name}: p99 target response time above ${LATENCY_P99_SECONDS[spec.name]} s`,
        metric: targets.metrics.targetResponseTime({ statistic: 'p99', period: Duration.minutes(5) }),
        threshold: LATENCY_P99_SECONDS[spec.name],
        evaluationPeriods: 3,
      });
      alarm(`${spec.id}Cpu`, {
        alarmDescription: `${spec.name}: CPU above 85 % (autoscaling is not keeping up)`,
        metric: service.metricCpuUtilization({ period: Duration.minutes(1) }),
        threshold: 85,
        evaluationPeriods: 5,
      });
      alarm(`${spec.id}Memory`, {
        alarmDescription: `${spec.name}: memory above 85 %`,
        metric: service.metricMemoryUtilization({ period: Duration.minutes(1) }),
        threshold: 85,
        evaluationPeriods: 5,
      });
    }

    for (const [name, table] of data.tables) {
      alarm(`${capitalize(name)}Throttles`, {
        alarmDescription: `DynamoDB ${name}: requests throttled`,
        metric: new cloudwatch.MathExpression({
          expression: 'reads + writes',
          usingMetrics: {
            reads: table.metric('ReadThrottleEvents', sum),
            writes: table.metric('WriteThrottleEvents', sum),
          },
          label: `${name} throttles`,
          period: Duration.minutes(1),
        }),
        threshold: 0,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      });
    }

    const redisNodes = Array.from({ length: parley.redis.nodes }, (_, i) => `${data.redis.replicationGroupId}-${String(i + 1).padStart(3, '0')}`);
    const redisMetric = (metricName: string, node: string) => new cloudwatch.Metric({
      namespace: 'AWS/ElastiCache', metricName, dimensionsMap: { CacheClusterId: node }, statistic: 'Maximum', period: Duration.minutes(1),
    });
    for (const [i, node] of redisNodes.entries()) {
      alarm(`RedisEngineCpu${i + 1}`, {
        alarmDescription: `Redis node ${node}: engine CPU above 80 % (Redis is single-threaded)`,
        metric: redisMetric('EngineCPUUtilization', node),
        threshold: 80,
        evaluationPeriods: 5,
      });
      alarm(`RedisMemory${i + 1}`, {
        alarmDescription: `Redis node ${node}: memory above 80 %`,
        metric: redisMetric('DatabaseMemoryUsagePercentage', node),
        threshold: 80,
        evaluationPeriods: 5,
      });
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: `Parley-${parley.name}` });
    const perService = (metric: (name: ServiceName) => cloudwatch.Metric, label: string) =>
      SERVICES.map((s) => metric(s.name).with({ label: `${s.name} ${label}` }));
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Messages per minute', left: [messagesMetric(parley)], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Connected sockets', left: [connectedSocketsMetric(parley, 'Sum')], width: 8 }),
      new cloudwatch.GraphWidget({
        title: 'Error rate (5xx %)',
        // Metric ids are shared by every expression of one graph, hence one pair per service.
        left: SERVICES.map((s, i) => new cloudwatch.MathExpression({
          expression: `100 * e${i} / MAX([r${i}, 1])`,
          usingMetrics: {
            [`e${i}`]: targetsOf(s.name).metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, sum),
            [`r${i}`]: targetsOf(s.name).metrics.requestCount(sum),
          },
          label: s.name,
          period: Duration.minutes(1),
        })),
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Response time p50 / p99 (s)',
        left: perService((n) => targetsOf(n).metrics.targetResponseTime({ statistic: 'p50' }), 'p50'),
        right: perService((n) => targetsOf(n).metrics.targetResponseTime({ statistic: 'p99' }), 'p99'),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Requests per minute',
        left: perService((n) => targetsOf(n).metrics.requestCount(sum), 'requests'),
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'ECS CPU / memory %',
        left: perService((n) => serviceOf(n).metricCpuUtilization(), 'cpu'),
        right: perService((n) => serviceOf(n).metricMemoryUtilization(), 'memory'),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Redis engine CPU / memory %',
        left: redisNodes.map((n) => redisMetric('EngineCPUUtilization', n)),
        right: redisNodes.map((n) => redisMetric('DatabaseMemoryUsagePercentage', n)),
        width: 12,
      }),
    );
  }
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
