import { type INestApplicationContext, Logger } from '@nestjs/common';
import { isFunction, isNil } from '@nestjs/common/utils/shared.utils';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { filter, type Observable } from 'rxjs';
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

/** The Socket type of the socket.io copy that @nestjs/platform-socket.io brings. */
type NestSocket = Parameters<IoAdapter['bindMessageHandlers']>[0];

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

  /**
   * One plain listener per socket instead of Nest's rxjs pipeline per handler per socket (fromEvent, mergeMap,
   * takeUntil: about 40 subscribers and 230 closures per socket for the gateway's handlers, most of the memory an
   * idle socket costs: tools/bench, scenario C). One `onAny` listener rather than one per event: a heap snapshot of
   * 2 000 idle sockets put the ten listeners, their contexts and the socket's listener table at about 1.5 KiB of the
   * 5 KiB a Parley socket holds beyond bare socket.io's. The contract is Nest's: the handler's result is the ack, or
   * is emitted when it is a WsResponse (`{event, data}`); events without a handler are ignored, as before.
   */
  override bindMessageHandlers(socket: NestSocket, handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>): void {
    socket.onAny((message: string, ...args: unknown[]) => {
      const handler = handlers.find((h) => h.message === message);
      if (!handler) return;
      const { callback, isAckHandledManually } = handler;
      // What rxjs' fromEvent would have passed on: the argument itself, or all of them as an array.
      const { data, ack } = this.mapPayload(args.length === 1 ? args[0] : args);
      transform(callback(data, ack)).pipe(filter((response) => !isNil(response))).subscribe({
        next: (response) => {
          const { event, data: payload } = response as { event?: string; data?: unknown };
          if (event) socket.emit(event, payload);
          else if (!isAckHandledManually && isFunction(ack)) ack(response);
        },
        // Handlers answer their own errors (error acks); this is a last guard that keeps the socket's listener alive.
        error: (err: unknown) => this.logger.error({ err, event: message }, 'socket handler failed'),
      });
    });
  }

  private readonly logger = new Logger(ParleyIoAdapter.name);
}
