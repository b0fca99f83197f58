import { createHash, createHmac } from 'node:crypto';
import { DynamoDB } from '@aws-sdk/client-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import { KeyObjectSha256 } from './key-object-sha256';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

async function digest(secret: string | Uint8Array | undefined, data: string): Promise<string> {
  const hash = new KeyObjectSha256(secret);
  hash.update(new TextEncoder().encode(data));
  return hex(await hash.digest());
}

describe('KeyObjectSha256', () => {
  it('computes SHA-256, and HMAC-SHA-256 with string and byte keys, as node:crypto does', async () => {
    const bytes = new Uint8Array([1, 2, 3, 250]);
    expect(await digest(undefined, 'abc')).toBe(createHash('sha256').update('abc').digest('hex'));
    expect(await digest('', 'abc')).toBe(createHash('sha256').update('abc').digest('hex')); // as the SDK's hasher
    expect(await digest('secret', 'abc')).toBe(createHmac('sha256', 'secret').update('abc').digest('hex'));
    expect(await digest(bytes, 'abc')).toBe(createHmac('sha256', bytes).update('abc').digest('hex'));
    expect(await digest(bytes.subarray(1, 3), 'abc')).toBe(createHmac('sha256', bytes.subarray(1, 3)).update('abc').digest('hex'));
  });

  it('keys by content: an array changed after use gets the new key', async () => {
    const key = new Uint8Array([1, 2, 3]);
    const before = await digest(key, 'abc');
    key[0] = 9;
    expect(await digest(key, 'abc')).toBe(createHmac('sha256', key).update('abc').digest('hex'));
    expect(await digest(key, 'abc')).not.toBe(before);
  });

  it('starts over on reset', async () => {
    const hash = new KeyObjectSha256('secret');
    hash.update(new TextEncoder().encode('ignored'));
    hash.reset();
    hash.update(new TextEncoder().encode('abc'));
    expect(hex(await hash.digest())).toBe(createHmac('sha256', 'secret').update('abc').digest('hex'));
  });

  it('gives the SigV4 signer the same signature as the SDK client\'s own hasher', async () => {
    const client = new DynamoDB({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session' } });
    const request = {
      method: 'POST', protocol: 'https:', hostname: 'dynamodb.eu-west-1.amazonaws.com', path: '/', query: {},
      body: '{"TableName":"messages"}',
      headers: { host: 'dynamodb.eu-west-1.amazonaws.com', 'x-amz-target': 'DynamoDB_20120810.PutItem' },
    };
    const sign = (sha256: typeof KeyObjectSha256 | typeof client.config.sha256) =>
      new SignatureV4({ service: 'dynamodb', region: 'eu-west-1', credentials: client.config.credentials, sha256 })
        .sign(structuredClone(request), { signingDate: new Date('2026-11-26T02:00:00Z') });

    const ours = await sign(KeyObjectSha256);
    const theirs = await sign(client.config.sha256);
    expect(ours.headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261126\/eu-west-1\/dynamodb/);
    expect(ours.headers).toEqual(theirs.headers);
  });
});
