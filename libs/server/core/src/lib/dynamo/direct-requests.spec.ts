import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDB, type PutItemCommandInput, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { isConditionFailed } from './dynamo-tables';
import { DirectRequests } from './direct-requests';

/** A stand-in for DynamoDB's HTTP API (the real one is in the messaging integration tests): answers as told. */
interface Seen {
  headers: IncomingHttpHeaders;
  body: string;
}

describe('DirectRequests', () => {
  let server: Server;
  let seen: Seen[];
  let answer: { status: number; body: string };
  let client: DynamoDB;
  const input: PutItemCommandInput = {
    TableName: 'messages', Item: { roomId: { S: 'r1' }, seq: { N: '1' } },
    ConditionExpression: 'attribute_not_exists(#seq)', ExpressionAttributeNames: { '#seq': 'seq' },
  };

  beforeEach(async () => {
    seen = [];
    answer = { status: 200, body: '{}' };
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' }).end(answer.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    client = new DynamoDB({
      region: 'eu-west-1', endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session-token' },
    });
  });

  afterEach(async () => {
    client.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sends one PutItem signed with the client\'s credentials and region', async () => {
    await new DirectRequests(client).put(input);
    expect(seen).toHaveLength(1);
    const [{ headers, body }] = seen;
    expect(JSON.parse(body)).toEqual(input);
    expect(headers['x-amz-target']).toBe('DynamoDB_20120810.PutItem');
    expect(headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(headers['authorization']).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/dynamodb\/aws4_request, SignedHeaders=[^ ]*x-amz-target[^ ]*, Signature=[0-9a-f]{64}$/);
    expect(headers['x-amz-security-token']).toBe('session-token');
    expect(headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
  });

  it('signs exactly what it sends (SigV4 recomputed here from the request as received)', async () => {
    await new DirectRequests(client).put(input);
    const [{ headers, body }] = seen;
    const auth = /Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=(\w+)/
      .exec(headers['authorization'] ?? '');
    expect(auth).not.toBeNull();
    const [, , date, region, service, signedHeaders, signature] = auth as RegExpExecArray;
    const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
    const canonical = ['POST', '/', '',
      ...signedHeaders.split(';').map((name) => `${name}:${String(headers[name]).trim()}`), '',
      signedHeaders, sha256(body)].join('\n');
    const scope = `${date}/${region}/${service}/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', headers['x-amz-date'], scope, sha256(canonical)].join('\n');
    const key = [date, region, service, 'aws4_request']
      .reduce<Buffer | string>((k, part) => createHmac('sha256', k).update(part).digest(), 'AWS4secret');
    expect(signature).toBe(createHmac('sha256', key).update(toSign).digest('hex'));
    expect(signedHeaders.split(';')).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'x-amz-target', 'content-type']));
  });

  it('reports a failed condition as the SDK would, without sending again', async () => {
    answer = { status: 400, body: JSON.stringify({
      __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'The conditional request failed',
    }) };
    const err = await new DirectRequests(client).put(input).catch((e: unknown) => e);
    expect(isConditionFailed(err)).toBe(true);
    expect((err as Error).message).toBe('The conditional request failed');
    expect(seen).toHaveLength(1);
  });

  it('hands any other failure to the SDK client, whose own error is what the caller gets', async () => {
    answer = { status: 500, body: JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'boom' }) };
    const err = await new DirectRequests(client).put(input).catch((e: unknown) => e);
    expect(seen).toHaveLength(2); // ours, then the SDK's (maxAttempts: 1)
    expect(seen[1].headers['user-agent'] ?? seen[1].headers['x-amz-user-agent']).toMatch(/aws-sdk-js/);
    expect((err as Error).name).toBe('InternalServerError');
  });

  it('tries its own path again after the endpoint or region could not be resolved once', async () => {
    jest.spyOn(client.config, 'region').mockRejectedValueOnce(new Error('no region yet'));
    const direct = new DirectRequests(client);
    await direct.put(input); // the SDK client sends this one
    await direct.put(input);
    expect(seen).toHaveLength(2);
    expect(seen[0].headers['x-amz-user-agent'] ?? seen[0].headers['user-agent']).toMatch(/aws-sdk-js/);
    expect(seen[1].headers['x-amz-user-agent'] ?? seen[1].headers['user-agent'] ?? '').not.toMatch(/aws-sdk-js/);
  });

  it('goes through the SDK client when the first attempt cannot connect', async () => {
    const putItem = jest.spyOn(client, 'putItem').mockResolvedValue({} as never);
    const { port } = server.address() as AddressInfo;
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    const direct = new DirectRequests(client);
    await direct.put(input);
    expect(putItem).toHaveBeenCalledWith(input);
    // listen again so that afterEach can close it
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  });

  describe('query', () => {
    const query: QueryCommandInput = {
      TableName: 'members', KeyConditionExpression: '#r = :r', ExpressionAttributeNames: { '#r': 'roomId' },
      ExpressionAttributeValues: { ':r': { S: 'r1' } }, ConsistentRead: true,
    };
    const page = { Items: [{ roomId: { S: 'r1' }, userId: { S: 'u1' }, joinedEpoch: { N: '2' } }], Count: 1,
      LastEvaluatedKey: { roomId: { S: 'r1' }, userId: { S: 'u1' } } };

    it('sends one signed Query and returns the page as DynamoDB sent it', async () => {
      answer = { status: 200, body: JSON.stringify(page) };
      const result = await new DirectRequests(client).query(query);
      expect(seen).toHaveLength(1);
      expect(JSON.parse(seen[0].body)).toEqual(query);
      expect(seen[0].headers['x-amz-target']).toBe('DynamoDB_20120810.Query');
      expect(seen[0].headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);
      expect(result).toEqual(page);
    });

    it('hands any failure to the SDK client, and answers with what it answered', async () => {
      answer = { status: 400, body: JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'slow down' }) };
      const sdkQuery = jest.spyOn(client, 'query').mockResolvedValue(page as never);
      const result = await new DirectRequests(client).query(query);
      expect(sdkQuery).toHaveBeenCalledWith(query);
      expect(result).toEqual(page);
    });
  });
});
