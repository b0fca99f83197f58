import dynalite from 'dynalite';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';

/**
 * dynalite (pure Node, LevelDB on disk) on a loopback port: the DynamoDB API with nothing to install.
 * Storage code keeps to what dynalite supports (DESIGN §2).
 */
export async function startEmbeddedDynamo(path: string): Promise<{ endpoint: string; close: () => Promise<void> }> {
  await mkdir(path, { recursive: true });
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
