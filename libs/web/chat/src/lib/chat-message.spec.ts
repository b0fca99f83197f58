import { mergeMessage, type ChatMessage } from './chat-message';

const msg = (messageId: string, seq: number | null, over: Partial<ChatMessage> = {}): ChatMessage => ({
  messageId, roomId: 'r', senderUserId: 'u', senderName: 'U', body: messageId, sentAt: seq ?? 100, seq, own: false,
  status: 'sent', ...over,
});
const ids = (list: ChatMessage[]) => list.map((m) => m.messageId);

describe('mergeMessage', () => {
  it('keeps one entry per messageId, in seq order, with unacknowledged ones at the end', () => {
    let list: ChatMessage[] = [];
    for (const m of [msg('c', 3), msg('mine', null, { own: true, status: 'sending' }), msg('a', 1), msg('c', 3), msg('b', 2)]) {
      list = mergeMessage(list, m);
    }
    expect(ids(list)).toEqual(['a', 'b', 'c', 'mine']);
  });

  it('returns the same array when the message is known (no re-render)', () => {
    const list = [msg('a', 1)];
    expect(mergeMessage(list, msg('a', 1))).toBe(list);
  });

  it('lets my optimistic copy learn its seq and that it arrived, keeping my text', () => {
    const list = [msg('b', 2), msg('mine', null, { own: true, status: 'sending', body: 'my words' })];
    const merged = mergeMessage(list, msg('mine', 1, { own: true, body: 'decrypted again' }));

    expect(merged.map((m) => [m.messageId, m.seq, m.status, m.body])).toEqual([
      ['mine', 1, 'sent', 'my words'],
      ['b', 2, 'sent', 'b'],
    ]);
  });

  it('turns a known message into a tombstone', () => {
    const merged = mergeMessage([msg('a', 1)], msg('a', 1, { status: 'deleted', body: null }));
    expect(merged[0]).toEqual(expect.objectContaining({ status: 'deleted', body: null }));
  });
});
