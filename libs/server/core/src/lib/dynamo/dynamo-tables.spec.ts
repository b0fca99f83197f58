import type { CoreConfig } from '../config/core.config';
import { DynamoTables } from './dynamo-tables';

describe('DynamoTables.queryAll', () => {
  const tables = new DynamoTables({ AWS_REGION: 'eu-west-1', DYNAMODB_ENDPOINT: 'http://127.0.0.1:9', TABLE_PREFIX: '' } as CoreConfig);
  const input = { TableName: 'members', KeyConditionExpression: '#r = :r', ExpressionAttributeNames: { '#r': 'roomId' },
    ExpressionAttributeValues: { ':r': { S: 'room-1' } } };

  afterEach(() => jest.restoreAllMocks());

  it('reads page after page until DynamoDB returns no LastEvaluatedKey, and returns every item in order', async () => {
    const query = jest.spyOn(tables.client, 'query')
      .mockResolvedValueOnce({ Items: [{ userId: { S: 'a' } }], LastEvaluatedKey: { roomId: { S: 'room-1' }, userId: { S: 'a' } } } as never)
      .mockResolvedValueOnce({ Items: [{ userId: { S: 'b' } }, { userId: { S: 'c' } }] } as never);

    const items = await tables.queryAll(input);

    expect(items).toEqual([{ userId: { S: 'a' } }, { userId: { S: 'b' } }, { userId: { S: 'c' } }]);
    expect(query).toHaveBeenCalledTimes(2);
    expect(query.mock.calls[0][0]).toEqual(input);
    expect(query.mock.calls[1][0]).toEqual({ ...input, ExclusiveStartKey: { roomId: { S: 'room-1' }, userId: { S: 'a' } } });
  });

  it('returns no items for an empty answer', async () => {
    jest.spyOn(tables.client, 'query').mockResolvedValueOnce({} as never);

    await expect(tables.queryAll(input)).resolves.toEqual([]);
  });
});
