import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort, type RunningProcess, waitFor } from './processes';

/**
 * A private Redis (no persistence) on its own port, for tests that kill and restart it without disturbing the
 * shared one. `restart` brings it back empty on the same port, as a failover without replication would.
 */
export async function startRedisServer(port?: number): Promise<RunningProcess & { restart: (downMs: number) => Promise<void> }> {
  const listen = port ?? (await freePort());
  const url = `redis://127.0.0.1:${listen}`;
  const launch = async () => {
    const child = spawn('redis-server', ['--port', String(listen), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    await waitFor(`redis-server on ${listen}`, async () => {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      // A refused connection while the server starts is expected: connect() rejects and waitFor tries again.
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    }, 10_000);
    return child;
  };
  const state = { child: await launch() };
  const stop = () => new Promise<void>((done) => {
    const { child } = state;
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGKILL');
  });
  return {
    name: 'redis', url,
    get child() { return state.child; },
    output: () => '',
    stop,
    restart: async (downMs: number) => {
      await stop();
      await new Promise((r) => setTimeout(r, downMs));
      state.child = await launch();
    },
  };
}
