import { Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import type { Construct } from 'constructs';
import { join } from 'node:path';
import type { ParleyEnvironment, ServiceName } from '../config';
import { ParleyService } from '../constructs/parley-service';
import { repoRoot } from '../paths';
import { INTERNAL_DOMAIN, internalUrl, SERVICES, type ServiceSpec } from '../services';
import { tablesOf } from '../tables';
import { blobBucketName, type DataStack } from './data-stack';
import type { EdgeStack } from './edge-stack';

export interface ServicesStackProps extends StackProps {
  readonly parley: ParleyEnvironment;
  readonly vpc: ec2.IVpc;
  readonly data: DataStack;
  readonly edge: EdgeStack;
}

/** Keep idle HTTP connections open longer than the ALB does, so the ALB never reuses one the app just closed. */
export const APP_KEEP_ALIVE_MS = 65_000;

/**
 * The four services on one ECS cluster, from one image (the repository's Dockerfile, target `app`, started with the
 * app's name). Tasks run in isolated subnets; they find each other through Cloud Map (`auth.parley.internal`).
 */
export class ServicesStack extends Stack {
  readonly cluster: ecs.Cluster;
  readonly services = new Map<ServiceName, ParleyService>();

  constructor(scope: Construct, id: string, props: ServicesStackProps) {
    super(scope, id, props);
    const { parley, vpc, data, edge } = props;

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
      enableFargateCapacityProviders: true,
    });
    this.cluster.addDefaultCloudMapNamespace({
      name: INTERNAL_DOMAIN,
      vpc,
      type: servicediscovery.NamespaceType.DNS_PRIVATE,
      useForServiceConnect: false,
    });

    const root = repoRoot();
    const image = ecs.ContainerImage.fromDockerImageAsset(new ecrAssets.DockerImageAsset(this, 'AppImage', {
      directory: root,
      file: 'Dockerfile',
      target: 'app',
      platform: ecrAssets.Platform.LINUX_AMD64,
      // The repository's .dockerignore keeps node_modules, dist and cdk.out out of the Docker context and of the
      // asset hash alike, so synth fingerprints a few MB of sources and never needs Docker.
    }));
    const metricsAgentImage = ecs.ContainerImage.fromDockerImageAsset(new ecrAssets.DockerImageAsset(this, 'MetricsAgentImage', {
      directory: join(root, 'infra/docker/cloudwatch-agent'),
      platform: ecrAssets.Platform.LINUX_AMD64,
    }));

    // Every service's security group first, so that the internal rules (who may call whom) can name them.
    const groups = new Map<ServiceName, ec2.SecurityGroup>();
    for (const spec of SERVICES) {
      groups.set(spec.name, new ec2.SecurityGroup(this, `${spec.id}SecurityGroup`, {
        vpc,
        description: `Parley ${spec.name} tasks`,
        // Isolated subnets have no route to the internet: outbound reaches the VPC and its AWS endpoints only.
        allowAllOutbound: true,
      }));
    }
    for (const spec of SERVICES) {
      const group = groups.get(spec.name) as ec2.SecurityGroup;
      group.addIngressRule(ec2.Peer.securityGroupId(edge.albSecurityGroup.securityGroupId), ec2.Port.tcp(spec.port), 'from the ALB');
      for (const caller of SERVICES.filter((s) => s.calls.includes(spec.name) && s.name !== spec.name)) {
        group.addIngressRule(groups.get(caller.name) as ec2.SecurityGroup, ec2.Port.tcp(spec.port), `from ${caller.name}`);
      }
      new ec2.CfnSecurityGroupIngress(this, `RedisFrom${spec.id}`, {
        groupId: data.redis.securityGroup.securityGroupId,
        sourceSecurityGroupId: group.securityGroupId,
        ipProtocol: 'tcp',
        fromPort: data.redis.port,
        toPort: data.redis.port,
        description: `Redis from ${spec.name}`,
      });
    }

    for (const spec of SERVICES) {
      const service = new ParleyService(this, spec.id, {
        parley,
        spec,
        cluster: this.cluster,
        image,
        securityGroup: groups.get(spec.name) as ec2.SecurityGroup,
        targetGroup: edge.targetGroups.get(spec.name) as NonNullable<ReturnType<typeof edge.targetGroups.get>>,
        tables: tablesOf(spec.name),
        ...(spec.blobs && { blobBucketName: blobBucketName(parley) }),
        environment: this.environmentOf(spec, parley, data, edge),
        secrets: this.secretsOf(spec, data),
        ...(spec.scaleOn === 'sockets' && { metricsAgentImage }),
      });
      this.services.set(spec.name, service);
    }
  }

  /** Non-secret configuration, checked against the services' config classes by test/config.test.ts. */
  private environmentOf(spec: ServiceSpec, parley: ParleyEnvironment, data: DataStack, edge: EdgeStack): Record<string, string> {
    return {
      HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      AWS_REGION: Stack.of(this).region,
      TABLE_PREFIX: parley.prefix,
      REDIS_HOST: data.redis.host,
      REDIS_PORT: String(data.redis.port),
      REDIS_TLS: 'true',
      AUTH_JWKS_URL: `${internalUrl('auth')}/api/auth/.well-known/jwks.json`,
      ROOMS_URL: internalUrl('rooms'),
      PUBLIC_ORIGIN: edge.publicUrl,
      HTTP_KEEP_ALIVE_TIMEOUT_MS: String(APP_KEEP_ALIVE_MS),
      ...(spec.blobs && { BLOB_STORE: 's3', S3_BUCKET: blobBucketName(parley) }),
    };
  }

  private secretsOf(spec: ServiceSpec, data: DataStack): Record<string, ecs.Secret> {
    const secrets: Record<string, ecs.Secret> = {};
    if (spec.secrets.includes('redis')) secrets['REDIS_AUTH_TOKEN'] = ecs.Secret.fromSecretsManager(data.secrets.redisAuthToken);
    if (spec.secrets.includes('jwt')) {
      secrets['JWT_PRIVATE_JWK'] = ecs.Secret.fromSecretsManager(data.secrets.jwt, 'privateJwk');
      secrets['JWT_EXTRA_PUBLIC_JWKS'] = ecs.Secret.fromSecretsManager(data.secrets.jwt, 'extraPublicJwks');
    }
    if (spec.secrets.includes('prelogin')) secrets['PRELOGIN_SECRET'] = ecs.Secret.fromSecretsManager(data.secrets.prelogin);
    return secrets;
  }
}
