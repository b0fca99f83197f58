import { createServer } from 'node:net';
import { freePort, waitFor } from './processes';

describe('test process helpers', () => {
  it('finds a port that can be listened on', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    server.close();
    expect(port).toBeGreaterThan(0);
  });

  it('waits until a check passes', async () => {
    let calls = 0;
    await waitFor('thing', async () => ++calls >= 3, 5_000);
    expect(calls).toBe(3);
  });

  it('gives up after its timeout, naming what it waited for', async () => {
    await expect(waitFor('the flux capacitor', async () => false, 300)).rejects.toThrow(
      'the flux capacitor did not become ready within 300 ms',
    );
  });
});
