import { Match } from 'aws-cdk-lib/assertions';
import { runInNewContext } from 'node:vm';
import { APP_KEEP_ALIVE_MS } from '../lib/stacks/services-stack';
import { ORIGIN_SECRET_GENERATION_TAG, ORIGIN_VERIFY_HEADER } from '../lib/stacks/edge-stack';
import { SERVICES } from '../lib/services';
import { albPathMatches, ROUTING_EXAMPLES } from './support/routes';
import { resourcesOf, synthesized, type Synthesized } from './support/synth';

/** AWS managed CloudFront policies, by their fixed ids. */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER = '216adef6-5c7f-47e4-b989-5492eafa07d3';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

type Rule = { Priority: number; Conditions: { Field: string; PathPatternConfig?: { Values: string[] }; HttpHeaderConfig?: { HttpHeaderName: string } }[]; Actions: { TargetGroupArn: { Ref: string } }[] };

describe('edge stack (prod)', () => {
  let prod: Synthesized;
  let rules: Rule[];
  const targetGroupId = (name: string) => {
    const id = SERVICES.find((s) => s.name === name)?.id;
    return resourcesOf(prod.edge, 'AWS::ElasticLoadBalancingV2::TargetGroup').find(([logicalId]) => logicalId.startsWith(`${id}Targets`))?.[0];
  };
  const behaviours = () => prod.edge.toJSON().Resources[
    Object.keys(prod.edge.findResources('AWS::CloudFront::Distribution'))[0]
  ].Properties.DistributionConfig;

  beforeAll(() => {
    prod = synthesized('prod');
    rules = resourcesOf(prod.edge, 'AWS::ElasticLoadBalancingV2::ListenerRule')
      .map(([, r]) => r.Properties as unknown as Rule)
      .sort((a, b) => a.Priority - b.Priority);
  });

  it.each(ROUTING_EXAMPLES.filter(([, upstream]) => upstream !== 'web'))('routes %s to %s (DESIGN §1)', (path, upstream) => {
    const rule = rules.find((r) => r.Conditions.some((c) => c.PathPatternConfig?.Values.some((p) => albPathMatches(p, path))));
    expect(rule?.Actions[0].TargetGroupArn.Ref).toBe(targetGroupId(upstream));
  });

  it('forwards nothing without the secret header CloudFront adds (the default answer is 403)', () => {
    prod.edge.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: Match.objectLike({ StatusCode: '403' }) }],
    });
    for (const rule of rules) {
      expect(rule.Conditions).toContainEqual(expect.objectContaining({ Field: 'http-header', HttpHeaderConfig: expect.objectContaining({ HttpHeaderName: ORIGIN_VERIFY_HEADER }) }));
    }
  });

  it('sends the secret header, from Secrets Manager, on every request to the ALB', () => {
    const origin = behaviours().Origins.find((o: { CustomOriginConfig?: unknown }) => o.CustomOriginConfig);
    expect(origin.OriginCustomHeaders).toEqual([{ HeaderName: ORIGIN_VERIFY_HEADER, HeaderValue: expect.objectContaining({ 'Fn::Join': expect.anything() }) }]);
    expect(JSON.stringify(origin.OriginCustomHeaders)).toContain('{{resolve:secretsmanager:');
  });

  it('tags everything that carries the origin secret, so a rotation can make CloudFormation re-read it', () => {
    const tagged = (resource: { Properties: Record<string, unknown> }) =>
      (resource.Properties['Tags'] as { Key: string }[]).some((t) => t.Key === ORIGIN_SECRET_GENERATION_TAG);
    for (const [, rule] of resourcesOf(prod.edge, 'AWS::ElasticLoadBalancingV2::ListenerRule')) expect(tagged(rule)).toBe(true);
    for (const [, cdn] of resourcesOf(prod.edge, 'AWS::CloudFront::Distribution')) expect(tagged(cdn)).toBe(true);
  });

  it('lets only CloudFront\'s origin-facing servers reach the ALB', () => {
    const [groupId, group] = resourcesOf(prod.edge, 'AWS::EC2::SecurityGroup').find(([id]) => id.startsWith('AlbSecurityGroup')) ?? [];
    const ingress = [
      ...((group?.Properties['SecurityGroupIngress'] as Record<string, unknown>[] | undefined) ?? []),
      ...resourcesOf(prod.edge, 'AWS::EC2::SecurityGroupIngress')
        .map(([, r]) => r.Properties)
        .filter((r) => JSON.stringify(r['GroupId']).includes(String(groupId))),
    ];
    expect(ingress).toHaveLength(1);
    expect(ingress[0]).toMatchObject({ FromPort: 80, ToPort: 80, SourcePrefixListId: { 'Fn::GetAtt': [expect.stringMatching(/^CloudFrontPrefixList/), 'PrefixLists.0.PrefixListId'] } });
    expect(ingress[0]['CidrIp']).toBeUndefined();
    prod.edge.hasResourceProperties('Custom::AWS', {
      Update: Match.stringLikeRegexp('com.amazonaws.global.cloudfront.origin-facing'),
    });
  });

  it('keeps the gateway target group sticky, for socket.io\'s polling fallback', () => {
    prod.edge.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 3003,
      TargetGroupAttributes: Match.arrayWith([
        { Key: 'stickiness.enabled', Value: 'true' },
        { Key: 'stickiness.type', Value: 'lb_cookie' },
      ]),
    });
  });

  it('health-checks every target group on the readiness endpoint', () => {
    const groups = resourcesOf(prod.edge, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(groups).toHaveLength(SERVICES.length);
    for (const [, group] of groups) {
      expect(group.Properties).toMatchObject({ HealthCheckPath: '/health/ready', TargetType: 'ip', Matcher: { HttpCode: '200' } });
    }
  });

  it('closes idle connections before the apps do (ALB idle timeout below the apps\' keep-alive)', () => {
    const alb = resourcesOf(prod.edge, 'AWS::ElasticLoadBalancingV2::LoadBalancer')[0][1];
    const idle = (alb.Properties['LoadBalancerAttributes'] as { Key: string; Value: string }[])
      .find((a) => a.Key === 'idle_timeout.timeout_seconds');
    expect(Number(idle?.Value) * 1000).toBeLessThan(APP_KEEP_ALIVE_MS);
    // socket.io pings every 25 s, so an open socket never looks idle to the ALB.
    expect(Number(idle?.Value)).toBeGreaterThan(25);
  });

  it.each(['/api/*', '/socket.io/*'])('does not cache %s', (pattern) => {
    const behaviour = behaviours().CacheBehaviors.find((b: { PathPattern: string }) => b.PathPattern === pattern);
    expect(behaviour.CachePolicyId).toBe(CACHING_DISABLED);
  });

  it.each(['/api/*', '/socket.io/*'])('forwards every viewer header on %s (WebSocket Upgrade and Sec-WebSocket-* included)', (pattern) => {
    const behaviour = behaviours().CacheBehaviors.find((b: { PathPattern: string }) => b.PathPattern === pattern);
    expect(behaviour.OriginRequestPolicyId).toBe(ALL_VIEWER);
    expect(behaviour.AllowedMethods).toEqual(expect.arrayContaining(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']));
    expect(behaviour.ViewerProtocolPolicy).toBe('https-only');
  });

  it('serves the web app from a private bucket through origin access control', () => {
    const s3Origin = behaviours().Origins.find((o: { S3OriginConfig?: unknown }) => o.S3OriginConfig);
    expect(s3Origin.OriginAccessControlId).toBeDefined();
    prod.edge.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always' }),
    });
    prod.edge.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
  });

  it('answers Angular deep links with index.html, but not files or the API', () => {
    const fn = Object.values(prod.edge.findResources('AWS::CloudFront::Function'))[0];
    const handler = runInNewContext(`${fn.Properties.FunctionCode}; handler`) as (e: { request: { uri: string } }) => { uri: string };
    const rewrite = (uri: string) => handler({ request: { uri } }).uri;
    expect(rewrite('/rooms/r1')).toBe('/index.html');
    expect(rewrite('/')).toBe('/index.html');
    expect(rewrite('/main-3F2A.js')).toBe('/main-3F2A.js');
    // The function runs on the default (bucket) behaviour only; /api/* never reaches it.
    expect(behaviours().CacheBehaviors.every((b: { FunctionAssociations?: unknown }) => b.FunctionAssociations === undefined)).toBe(true);
  });
});

describe('edge stack with an origin domain and certificate', () => {
  let https: Synthesized;
  beforeAll(() => {
    https = synthesized('prod-https');
  });

  it('talks HTTPS (TLS 1.2) to the ALB on 443 and admits only that port', () => {
    const distribution = Object.values(https.edge.findResources('AWS::CloudFront::Distribution'))[0].Properties.DistributionConfig;
    const origin = distribution.Origins.find((o: { CustomOriginConfig?: unknown }) => o.CustomOriginConfig);
    expect(origin).toMatchObject({ DomainName: 'origin.parley.example', CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] } });
    https.edge.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'HTTPS' });
  });

  it('forwards every viewer header except Host, which must name the certificate', () => {
    const distribution = Object.values(https.edge.findResources('AWS::CloudFront::Distribution'))[0].Properties.DistributionConfig;
    for (const behaviour of distribution.CacheBehaviors) expect(behaviour.OriginRequestPolicyId).toBe(ALL_VIEWER_EXCEPT_HOST_HEADER);
  });
});
