import { MemoryBus } from './memory-bus';

describe('MemoryBus', () => {
  it('delivers a published event to every subscriber of its channel', async () => {
    const bus = new MemoryBus();
    const got: string[] = [];
    await bus.subscribe('room.member.added', (e) => void got.push(`a:${e.userId}`));
    await bus.subscribe('room.member.added', (e) => void got.push(`b:${e.userId}`));
    await bus.subscribe('room.member.removed', (e) => void got.push(`wrong:${e.userId}`));
    await bus.publish('room.member.added', { roomId: 'r', userId: 'u1', by: 'o' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(got.sort()).toEqual(['a:u1', 'b:u1']);
  });

  it('hands each subscriber its own copy, as a real bus would', async () => {
    const bus = new MemoryBus();
    const payload = { roomId: 'r', epoch: 1 };
    let received: unknown;
    await bus.subscribe('room.epoch.created', (e) => void (received = e));
    await bus.publish('room.epoch.created', payload);
    await new Promise((resolve) => setImmediate(resolve));
    expect(received).toEqual(payload);
    expect(received).not.toBe(payload);
  });
});
