import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { IncomingMessage } from 'node:http';
import type { Server, ServerOptions } from 'socket.io';
import { SOCKET_PATH } from '@parley/shared/contracts';
import type { CoreConfig } from '../config/core.config';
import type { RedisConnections } from '../redis/redis-connections';

/** Browsers may open sockets only from our own origin; non-browser clients (bots, tests) send no Origin. */
export function isAllowedOrigin(req: IncomingMessage, allowed: string[]): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * socket.io with the Redis adapter when REDIS_URL is set (events reach sockets on every gateway instance),
 * the in-memory adapter otherwise (one process).
 */
export class ParleyIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: CoreConfig,
    private readonly redis: RedisConnections,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const allowed = this.config.PUBLIC_ORIGIN.split(',').map((o) => o.trim());
    const server: Server = super.createIOServer(port, {
      ...options,
      path: SOCKET_PATH,
      transports: ['websocket', 'polling'],
      serveClient: false,
      maxHttpBufferSize: 128 * 1024,
      allowRequest: (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void) => callback(null, isAllowedOrigin(req, allowed)),
    });
    if (this.redis.enabled) {
      const pub = this.redis.connect('io-pub');
      // At most once: a PUBLISH in flight when Redis fails may already have been delivered, and sending it again
      // after the reconnect would deliver a message twice. One lost live delivery is what `sync` recovers.
      pub.options.autoResendUnfulfilledCommands = false;
      server.adapter(createAdapter(pub, this.redis.connect('io-sub')));
    }
    return server;
  }
}
