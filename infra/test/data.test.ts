import { Match } from 'aws-cdk-lib/assertions';
import { BLOB_STATE_TAG } from '@parley/server/files';
import { BLOB_STATE_TAG as INFRA_BLOB_STATE_TAG, REDIS_PORT } from '../lib/stacks/data-stack';
import { TABLES } from '../lib/tables';
import { resourcesOf, synthesized, type Synthesized } from './support/synth';

describe('data stack (prod)', () => {
  let prod: Synthesized;
  beforeAll(() => {
    prod = synthesized('prod');
  });

  describe('DynamoDB tables', () => {
    it.each(TABLES.map((t) => [t.name, t] as const))('declares %s with its keys, indexes and TTL under a fixed logical id', (_name, spec) => {
      const keys = [
        { AttributeName: spec.partitionKey.name, KeyType: 'HASH' },
        ...(spec.sortKey ? [{ AttributeName: spec.sortKey.name, KeyType: 'RANGE' }] : []),
      ];
      const table = prod.data.toJSON().Resources[spec.logicalId];
      expect(table?.Type).toBe('AWS::DynamoDB::Table');
      expect(table.Properties).toMatchObject({ TableName: `parley-prod-${spec.name}`, KeySchema: keys });
      for (const index of spec.globalIndexes ?? []) {
        expect(table.Properties.GlobalSecondaryIndexes).toContainEqual(expect.objectContaining({
          IndexName: index.name,
          Projection: { ProjectionType: 'ALL' },
        }));
      }
      for (const index of spec.localIndexes ?? []) {
        expect(table.Properties.LocalSecondaryIndexes).toContainEqual(expect.objectContaining({
          IndexName: index.name,
          KeySchema: [{ AttributeName: spec.partitionKey.name, KeyType: 'HASH' }, { AttributeName: index.sortKey.name, KeyType: 'RANGE' }],
        }));
      }
      if (spec.ttlAttribute) {
        expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: spec.ttlAttribute, Enabled: true });
      }
    });

    it('bills every table on demand', () => {
      const tables = resourcesOf(prod.data, 'AWS::DynamoDB::Table');
      expect(tables).toHaveLength(TABLES.length);
      for (const [, table] of tables) expect(table.Properties['BillingMode']).toBe('PAY_PER_REQUEST');
    });

    it('keeps point-in-time recovery on every table', () => {
      for (const [, table] of resourcesOf(prod.data, 'AWS::DynamoDB::Table')) {
        expect(table.Properties['PointInTimeRecoverySpecification']).toEqual({ PointInTimeRecoveryEnabled: true });
      }
    });

    it('protects every production table from deletion and retains it when the stack goes', () => {
      for (const [, table] of Object.entries(prod.data.findResources('AWS::DynamoDB::Table'))) {
        expect(table.Properties.DeletionProtectionEnabled).toBe(true);
        expect(table.DeletionPolicy).toBe('Retain');
        expect(table.UpdateReplacePolicy).toBe('Retain');
      }
    });
  });

  it('is termination-protected in production', () => {
    expect(prod.stackProperties('Data')['terminationProtection']).toBe(true);
  });

  describe('blob bucket', () => {
    const bucket = () => prod.data.toJSON().Resources['BlobBucket'];

    it('blocks every kind of public access', () => {
      expect(bucket().Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
      });
    });

    it('refuses every request that does not use TLS', () => {
      prod.data.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: 'BlobBucket' },
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          })]),
        },
      });
    });

    it('encrypts at rest and keeps versions', () => {
      expect(bucket().Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault)
        .toEqual({ SSEAlgorithm: 'AES256' });
      expect(bucket().Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    });

    it('aborts incomplete multipart uploads and expires blobs the files service never accepted', () => {
      const rules = bucket().Properties.LifecycleConfiguration.Rules;
      expect(rules).toContainEqual(expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }));
      expect(rules).toContainEqual(expect.objectContaining({
        TagFilters: [{ Key: BLOB_STATE_TAG, Value: 'pending' }],
        ExpirationInDays: 2,
        Status: 'Enabled',
      }));
    });

    it('expires pending blobs by the tag the files service actually writes', () => {
      expect(INFRA_BLOB_STATE_TAG).toBe(BLOB_STATE_TAG);
    });

    it('logs access to the log bucket', () => {
      expect(bucket().Properties.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: 'LogBucket' }, LogFilePrefix: 'blobs/' });
    });
  });

  describe('Redis', () => {
    const redis = () => prod.data.toJSON().Resources['Redis'];

    it('requires TLS in transit and encrypts at rest', () => {
      expect(redis().Properties).toMatchObject({
        TransitEncryptionEnabled: true,
        TransitEncryptionMode: 'required',
        AtRestEncryptionEnabled: true,
      });
    });

    it('requires an AUTH token that comes from Secrets Manager', () => {
      expect(JSON.stringify(redis().Properties.AuthToken)).toMatch(/\{\{resolve:secretsmanager:.*RedisAuthToken/);
      prod.data.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: Match.objectLike({ ExcludePunctuation: true, PasswordLength: 64 }),
      });
    });

    it('runs Multi-AZ with automatic failover in production', () => {
      expect(redis().Properties).toMatchObject({ MultiAZEnabled: true, AutomaticFailoverEnabled: true, NumCacheClusters: 2 });
    });

    it('lives in the isolated data subnets on a non-default port', () => {
      expect(redis().Properties.Port).toBe(REDIS_PORT);
      prod.data.hasResourceProperties('AWS::ElastiCache::SubnetGroup', {
        SubnetIds: Match.arrayWith([Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp('dataSubnet') })]),
      });
    });

    it('admits connections from the service tasks only', () => {
      const group = Object.values(prod.data.findResources('AWS::EC2::SecurityGroup'))
        .find((g) => String(g.Properties.GroupDescription).startsWith('Parley Redis'));
      expect(group?.Properties.SecurityGroupIngress).toBeUndefined();
      const ingress = resourcesOf(prod.services, 'AWS::EC2::SecurityGroupIngress')
        .filter(([id]) => id.startsWith('RedisFrom'))
        .map(([, r]) => r.Properties);
      expect(ingress).toHaveLength(4);
      for (const rule of ingress) {
        expect(rule).toMatchObject({ FromPort: REDIS_PORT, ToPort: REDIS_PORT, SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/SecurityGroup/), 'GroupId'] } });
        expect(rule['CidrIp']).toBeUndefined();
      }
    });
  });

  it('generates the auth signing key once, through its custom resource', () => {
    prod.data.hasResourceProperties('Custom::ParleyJwtSigningKey', {
      SecretArn: { Ref: 'JwtSigningKeySecret' },
    });
    prod.data.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x' });
  });
});

describe('data stack (dev)', () => {
  let dev: Synthesized;
  beforeAll(() => {
    dev = synthesized('dev');
  });

  it('can be torn down: no termination or deletion protection, tables deleted with the stack', () => {
    expect(dev.stackProperties('Data')['terminationProtection']).toBeFalsy();
    for (const table of Object.values(dev.data.findResources('AWS::DynamoDB::Table'))) {
      expect(table.Properties.DeletionProtectionEnabled).toBe(false);
      expect(table.DeletionPolicy).toBe('Delete');
    }
  });

  it('still keeps point-in-time recovery and on-demand billing on every table', () => {
    for (const table of Object.values(dev.data.findResources('AWS::DynamoDB::Table'))) {
      expect(table.Properties).toMatchObject({ BillingMode: 'PAY_PER_REQUEST', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
    }
  });

  it('still requires TLS and AUTH on its single Redis node', () => {
    expect(dev.data.toJSON().Resources['Redis'].Properties).toMatchObject({
      TransitEncryptionEnabled: true, AtRestEncryptionEnabled: true, NumCacheClusters: 1, AuthToken: expect.anything(),
    });
  });
});
