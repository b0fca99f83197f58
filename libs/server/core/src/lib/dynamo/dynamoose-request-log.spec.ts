import type { DynamoDB } from '@aws-sdk/client-dynamodb';
import * as dynamoose from 'dynamoose';
import { skipDynamooseRequestLog } from './dynamoose-request-log';

describe('skipDynamooseRequestLog', () => {
  const model = dynamoose.model('request-log-users', new dynamoose.Schema({ userId: { type: String, hashKey: true }, name: String }),
    { create: false, update: false, initialize: false, waitForActive: false });
  const getItem = jest.fn();

  beforeAll(async () => {
    dynamoose.aws.ddb.set({ getItem } as unknown as DynamoDB);
    await model.table().initialize(); // no request: the table is neither created, updated nor waited for
  });

  afterEach(() => jest.restoreAllMocks());

  it('sends dynamoose requests as before, without pretty-printing request and response', async () => {
    expect(skipDynamooseRequestLog()).toBe(true);
    getItem.mockResolvedValue({ Item: { userId: { S: 'u1' }, name: { S: 'Ada' } } });
    const stringify = jest.spyOn(JSON, 'stringify');

    const user = await model.get('u1');

    expect(user?.toJSON()).toEqual({ userId: 'u1', name: 'Ada' });
    expect(getItem).toHaveBeenCalledWith({ TableName: 'request-log-users', Key: { userId: { S: 'u1' } } });
    expect(stringify.mock.calls.filter((call) => call[2] === 4)).toEqual([]);
  });

  it("passes the client's errors on unchanged", async () => {
    skipDynamooseRequestLog();
    const refused = Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
    getItem.mockRejectedValue(refused);

    await expect(model.get('u2')).rejects.toBe(refused);
  });
});
