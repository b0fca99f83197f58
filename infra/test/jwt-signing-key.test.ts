import { calculateJwkThumbprint, importJWK, type JWK } from 'jose';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { JWT_GENERATOR_SOURCE_FOR_TESTS } from '../lib/constructs/jwt-signing-key';

interface Responses {
  status?: string;
  reason?: string;
}

/**
 * Runs the generator's source (what Lambda runs) with a fake Secrets Manager and a fake CloudFormation response URL.
 */
function generator(initial: Record<string, string>, failSecretsManager = false) {
  const store = { value: JSON.stringify(initial), puts: 0 };
  const response: Responses = {};
  class GetSecretValueCommand { constructor(readonly input: unknown) {} }
  class PutSecretValueCommand { constructor(readonly input: { SecretString: string }) {} }
  const modules: Record<string, unknown> = {
    'node:crypto': { createHash, generateKeyPairSync },
    'node:https': {
      request: (_url: string, _options: unknown, onResponse: (res: { resume(): void; on(e: string, f: () => void): void }) => void) => ({
        on: () => undefined,
        end: (body: string) => {
          const parsed = JSON.parse(body) as { Status: string; Reason: string };
          response.status = parsed.Status;
          response.reason = parsed.Reason;
          onResponse({ resume: () => undefined, on: (_e, f) => f() });
        },
      }),
    },
    '@aws-sdk/client-secrets-manager': {
      GetSecretValueCommand,
      PutSecretValueCommand,
      SecretsManagerClient: class {
        async send(command: unknown) {
          if (failSecretsManager) throw new Error('AccessDenied');
          if (command instanceof PutSecretValueCommand) {
            store.value = command.input.SecretString;
            store.puts++;
            return {};
          }
          return { SecretString: store.value };
        }
      },
    },
  };
  const exports: { handler?: (event: unknown) => Promise<void> } = {};
  runInNewContext(JWT_GENERATOR_SOURCE_FOR_TESTS, { exports, require: (name: string) => modules[name], JSON, Buffer, String, console: { error: () => undefined } });
  const run = (RequestType: string) => (exports.handler as (e: unknown) => Promise<void>)({
    RequestType, ResourceProperties: { SecretArn: 'arn:secret' }, ResponseURL: 'https://cfn.example/response',
    StackId: 's', RequestId: 'r', LogicalResourceId: 'l',
  });
  return { store, response, run };
}

describe('the auth signing key generator (custom resource)', () => {
  it('writes a P-256 private JWK whose kid is its RFC 7638 thumbprint, and answers SUCCESS', async () => {
    const { store, response, run } = generator({ extraPublicJwks: '[]', placeholder: 'x' });
    await run('Create');
    const secret = JSON.parse(store.value) as { privateJwk: string; extraPublicJwks: string };
    const jwk = JSON.parse(secret.privateJwk) as JWK & { kid: string };
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', d: expect.any(String) });
    expect(jwk.kid).toBe(await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }));
    await expect(importJWK(jwk, 'ES256')).resolves.toBeDefined();
    expect(secret.extraPublicJwks).toBe('[]');
    expect(response.status).toBe('SUCCESS');
  });

  it('never replaces a key that is already there (updates and re-runs keep it)', async () => {
    const { store, run } = generator({ privateJwk: '{"kid":"existing"}', extraPublicJwks: '[{"kid":"old"}]' });
    await run('Update');
    await run('Create');
    expect(store.puts).toBe(0);
    expect(JSON.parse(store.value).privateJwk).toBe('{"kid":"existing"}');
  });

  it('leaves the secret alone when the resource is deleted', async () => {
    const { store, response, run } = generator({ placeholder: 'x' });
    await run('Delete');
    expect(store.puts).toBe(0);
    expect(response.status).toBe('SUCCESS');
  });

  it('answers FAILED with the reason when Secrets Manager refuses, instead of letting CloudFormation hang', async () => {
    const { response, run } = generator({}, true);
    await run('Create');
    expect(response).toEqual({ status: 'FAILED', reason: 'AccessDenied' });
  });
});
