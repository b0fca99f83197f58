import { CustomResource, Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface JwtSigningKeyProps {
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
}

/**
 * The auth service's ES256 signing key as a Secrets Manager secret `{ privateJwk, extraPublicJwks }` (the JSON the
 * service reads from JWT_PRIVATE_JWK and JWT_EXTRA_PUBLIC_JWKS). Secrets Manager cannot generate an EC key, so a
 * small function does it once, at the first deployment; later deployments leave the key alone. Rotation is a
 * deliberate two-step operation (infra/README.md), not a schedule: publish the next key, then sign with it.
 */
export class JwtSigningKey extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: JwtSigningKeyProps) {
    super(scope, id);

    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: 'Parley auth: ES256 signing key (privateJwk) and extra published public keys (extraPublicJwks)',
      // A placeholder until the generator below writes the key; never a usable key.
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ extraPublicJwks: '[]' }),
        generateStringKey: 'placeholder',
      },
      removalPolicy: props.removalPolicy,
    });

    const logGroup = new logs.LogGroup(this, 'GeneratorLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    const role = new iam.Role(this, 'GeneratorRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    this.secret.grantRead(role);
    this.secret.grantWrite(role);

    const generator = new lambda.Function(this, 'Generator', {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromInline(GENERATOR_SOURCE),
      timeout: Duration.seconds(30),
      memorySize: 256,
      role,
      logGroup,
      description: 'Generates the Parley auth signing key once (custom resource)',
    });

    new CustomResource(this, 'Key', {
      serviceToken: generator.functionArn,
      resourceType: 'Custom::ParleyJwtSigningKey',
      properties: { SecretArn: this.secret.secretArn },
    });

    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'A signing key cannot rotate on a schedule without logging users out: infra/README.md describes the ' +
        'two-step rotation (publish the next public key, then sign with it).',
    });
  }
}

/** Runs in Lambda (Node 24, AWS SDK v3 built in). Answers CloudFormation itself: no provider framework needed. */
const GENERATOR_SOURCE = `
const https = require('node:https');
const { createHash, generateKeyPairSync } = require('node:crypto');
const { SecretsManagerClient, GetSecretValueCommand, PutSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
const sm = new SecretsManagerClient({});

function respond(event, status, reason, physicalId) {
  const body = JSON.stringify({
    Status: status, Reason: reason, PhysicalResourceId: physicalId,
    StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId,
  });
  return new Promise((resolve, reject) => {
    const req = https.request(event.ResponseURL, {
      method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
    }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end(body);
  });
}

exports.handler = async (event) => {
  const secretId = event.ResourceProperties.SecretArn;
  const physicalId = event.PhysicalResourceId || 'parley-jwt-signing-key';
  try {
    if (event.RequestType !== 'Delete') {
      const { SecretString } = await sm.send(new GetSecretValueCommand({ SecretId: secretId }));
      const current = JSON.parse(SecretString || '{}');
      if (!current.privateJwk) {
        const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        const jwk = privateKey.export({ format: 'jwk' });
        // RFC 7638 thumbprint (members in lexicographic order), the kid the auth service would compute itself.
        const kid = createHash('sha256')
          .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest('base64url');
        await sm.send(new PutSecretValueCommand({
          SecretId: secretId,
          SecretString: JSON.stringify({
            privateJwk: JSON.stringify({ ...jwk, kid }),
            extraPublicJwks: current.extraPublicJwks || '[]',
          }),
        }));
      }
    }
    await respond(event, 'SUCCESS', 'ok', physicalId);
  } catch (err) {
    console.error(err);
    await respond(event, 'FAILED', String((err && err.message) || err), physicalId);
  }
};
`;

export const JWT_GENERATOR_SOURCE_FOR_TESTS = GENERATOR_SOURCE;
