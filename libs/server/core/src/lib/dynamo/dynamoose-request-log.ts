import type { DynamoDB } from '@aws-sdk/client-dynamodb';

/** dynamoose's one function through which every request it makes goes (dynamoose 4: `dist/aws/ddb/internal`). */
interface RequestModule {
  default: (instance: { aws: { ddb: () => DynamoDB } }, method: string, params: unknown) => Promise<unknown>;
}

/**
 * Makes dynamoose send its requests without its debug log. dynamoose 4 sends every request through one function
 * that, before and after the call, pretty-prints the request and the response (`JSON.stringify(…, null, 4)`) and
 * `require()`s the optional package `dynamoose-logger`, which is not installed: a failed module resolution, twice
 * per request. A profile of the rooms and auth services during the benchmark's connect storm (docs/PERFORMANCE.md)
 * put Node's module loader at 10–11 % of their time and dynamoose at 23 %; a page of history would be pretty-printed
 * whole. The replacement makes the same call without the log. Returns false (and changes nothing) when the module
 * does not have the shape this was written for: then a dynamoose upgrade has moved it, and the unit test fails.
 */
export function skipDynamooseRequestLog(): boolean {
  const requests = require('dynamoose/dist/aws/ddb/internal') as Partial<RequestModule>;
  if (typeof requests.default !== 'function') return false;
  requests.default = (instance, method, params) =>
    (instance.aws.ddb() as unknown as Record<string, (p: unknown) => Promise<unknown>>)[method](params);
  return true;
}
