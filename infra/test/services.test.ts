import { Match } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../lib/paths';
import { SERVICES } from '../lib/services';
import { APP_KEEP_ALIVE_MS } from '../lib/stacks/services-stack';
import { TABLES, tablesOf } from '../lib/tables';
import { resourcesOf, synthesized, type Synthesized } from './support/synth';

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };
const actionsOf = (s: Statement) => [s.Action].flat();
const ALL_TABLE_NAMES = TABLES.map((t) => t.name);

describe('services stack (prod)', () => {
  let prod: Synthesized;
  /** Task role policy statements of each service, by service id (Auth, Gateway, …). */
  const taskRoleStatements = (serviceId: string): Statement[] =>
    resourcesOf(prod.services, 'AWS::IAM::Policy')
      .filter(([id]) => id.startsWith(`${serviceId}TaskRoleDefaultPolicy`))
      .flatMap(([, p]) => (p.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement);
  const containerOf = (serviceId: string, name = 'app') => {
    const [, task] = resourcesOf(prod.services, 'AWS::ECS::TaskDefinition').find(([id]) => id.startsWith(`${serviceId}Task`)) ?? [];
    return (task?.Properties['ContainerDefinitions'] as Record<string, unknown>[]).find((c) => c['Name'] === name) as Record<string, unknown>;
  };

  beforeAll(() => {
    prod = synthesized('prod');
  });

  it('runs one Fargate service per app, each starting the shared image with its own name', () => {
    expect(resourcesOf(prod.services, 'AWS::ECS::Service')).toHaveLength(SERVICES.length);
    const images = new Set<string>();
    for (const spec of SERVICES) {
      const app = containerOf(spec.id);
      expect(app['Command']).toEqual([spec.name]);
      expect(app['PortMappings']).toEqual([expect.objectContaining({ ContainerPort: spec.port })]);
      images.add(JSON.stringify(app['Image']));
    }
    expect(images.size).toBe(1);
  });

  it('builds that image from the repository\'s Dockerfile (target app)', () => {
    const manifest = JSON.parse(readFileSync(join(prod.directory, `${prod.stackName('Services')}.assets.json`), 'utf8')) as {
      dockerImages: Record<string, { source: { directory: string; dockerFile?: string; dockerBuildTarget?: string } }>;
    };
    const sources = Object.values(manifest.dockerImages).map((i) => i.source);
    expect(sources).toContainEqual(expect.objectContaining({ directory: repoRoot(), dockerFile: 'Dockerfile', dockerBuildTarget: 'app' }));
  });

  it.each(SERVICES.map((s) => [s.name, s] as const))('lets %s reach its own tables and no other', (_name, spec) => {
    const own = tablesOf(spec.name).map((t) => `parley-prod-${t.name}`);
    const dynamo = taskRoleStatements(spec.id).filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    const reached = new Set<string>();
    for (const statement of dynamo) {
      if (actionsOf(statement).every((a) => a === 'dynamodb:ListTables')) {
        expect(statement.Resource).toBe('*'); // the readiness probe; it reads no item
        continue;
      }
      for (const resource of [statement.Resource].flat()) {
        const arn = JSON.stringify(resource);
        const table = /:table\/(parley-prod-[A-Za-z]+)(\/index\/[\w-]+)?"/.exec(arn)?.[1];
        expect(table).toBeDefined();
        expect(own).toContain(table);
        reached.add(table as string);
      }
    }
    expect([...reached].sort()).toEqual([...own].sort());
    for (const other of ALL_TABLE_NAMES.filter((n) => !own.includes(`parley-prod-${n}`))) {
      expect(JSON.stringify(dynamo)).not.toMatch(new RegExp(`table/parley-prod-${other}["/]`));
    }
  });

  it('lets only the files service touch the blob bucket, and only objects under blobs/', () => {
    for (const spec of SERVICES) {
      const s3 = taskRoleStatements(spec.id).filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
      if (spec.name !== 'files') {
        expect(s3).toEqual([]);
        continue;
      }
      expect(s3).toHaveLength(1);
      expect(JSON.stringify(s3[0].Resource)).toMatch(/:s3:::parley-prod-blobs-.*\/blobs\/\*"/);
      expect(actionsOf(s3[0]).sort()).toEqual(['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject', 's3:PutObjectTagging']);
    }
  });

  it('grants no task role a wildcard action', () => {
    for (const spec of SERVICES) {
      for (const statement of taskRoleStatements(spec.id)) {
        for (const action of actionsOf(statement)) expect(action).not.toMatch(/\*/);
      }
    }
  });

  it('gives no task a public IP or a public subnet', () => {
    for (const [, service] of resourcesOf(prod.services, 'AWS::ECS::Service')) {
      const network = (service.Properties['NetworkConfiguration'] as { AwsvpcConfiguration: { AssignPublicIp: string; Subnets: unknown[] } }).AwsvpcConfiguration;
      expect(network.AssignPublicIp).toBe('DISABLED');
      for (const subnet of network.Subnets) expect(JSON.stringify(subnet)).toMatch(/VpcappSubnet/);
    }
    // The app subnets are isolated: no route to an internet or NAT gateway.
    for (const [id, route] of resourcesOf(prod.network, 'AWS::EC2::Route')) {
      if (id.includes('app') || id.includes('data')) expect(route.Properties['GatewayId']).toBeUndefined();
    }
  });

  it('admits traffic to the tasks only from the ALB and from the services that call them', () => {
    for (const [, group] of resourcesOf(prod.services, 'AWS::EC2::SecurityGroup')) {
      for (const rule of (group.Properties['SecurityGroupIngress'] as Record<string, unknown>[] | undefined) ?? []) {
        expect(rule['CidrIp']).toBeUndefined();
        expect(rule['SourceSecurityGroupId']).toBeDefined();
      }
    }
    for (const [, rule] of resourcesOf(prod.services, 'AWS::EC2::SecurityGroupIngress')) {
      expect(rule.Properties['CidrIp']).toBeUndefined();
    }
  });

  it.each(SERVICES.map((s) => [s.name, s] as const))('scales %s between at least 2 tasks and its maximum, on CPU and on its load', (_name, spec) => {
    const targets = resourcesOf(prod.services, 'AWS::ApplicationAutoScaling::ScalableTarget')
      .filter(([id]) => id.startsWith(`${spec.id}Service`));
    expect(targets).toHaveLength(1);
    expect(targets[0][1].Properties['MinCapacity']).toBeGreaterThanOrEqual(2);
    expect(targets[0][1].Properties['MaxCapacity']).toBeGreaterThan(targets[0][1].Properties['MinCapacity'] as number);
    const policies = resourcesOf(prod.services, 'AWS::ApplicationAutoScaling::ScalingPolicy')
      .filter(([id]) => id.startsWith(`${spec.id}Service`))
      .map(([, p]) => p.Properties['TargetTrackingScalingPolicyConfiguration'] as Record<string, Record<string, unknown>>);
    expect(policies).toContainEqual(expect.objectContaining({
      PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
    }));
    if (spec.scaleOn === 'requests') {
      expect(policies).toContainEqual(expect.objectContaining({
        PredefinedMetricSpecification: expect.objectContaining({ PredefinedMetricType: 'ALBRequestCountPerTarget' }),
      }));
    } else {
      expect(policies).toContainEqual(expect.objectContaining({
        CustomizedMetricSpecification: expect.objectContaining({ MetricName: 'parley_gateway_connected_sockets', Namespace: 'Parley', Statistic: 'Average' }),
      }));
    }
  });

  it('publishes the gateway\'s connected sockets through a CloudWatch agent beside it', () => {
    const agent = containerOf('Gateway', 'metrics');
    expect(agent['Essential']).toBe(false);
    const environment = Object.fromEntries((agent['Environment'] as { Name: string; Value: unknown }[]).map((e) => [e.Name, JSON.stringify(e.Value)]));
    expect(environment['PROMETHEUS_CONFIG_CONTENT']).toContain("targets: ['localhost:3003']");
    expect(environment['CW_CONFIG_CONTENT']).toContain('parley_gateway_connected_sockets');
  });

  it('injects the secrets from Secrets Manager, never as plain environment variables', () => {
    const secretNames = (id: string) => ((containerOf(id)['Secrets'] as { Name: string }[]) ?? []).map((s) => s.Name).sort();
    expect(secretNames('Auth')).toEqual(['JWT_EXTRA_PUBLIC_JWKS', 'JWT_PRIVATE_JWK', 'PRELOGIN_SECRET', 'REDIS_AUTH_TOKEN']);
    for (const id of ['Rooms', 'Gateway', 'Files']) expect(secretNames(id)).toEqual(['REDIS_AUTH_TOKEN']);
    for (const spec of SERVICES) {
      const names = (containerOf(spec.id)['Environment'] as { Name: string }[]).map((e) => e.Name);
      expect(names.filter((n) => /TOKEN|SECRET|PRIVATE|PASSWORD|JWKS?$/.test(n))).toEqual([]);
    }
  });

  it('keeps idle connections open longer than the ALB', () => {
    for (const spec of SERVICES) {
      expect(containerOf(spec.id)['Environment']).toContainEqual({ Name: 'HTTP_KEEP_ALIVE_TIMEOUT_MS', Value: String(APP_KEEP_ALIVE_MS) });
    }
  });

  it('health-checks every container and writes its JSON logs to its own log group with retention', () => {
    for (const spec of SERVICES) {
      const app = containerOf(spec.id);
      expect(app['HealthCheck']).toMatchObject({ Command: ['CMD', 'node', '/app/launch.cjs', '--health'] });
      expect(app['LogConfiguration']).toMatchObject({ LogDriver: 'awslogs', Options: expect.objectContaining({ mode: 'non-blocking' }) });
      prod.services.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `/parley/prod/${spec.name}`, RetentionInDays: 90 });
    }
  });

  it('rolls back a deployment whose tasks do not become healthy', () => {
    for (const [, service] of resourcesOf(prod.services, 'AWS::ECS::Service')) {
      expect(service.Properties['DeploymentConfiguration']).toMatchObject({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true }, MinimumHealthyPercent: 100,
      });
    }
  });

  it('registers every service in Cloud Map, where the others find it', () => {
    prod.services.hasResourceProperties('AWS::ServiceDiscovery::PrivateDnsNamespace', { Name: 'parley.internal' });
    for (const spec of SERVICES) {
      prod.services.hasResourceProperties('AWS::ServiceDiscovery::Service', { Name: spec.name, DnsConfig: Match.objectLike({ DnsRecords: [{ TTL: 10, Type: 'A' }] }) });
    }
  });
});
