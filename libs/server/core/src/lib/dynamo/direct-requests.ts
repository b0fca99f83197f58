import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AttributeValue, DynamoDB, PutItemCommandInput, QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import { KeyObjectSha256 } from './key-object-sha256';

/** Longer than any healthy request; one that takes this long is handed to the SDK (which has its own policy). */
const TIMEOUT_MS = 5_000;

/** What DynamoDB answered a direct request with, when it was not a success. */
class DirectRequestError extends Error {
  constructor(readonly status: number, readonly type: string, message: string) {
    super(message);
    // The SDK's error names, so that callers test one shape (isConditionFailed).
    this.name = type;
  }
}

/**
 * A page of a query as DynamoDB sends it. Attribute values are in their wire form, which is the SDK's for strings,
 * numbers, booleans, lists and maps; binary values stay base64 strings (no table read this way has any).
 */
export interface DirectQueryPage {
  Items?: Record<string, AttributeValue>[];
  LastEvaluatedKey?: Record<string, AttributeValue>;
}

interface Target {
  url: URL;
  signer: SignatureV4;
}

/**
 * DynamoDB requests without the SDK client's middleware stack: the conditional PutItem every message makes, and
 * the queries every socket's connect and `room:join` make (room members, a user's rooms, receipts, a room's highest
 * seq).
 *
 * Why: tools/bench/ddb-floor.mjs measured the client CPU of one PutItem against DynamoDB Local at 0.79 ms through
 * dynamoose's request and the SDK client, 0.51 ms through the bare SDK client, and 0.24 ms signed by the SDK's own
 * SigV4 signer and sent over a keep-alive agent (0.13 ms unsigned): the middleware, not the signing, is the cost.
 * (dynamoose's own `create` cost 1.09 ms.) A sampling allocation profile of the connect storm (tools/bench,
 * scenario C) put the SDK at about 100 KiB allocated per query, a third of everything the gateway allocated.
 *
 * What stays the SDK's: the signer (given KeyObjectSha256 for its hashes: the same SHA-256, cheaper HMAC keys), the
 * credentials (the client's provider chain, cached and refreshed by the SDK: task role in AWS), the endpoint (the
 * client's, or its endpoint rules for the region). Anything but a success (or, for a put, a failed condition) —
 * throttling, a 5xx, expired credentials, a refused connection, a timeout — is sent again through the SDK client
 * itself, with its retry policy and its typed errors. A put's first attempt that did land then shows as a failed
 * condition, which callers of a conditional put already handle as "written before"; a query has no effect to repeat.
 */
export class DirectRequests {
  private target?: Promise<Target>;
  private readonly agents = {
    'http:': new HttpAgent({ keepAlive: true, maxSockets: 64 }),
    'https:': new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
  };

  constructor(private readonly client: DynamoDB) {}

  async put(input: PutItemCommandInput): Promise<void> {
    try {
      await this.send('PutItem', JSON.stringify(input));
    } catch (err) {
      if (err instanceof DirectRequestError && err.type === 'ConditionalCheckFailedException') throw err;
      await this.client.putItem(input);
    }
  }

  /** One page of a query. */
  async query(input: QueryCommandInput): Promise<DirectQueryPage> {
    let text: string;
    try {
      text = await this.send('Query', JSON.stringify(input));
    } catch {
      return this.client.query(input);
    }
    return JSON.parse(text) as DirectQueryPage;
  }

  /** Signs and posts one request; resolves with the body of a 200, throws DirectRequestError for anything else. */
  private async send(operation: 'PutItem' | 'Query', body: string): Promise<string> {
    // A failed resolution (credentials or region not there yet) is not kept: the next request tries again.
    const { url, signer } = await (this.target ??= this.resolve().catch((err: unknown) => {
      this.target = undefined;
      throw err;
    }));
    const signed = await signer.sign({
      method: 'POST', protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined,
      path: url.pathname, query: {}, body,
      headers: {
        host: url.host, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${operation}`,
        'content-length': String(Buffer.byteLength(body)),
      },
    });
    const { status, text } = await this.post(url, signed.headers, body);
    if (status === 200) return text;
    const answer = parseError(text);
    throw new DirectRequestError(status, answer.type, answer.message);
  }

  private post(url: URL, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
    const https = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)({
        protocol: url.protocol, hostname: url.hostname, port: url.port || undefined, method: 'POST', path: url.pathname,
        headers: headers as IncomingHttpHeaders, agent: this.agents[https ? 'https:' : 'http:'], timeout: TIMEOUT_MS,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer from DynamoDB within ${TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  private async resolve(): Promise<Target> {
    const config = this.client.config;
    const region = await config.region();
    const custom = await config.endpoint?.();
    const url = custom
      ? new URL(`${custom.protocol}//${custom.hostname}${custom.port ? `:${custom.port}` : ''}${custom.path}`)
      : new URL(config.endpointProvider({ Region: region, UseFIPS: false, UseDualStack: false }).url.href);
    const signer = new SignatureV4({ service: 'dynamodb', region, credentials: config.credentials,
      sha256: KeyObjectSha256 });
    return { url, signer };
  }
}

/** DynamoDB's JSON error body: `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", …}`. */
function parseError(text: string): { type: string; message: string } {
  try {
    const body = JSON.parse(text) as { __type?: string; message?: string; Message?: string };
    return { type: body.__type?.split('#').pop() ?? 'UnknownError', message: body.message ?? body.Message ?? text };
  } catch {
    return { type: 'UnknownError', message: text.slice(0, 200) };
  }
}
