import { ServiceUnavailableException } from '@nestjs/common';
import type { AuthUser } from '@parley/server/core';
import type { DeviceDirectory } from './device-directory';
import type { ParleySocket } from './realtime.repository';
import { SocketDevices } from './socket-devices';

const alice = { userId: 'AAAAAAAAAAAAAAAAAAAAAA', username: 'alice', sessionId: 's1', token: 't' } as AuthUser;
const live = new Map([['d1', true]]);

/** A directory whose answers the test hands out one by one: each call is a promise the test settles. */
function directory() {
  const calls: { resolve: (d: Map<string, boolean>) => void; reject: (e: Error) => void }[] = [];
  const fake = {
    devicesOf: jest.fn(() => new Promise<Map<string, boolean>>((resolve, reject) => calls.push({ resolve, reject }))),
  };
  return { fake: fake as unknown as DeviceDirectory & typeof fake, calls };
}
const socket = () => ({ connected: true, data: { user: alice } }) as unknown as ParleySocket;
const timedOut = () => new ServiceUnavailableException('the auth service did not answer; try again');
const settle = () => new Promise((resolve) => jest.requireActual<typeof import('timers')>('timers').setImmediate(resolve));

describe('SocketDevices', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('gives a send the load in progress, then keeps the list on the socket', async () => {
    const { fake, calls } = directory();
    const devices = new SocketDevices(fake);
    const s = socket();
    devices.load(s);
    const known = devices.known(s);
    calls[0].resolve(live);
    expect(await known).toBe(live);
    expect(s.data.devices).toBe(live);
    expect(fake.devicesOf).toHaveBeenCalledTimes(1);
  });

  it('loads again in the background after a failed load, so the first send need not ask auth', async () => {
    const { fake, calls } = directory();
    const devices = new SocketDevices(fake);
    const s = socket();
    devices.load(s);
    calls[0].reject(timedOut());
    await settle();
    expect(await devices.known(s)).toBeUndefined(); // nothing loading: a send now would ask auth itself

    jest.advanceTimersByTime(1_500); // the first retry comes 0.5–1.5 s later
    expect(fake.devicesOf).toHaveBeenCalledTimes(2);
    calls[1].reject(timedOut());
    await settle();
    jest.advanceTimersByTime(3_000); // the second 1–3 s later
    expect(fake.devicesOf).toHaveBeenCalledTimes(3);
    const known = devices.known(s); // a send while it loads waits for it
    calls[2].resolve(live);
    expect(await known).toBe(live);
    expect(s.data.devices).toBe(live);
    jest.advanceTimersByTime(60_000);
    expect(fake.devicesOf).toHaveBeenCalledTimes(3);
  });

  it('stops after six background loads, and at once for a socket that closed', async () => {
    const { fake, calls } = directory();
    const devices = new SocketDevices(fake);
    const [lasting, closed] = [socket(), socket()];
    devices.load(lasting);
    devices.load(closed);
    calls[0].reject(timedOut());
    calls[1].reject(timedOut());
    await settle();
    devices.forget(closed);
    for (let i = 2; i < 20; i++) {
      jest.advanceTimersByTime(45_000); // longer than any delay
      calls[i]?.reject(timedOut());
      await settle();
    }
    expect(fake.devicesOf).toHaveBeenCalledTimes(2 + 6); // both first loads, then six for the socket still open
  });
});
