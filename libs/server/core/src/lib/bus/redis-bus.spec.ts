import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { RedisBus } from './redis-bus';

/** Against the Redis the tests run with (127.0.0.1:6379, started by .ci/run). */
const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

describe('RedisBus', () => {
  const connections: Redis[] = [];
  const connect = () => {
    const redis = new Redis(url, { lazyConnect: false });
    connections.push(redis);
    return redis;
  };
  afterAll(() => Promise.all(connections.map((c) => c.quit())));

  it('delivers an event to another instance and says when its subscriber is back after a lost connection', async () => {
    const subscriber = connect();
    const listening = new RedisBus(connect(), subscriber);
    const sending = new RedisBus(connect(), connect());
    let hear!: (payload: unknown) => void;
    const heard = new Promise((resolve) => (hear = resolve));
    await listening.subscribe('room.epoch.created', hear); // resolves once Redis has confirmed the subscription
    await sending.publish('room.epoch.created', { roomId: 'r1', epoch: 2 });
    expect(await heard).toEqual({ roomId: 'r1', epoch: 2 });

    const resumed = new Promise<void>((resolve) => listening.onResumed(resolve));
    subscriber.disconnect(true); // drops the connection; ioredis reconnects and re-subscribes
    await resumed; // only once Redis has confirmed the subscription again: a publish now must arrive
    const again = new Promise((resolve) => void listening.subscribe('room.epoch.created', resolve));
    await sending.publish('room.epoch.created', { roomId: 'r1', epoch: 3 });
    expect(await again).toEqual({ roomId: 'r1', epoch: 3 });
  });

  it('says it is back only once Redis has confirmed the subscriptions again, not at ioredis\'s "ready"', async () => {
    // A stand-in subscriber: ioredis emits 'ready' before its own re-subscription has reached Redis.
    const confirmations: (() => void)[] = [];
    const subscriber = Object.assign(new EventEmitter(), {
      subscribe: jest.fn(() => new Promise<void>((resolve) => confirmations.push(resolve))),
    });
    const bus = new RedisBus(connect(), subscriber as unknown as Redis);
    const subscribed = bus.subscribe('room.epoch.created', () => undefined);
    confirmations.shift()?.();
    await subscribed;
    let resumed = 0;
    bus.onResumed(() => resumed++);

    subscriber.emit('ready');
    await new Promise((r) => setImmediate(r));
    expect(subscriber.subscribe).toHaveBeenLastCalledWith('parley:bus:room.epoch.created');
    expect(resumed).toBe(0);
    confirmations.shift()?.();
    await new Promise((r) => setImmediate(r));
    expect(resumed).toBe(1);
  });
});
