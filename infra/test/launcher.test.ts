import { spawn } from 'node:child_process';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { APPS, applyKeepAlive, containerEnv, keepAliveMs } from '../docker/launch.cjs';
import { SERVICES } from '../lib/services';
import { ALB_IDLE_TIMEOUT } from '../lib/stacks/edge-stack';

const LAUNCHER = join(__dirname, '../docker/launch.cjs');

/** Runs the launcher as the image does and returns its exit code and output. */
function launch(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [LAUNCHER, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('launch.cjs, the service image\'s entrypoint', () => {
  it('knows the same services and ports as the infrastructure', () => {
    expect(APPS).toEqual(Object.fromEntries(SERVICES.map((s) => [s.name, s.port])));
  });

  it('assembles a TLS REDIS_URL with the AUTH token from the parts ECS injects, and drops the loose token', () => {
    const env = containerEnv('rooms', { REDIS_HOST: 'master.x.cache.amazonaws.com', REDIS_PORT: '6380', REDIS_TLS: 'true', REDIS_AUTH_TOKEN: 'tok' }, 'h');
    expect(env['REDIS_URL']).toBe('rediss://:tok@master.x.cache.amazonaws.com:6380');
    expect(env['REDIS_AUTH_TOKEN']).toBeUndefined();
  });

  it('keeps a REDIS_URL that is set (compose, local runs)', () => {
    expect(containerEnv('rooms', { REDIS_URL: 'redis://redis:6379', REDIS_HOST: 'other' }, 'h')['REDIS_URL']).toBe('redis://redis:6379');
  });

  it('gives each task its own INSTANCE_ID from its host name, unless one is set', () => {
    expect(containerEnv('messaging-gateway', {}, 'ip-10-40-16-5')['INSTANCE_ID']).toBe('messaging-gateway-ip-10-40-16-5');
    expect(containerEnv('messaging-gateway', { INSTANCE_ID: 'gateway-1' }, 'h')['INSTANCE_ID']).toBe('gateway-1');
  });

  it('keeps idle HTTP connections longer than the ALB by default, and refuses nonsense', () => {
    expect(keepAliveMs({})).toBeGreaterThan(ALB_IDLE_TIMEOUT.toMilliseconds());
    expect(keepAliveMs({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '90000' })).toBe(90_000);
    expect(() => keepAliveMs({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '500' })).toThrow(/HTTP_KEEP_ALIVE_TIMEOUT_MS/);
    expect(() => keepAliveMs({ HTTP_KEEP_ALIVE_TIMEOUT_MS: 'soon' })).toThrow(/HTTP_KEEP_ALIVE_TIMEOUT_MS/);
  });

  it('sets the keep-alive on every HTTP server the service starts', async () => {
    const original = Server.prototype.listen;
    try {
      applyKeepAlive(65_000);
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      expect(server.keepAliveTimeout).toBe(65_000);
      expect(server.headersTimeout).toBeGreaterThan(65_000);
      await new Promise((resolve) => server.close(resolve));
    } finally {
      Server.prototype.listen = original;
    }
  });

  it('refuses to start without a known service name', async () => {
    const { code, stderr } = await launch(['chat']);
    expect(code).toBe(64);
    expect(stderr).toContain('usage: node launch.cjs <auth|rooms|messaging-gateway|files>');
  });

  it('passes its health check when /health answers 200, and fails it otherwise', async () => {
    let status = 200;
    const server = createServer((req, res) => {
      res.statusCode = req.url === '/health' ? status : 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = String((server.address() as AddressInfo).port);
    try {
      expect((await launch(['--health'], { PORT: port })).code).toBe(0);
      status = 503;
      expect((await launch(['--health'], { PORT: port })).code).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect((await launch(['--health'], { PORT: port })).code).toBe(1);
  });
});
