import { Match } from 'aws-cdk-lib/assertions';
import { SERVICES } from '../lib/services';
import { TABLES } from '../lib/tables';
import { resourcesOf, synthesized, type Synthesized } from './support/synth';

type Alarm = { MetricName?: string; Namespace?: string; Dimensions?: { Name: string; Value: unknown }[]; Metrics?: { Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string; Dimensions: { Name: string; Value: unknown }[] } } }[]; AlarmActions: unknown[]; OKActions: unknown[] };

describe('observability stack (prod)', () => {
  let prod: Synthesized;
  let alarms: [string, Alarm][];
  const alarmsFor = (prefix: string) => alarms.filter(([id]) => id.startsWith(prefix)).map(([, a]) => a);
  /** The metric names an alarm watches, directly or inside its math expression. */
  const metricsOf = (alarm: Alarm) => [alarm.MetricName, ...(alarm.Metrics ?? []).map((m) => m.MetricStat?.Metric.MetricName)].filter(Boolean);

  beforeAll(() => {
    prod = synthesized('prod');
    alarms = resourcesOf(prod.observability, 'AWS::CloudWatch::Alarm').map(([id, a]) => [id, a.Properties as unknown as Alarm]);
  });

  it.each(SERVICES.map((s) => [s.name, s] as const))('watches %s: CPU, memory, unhealthy hosts, p99 latency and error rate', (_name, spec) => {
    const watched = alarmsFor(spec.id).flatMap(metricsOf);
    expect(watched).toEqual(expect.arrayContaining([
      'CPUUtilization', 'MemoryUtilization', 'UnHealthyHostCount', 'TargetResponseTime', 'HTTPCode_Target_5XX_Count', 'RequestCount',
    ]));
    const latency = alarmsFor(`${spec.id}LatencyP99`)[0] as unknown as { ExtendedStatistic: string };
    expect(latency.ExtendedStatistic).toBe('p99');
  });

  it('alarms when the ALB itself answers 5xx', () => {
    expect(alarmsFor('AlbElb5xx').flatMap(metricsOf)).toEqual(['HTTPCode_ELB_5XX_Count']);
  });

  it('alarms on throttled requests of every table', () => {
    for (const table of TABLES) {
      const alarm = alarmsFor(`${table.name.charAt(0).toUpperCase()}${table.name.slice(1)}Throttles`);
      expect(alarm.flatMap(metricsOf).sort()).toEqual(['ReadThrottleEvents', 'WriteThrottleEvents']);
    }
  });

  it('alarms on the engine CPU and memory of every Redis node', () => {
    for (const node of ['parley-prod-redis-001', 'parley-prod-redis-002']) {
      const forNode = alarms.map(([, a]) => a).filter((a) => a.Dimensions?.some((d) => d.Value === node));
      expect(forNode.map((a) => a.MetricName).sort()).toEqual(['DatabaseMemoryUsagePercentage', 'EngineCPUUtilization']);
    }
  });

  it('sends every alarm and its recovery to the alarm topic, which is encrypted and TLS-only', () => {
    const [topicId] = resourcesOf(prod.observability, 'AWS::SNS::Topic')[0];
    for (const [, alarm] of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.OKActions).toEqual([{ Ref: topicId }]);
    }
    const topic = resourcesOf(prod.observability, 'AWS::SNS::Topic')[0][1].Properties;
    expect(topic['KmsMasterKeyId']).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^AlarmTopicKey/), 'Arn'] });
    prod.observability.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      }),
    });
  });

  it('has one dashboard with message throughput, connected sockets, error rate and response times', () => {
    const dashboards = resourcesOf(prod.observability, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0][1].Properties['DashboardBody']);
    for (const expected of ['parley_gateway_events_in_total', 'parley_gateway_connected_sockets', 'HTTPCode_Target_5XX_Count', 'TargetResponseTime', 'p99']) {
      expect(body).toContain(expected);
    }
  });
});
