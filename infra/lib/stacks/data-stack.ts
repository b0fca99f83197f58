import { Aws, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { ParleyEnvironment } from '../config';
import { JwtSigningKey } from '../constructs/jwt-signing-key';
import { TABLES } from '../tables';
import { SUBNETS } from './network-stack';

export interface DataStackProps extends StackProps {
  readonly parley: ParleyEnvironment;
  readonly vpc: ec2.IVpc;
}

/** Redis speaks TLS on a non-default port (a scanner looking for 6379 finds nothing). */
export const REDIS_PORT = 6380;
/**
 * The blob bucket's name, derived from the configuration so that the services stack can name it in IAM statements
 * and in S3_BUCKET without a cross-stack export (an export would pin the bucket). Account and region keep it unique.
 */
export const blobBucketName = (parley: ParleyEnvironment): string => `${parley.prefix}blobs-${Aws.ACCOUNT_ID}-${parley.region}`;

/** The object tag the files service puts on a blob until it is accepted (libs/server/files, S3BlobStore). */
export const BLOB_STATE_TAG = 'parley-state';

/**
 * Everything stateful: the DynamoDB tables of DESIGN §2, the blob bucket, Redis and the secrets. Its own stack so
 * that the stateless stacks can be replaced freely; logical ids are fixed so that no refactoring replaces a table.
 */
export class DataStack extends Stack {
  readonly tables = new Map<string, dynamodb.Table>();
  readonly blobBucket: s3.Bucket;
  /** Access logs of the buckets, the ALB and CloudFront. */
  readonly logBucket: s3.Bucket;
  readonly redis: { readonly host: string; readonly port: number; readonly securityGroup: ec2.SecurityGroup; readonly replicationGroupId: string };
  readonly secrets: {
    readonly jwt: secretsmanager.ISecret;
    readonly prelogin: secretsmanager.ISecret;
    readonly redisAuthToken: secretsmanager.ISecret;
  };

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, { ...props, terminationProtection: props.parley.protectData });
    const { parley, vpc } = props;

    for (const spec of TABLES) {
      const table = new dynamodb.Table(this, spec.logicalId, {
        tableName: `${parley.prefix}${spec.name}`,
        partitionKey: { name: spec.partitionKey.name, type: attributeType(spec.partitionKey.type) },
        ...(spec.sortKey && { sortKey: { name: spec.sortKey.name, type: attributeType(spec.sortKey.type) } }),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: parley.protectData,
        ...(spec.ttlAttribute && { timeToLiveAttribute: spec.ttlAttribute }),
        removalPolicy: parley.removalPolicy,
      });
      for (const index of spec.globalIndexes ?? []) {
        table.addGlobalSecondaryIndex({
          indexName: index.name,
          partitionKey: { name: index.partitionKey.name, type: attributeType(index.partitionKey.type) },
          ...(index.sortKey && { sortKey: { name: index.sortKey.name, type: attributeType(index.sortKey.type) } }),
          projectionType: dynamodb.ProjectionType.ALL, // what dynamoose asks for by default
        });
      }
      for (const index of spec.localIndexes ?? []) {
        table.addLocalSecondaryIndex({
          indexName: index.name,
          sortKey: { name: index.sortKey.name, type: attributeType(index.sortKey.type) },
          projectionType: dynamodb.ProjectionType.ALL,
        });
      }
      (table.node.defaultChild as dynamodb.CfnTable).overrideLogicalId(spec.logicalId);
      this.tables.set(spec.name, table);
    }

    this.logBucket = new s3.Bucket(this, 'Logs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED, // ALB access logs accept SSE-S3 only
      enforceSSL: true,
      // CloudFront standard logs are delivered with ACLs.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(parley.name === 'prod' ? 365 : 30) }],
      removalPolicy: parley.removalPolicy,
    });
    (this.logBucket.node.defaultChild as s3.CfnBucket).overrideLogicalId('LogBucket');
    Validations.of(this.logBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket; logging it into itself would loop.',
    });

    this.blobBucket = new s3.Bucket(this, 'Blobs', {
      bucketName: blobBucketName(parley),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 'blobs/',
      lifecycleRules: [
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // A blob keeps this tag only if the files service stopped between the upload and accepting it.
        { id: 'expire-pending-blobs', tagFilters: { [BLOB_STATE_TAG]: 'pending' }, expiration: Duration.days(2) },
        { id: 'expire-old-versions', noncurrentVersionExpiration: parley.blobVersionRetention, expiredObjectDeleteMarker: true },
      ],
      removalPolicy: parley.removalPolicy,
    });
    (this.blobBucket.node.defaultChild as s3.CfnBucket).overrideLogicalId('BlobBucket');

    // Redis (Valkey): the bus, the socket.io adapter, the seq counters and the rate-limit store.
    const redisToken = new secretsmanager.Secret(this, 'RedisAuthToken', {
      description: 'Parley Redis AUTH token',
      // ElastiCache allows printable ASCII except @ " / and space; letters and digits also keep the URL simple.
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: parley.removalPolicy,
    });
    (redisToken.node.defaultChild as secretsmanager.CfnSecret).overrideLogicalId('RedisAuthToken');
    Validations.of(redisToken).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Changing the token needs a coordinated ElastiCache ROTATE/SET and a service restart; infra/README.md ' +
        'describes it. A scheduled rotation would cut every connection.',
    });
    const redisSg = new ec2.SecurityGroup(this, 'RedisSecurityGroup', {
      vpc,
      description: 'Parley Redis: reachable from the service tasks only',
      allowAllOutbound: false,
    });
    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'RedisSubnets', {
      description: 'Parley Redis subnets',
      subnetIds: vpc.selectSubnets(SUBNETS.data).subnetIds,
    });
    const multiAz = parley.redis.nodes > 1;
    const replicationGroupId = `${parley.prefix}redis`;
    const redis = new elasticache.CfnReplicationGroup(this, 'Redis', {
      replicationGroupId,
      replicationGroupDescription: 'Parley bus, socket.io adapter, counters',
      engine: 'valkey',
      engineVersion: '8.0',
      cacheNodeType: parley.redis.nodeType,
      numCacheClusters: parley.redis.nodes,
      automaticFailoverEnabled: multiAz,
      multiAzEnabled: multiAz,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: true,
      authToken: redisToken.secretValue.unsafeUnwrap(),
      port: REDIS_PORT,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [redisSg.securityGroupId],
      snapshotRetentionLimit: parley.redis.snapshotRetentionDays,
      autoMinorVersionUpgrade: true,
    });
    redis.overrideLogicalId('Redis');
    if (!multiAz) {
      Validations.of(redis).acknowledge({
        id: 'AwsSolutions-AEC4',
        reason: 'dev runs a single Redis node to save cost; prod is Multi-AZ with automatic failover.',
      });
    }
    this.redis = { host: redis.attrPrimaryEndPointAddress, port: REDIS_PORT, securityGroup: redisSg, replicationGroupId };

    const prelogin = new secretsmanager.Secret(this, 'PreloginSecret', {
      description: 'Parley auth: HMAC key of the fake prelogin salts and the refresh-token MAC',
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
      removalPolicy: parley.removalPolicy,
    });
    (prelogin.node.defaultChild as secretsmanager.CfnSecret).overrideLogicalId('PreloginSecret');
    Validations.of(prelogin).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Rotating it invalidates every refresh token (all users log in again): an operator decision, see ' +
        'infra/README.md, not a schedule.',
    });

    const jwt = new JwtSigningKey(this, 'JwtSigningKey', { removalPolicy: parley.removalPolicy, logRetention: parley.logRetention });
    (jwt.secret.node.defaultChild as secretsmanager.CfnSecret).overrideLogicalId('JwtSigningKeySecret');

    this.secrets = { jwt: jwt.secret, prelogin, redisAuthToken: redisToken };
  }
}

const attributeType = (type: 'S' | 'N') => (type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER);
