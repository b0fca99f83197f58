import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AuthUser, type CoreConfig, MemoryBus } from '@parley/server/core';
import { DeviceDirectory } from './device-directory';

const alice: AuthUser = { userId: 'AAAAAAAAAAAAAAAAAAAAAA', username: 'alice', sessionId: 's1', token: 'tok-a' };

/** A stand-in for auth's public profile route that counts the calls and answers after a short delay. */
async function fakeAuth(): Promise<{ server: Server; calls: string[]; config: CoreConfig }> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    calls.push(`${req.url} ${req.headers.authorization}`);
    setTimeout(() => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ userId: alice.userId, devices: [{ deviceId: 'd1' }, { deviceId: 'd2', revoked: true }] }));
    }, 20);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, calls, config: { AUTH_JWKS_URL: `http://127.0.0.1:${port}/api/auth/.well-known/jwks.json` } as CoreConfig };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('DeviceDirectory', () => {
  let auth: Awaited<ReturnType<typeof fakeAuth>>;
  let bus: MemoryBus;
  let directory: DeviceDirectory;
  beforeEach(async () => {
    auth = await fakeAuth();
    bus = new MemoryBus();
    directory = new DeviceDirectory(auth.config, bus);
    await directory.onModuleInit();
  });
  afterEach(() => new Promise((resolve) => auth.server.close(resolve)));

  it('shares calls among a user\'s sockets that connect at once, each read starting after its callers asked',
    async () => {
      const maps = await Promise.all([1, 2, 3, 4, 5].map(() => directory.devicesOf(alice)));

      // The first socket's call, then one more for the four that asked while it ran (it may predate a revocation).
      expect(auth.calls).toEqual([`/api/users/${alice.userId} Bearer tok-a`, `/api/users/${alice.userId} Bearer tok-a`]);
      for (const map of maps) expect([...map]).toEqual([['d1', true], ['d2', false]]);
      maps[0].set('d1', false); // a revocation heard by one socket's copy
      expect(maps[1].get('d1')).toBe(true);
      expect(maps[2].get('d1')).toBe(true);
    });

  it('keeps the answer for the user\'s later sockets until a device of theirs is revoked', async () => {
    await directory.devicesOf(alice);
    await directory.devicesOf(alice);
    expect(auth.calls).toHaveLength(1);

    await bus.publish('user.device.revoked', { userId: alice.userId, deviceId: 'd1', listVersion: 2 });
    await tick();
    await directory.devicesOf(alice);
    expect(auth.calls).toHaveLength(2);
  });

  it('does not hand out a list read while a device was being revoked', async () => {
    const first = directory.devicesOf(alice);
    await bus.publish('user.device.revoked', { userId: alice.userId, deviceId: 'd1', listVersion: 2 });
    await tick(); // the revocation arrives while auth is being asked
    await first;
    expect(auth.calls).toHaveLength(2);
  });

  it('asks auth again for a device it does not know (certified since), even with a kept answer', async () => {
    await directory.devicesOf(alice);
    await expect(directory.assertLive(alice, 'd9')).rejects.toThrow('senderDeviceId is not a live device of yours');
    expect(auth.calls).toHaveLength(2);
    await expect(directory.assertLive(alice, 'd1')).resolves.toBeInstanceOf(Map);
    expect(auth.calls).toHaveLength(2);
  });
});
