import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { AttributeValue, CreateTableCommandInput, QueryCommandInput } from '@aws-sdk/client-dynamodb';
import * as dynamoose from 'dynamoose';
import type { Item } from 'dynamoose/dist/Item';
import type { ModelType } from 'dynamoose/dist/General';
import type { Schema } from 'dynamoose/dist/Schema';
import { CoreConfig } from '../config/core.config';
import { CORE_CONFIG } from '../config/tokens';
import { DirectRequests } from './direct-requests';
import { skipDynamooseRequestLog } from './dynamoose-request-log';
import { KeyObjectSha256 } from './key-object-sha256';

/**
 * The DynamoDB connection and every table of this process. Models are made with `initialize: false` and set up
 * here, once, before the app listens: a failed background table setup would otherwise kill the process.
 * Locally the tables are created (DYNAMODB_CREATE_TABLES); in AWS, CDK owns them.
 */
@Injectable()
export class DynamoTables implements OnModuleInit {
  private readonly logger = new Logger(DynamoTables.name);
  private readonly models: ModelType<Item>[] = [];
  readonly client: InstanceType<typeof dynamoose.aws.ddb.DynamoDB>;
  /** The same client's credentials, region and endpoint, without its middleware (see DirectRequests). */
  readonly direct: DirectRequests;

  constructor(@Inject(CORE_CONFIG) private readonly config: CoreConfig) {
    const local = config.DYNAMODB_ENDPOINT !== undefined;
    this.client = new dynamoose.aws.ddb.DynamoDB({
      region: config.AWS_REGION,
      // SigV4's HMACs with KeyObject keys: see KeyObjectSha256 (the same hashes, cheaper on Node 24).
      sha256: KeyObjectSha256,
      ...(local && {
        endpoint: config.DYNAMODB_ENDPOINT,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    });
    this.direct = new DirectRequests(this.client);
    dynamoose.aws.ddb.set(this.client);
    if (!skipDynamooseRequestLog()) this.logger.warn('dynamoose has changed: its per-request debug log still runs');
  }

  /** Defines the model of table `<TABLE_PREFIX><name>`; call from a repository's constructor. */
  define<T extends Item>(name: string, schema: Schema): ModelType<T> {
    // Table creation is ours (see ensureTable): dynamoose's own flow fails when two instances race to create.
    const model = dynamoose.model<T>(this.config.TABLE_PREFIX + name, schema, {
      create: false,
      update: false,
      initialize: false,
      throughput: 'ON_DEMAND',
      waitForActive: false,
    });
    this.models.push(model as unknown as ModelType<Item>);
    return model;
  }

  async onModuleInit(): Promise<void> {
    for (const model of this.models) {
      if (this.config.DYNAMODB_CREATE_TABLES) await this.ensureTable(model);
      await model.table().initialize();
    }
    this.logger.log({ tables: this.models.map((m) => m.table().name) }, 'DynamoDB tables ready');
  }

  /**
   * Creates a missing table and waits until it and its indexes are ACTIVE. Two instances starting together (two
   * gateways) may both try; the loser's ResourceInUseException just means the table is on its way.
   */
  private async ensureTable(model: ModelType<Item>): Promise<void> {
    const request = (await model.table().create({ return: 'request' })) as unknown as CreateTableCommandInput;
    try {
      await this.client.createTable(request);
    } catch (err) {
      if ((err as { name?: string }).name !== 'ResourceInUseException') throw err;
    }
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { Table } = await this.client.describeTable({ TableName: request.TableName });
      const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
      if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
      if (Date.now() > deadline) throw new Error(`table ${request.TableName} did not become ACTIVE within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /**
   * Every item a query matches, page after page, as DynamoDB returns them (attribute values), without dynamoose's
   * per-item schema walk and the SDK client's middleware (DirectRequests): for the reads every connection makes (a
   * profile of the rooms service in the benchmark's connect storm put that walk at 27 % of its time,
   * docs/PERFORMANCE.md). The caller maps the attributes it needs; values are in DynamoDB's wire form (DirectQueryPage).
   */
  async queryAll(input: QueryCommandInput): Promise<Record<string, AttributeValue>[]> {
    const items: Record<string, AttributeValue>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.direct.query({ ...input, ...(start && { ExclusiveStartKey: start }) });
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** For readiness checks: one cheap call that needs the endpoint and the credentials. */
  async ping(): Promise<void> {
    await this.client.listTables({ Limit: 1 });
  }
}

/** True when a DynamoDB write failed only because its condition did not hold. */
export function isConditionFailed(err: unknown): boolean {
  const name = (err as { name?: string; code?: string } | undefined)?.name;
  return name === 'ConditionalCheckFailedException' || (err as { code?: string })?.code === 'ConditionalCheckFailedException';
}
