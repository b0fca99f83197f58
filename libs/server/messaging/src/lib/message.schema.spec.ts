import * as dynamoose from 'dynamoose';
import type { StoredMessage } from '@parley/shared/contracts';
import { type MessageItem, messageItem, messageSchema } from './message.schema';

describe('messageItem', () => {
  const model = dynamoose.model<MessageItem>('schema-spec-messages', messageSchema,
    { create: false, update: false, initialize: false, waitForActive: false });
  const message: StoredMessage = {
    v: 1, suite: 'v1', roomId: 'r'.repeat(22), epoch: 3, messageId: 'm'.repeat(22), senderUserId: 'u'.repeat(22),
    senderDeviceId: 'd'.repeat(22), senderSeq: 7, sentAt: 1_764_000_000_123, ct: 'Y2lwaGVydGV4dA', sig: 'c2ln',
    seq: 42, receivedAt: 1_764_000_000_456,
  };

  it('is the item dynamoose builds from the schema for the same message', async () => {
    const { seq, receivedAt, ...event } = message;
    const request = await model.create(
      { roomId: event.roomId, seq, messageId: event.messageId, senderUserId: event.senderUserId, receivedAt,
        event: JSON.stringify(event) },
      { overwrite: false, return: 'request' },
    ) as unknown as { Item: unknown };
    expect(messageItem(message)).toEqual(request.Item);
  });

  it('leaves the seq, the receive time and a tombstone mark out of the stored event', () => {
    const item = messageItem({ ...message, deleted: true });
    const event = JSON.parse(item['event'].S ?? '') as Record<string, unknown>;
    expect(event).not.toHaveProperty('seq');
    expect(event).not.toHaveProperty('receivedAt');
    expect(event).not.toHaveProperty('deleted');
    expect(event['ct']).toBe('Y2lwaGVydGV4dA');
    expect(item['seq']).toEqual({ N: '42' });
  });
});
