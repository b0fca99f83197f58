import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { DeleteMessageDto, FileShareDto, MarkReadDto, StatusUpdateDto, SyncDto } from '../index';

const id = 'AAAAAAAAAAAAAAAAAAAAAA';
const errorsOf = (cls: new () => object, body: object) =>
  validateSync(plainToInstance(cls, body), { whitelist: true, forbidNonWhitelisted: true }).map((e) => e.property);
const event = {
  v: 1, suite: 'v1', roomId: id, epoch: 1, messageId: id, senderUserId: id, senderDeviceId: id, senderSeq: 0,
  sentAt: 1, ct: 'abc', sig: 'a'.repeat(86),
};

describe('real-time DTOs', () => {
  it.each([
    [SyncDto, { roomId: id, after: 0 }],
    [SyncDto, { roomId: id, after: 5, limit: 100 }],
    [MarkReadDto, { roomId: id, seq: 3 }],
    [DeleteMessageDto, { roomId: id, messageId: id }],
    [StatusUpdateDto, { status: 'away', text: 'lunch' }],
    [FileShareDto, { fileId: id, event }],
  ])('accepts a well-formed %p', (cls, body) => {
    expect(errorsOf(cls, body)).toEqual([]);
  });

  it.each([
    ['sync without after', SyncDto, { roomId: id }, 'after'],
    ['sync over the page limit', SyncDto, { roomId: id, after: 0, limit: 101 }, 'limit'],
    ['a negative read seq', MarkReadDto, { roomId: id, seq: -1 }, 'seq'],
    ['a short messageId', DeleteMessageDto, { roomId: id, messageId: 'x' }, 'messageId'],
    ['an unknown status', StatusUpdateDto, { status: 'asleep' }, 'status'],
    ['a status text over 140 characters', StatusUpdateDto, { status: 'busy', text: 'x'.repeat(141) }, 'text'],
    ['a file share with a broken event', FileShareDto, { fileId: id, event: { ...event, ct: '<b>' } }, 'event'],
    ['an unknown field', MarkReadDto, { roomId: id, seq: 1, plaintext: 'hi' }, 'plaintext'],
  ])('rejects %s', (_name, cls, body, property) => {
    expect(errorsOf(cls, body)).toContain(property);
  });
});
