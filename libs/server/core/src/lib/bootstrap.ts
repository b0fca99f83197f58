import { type INestApplication, type Type, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import type { CoreConfig } from './config/core.config';
import { ConfigError } from './config/load-config';
import { RedisConnections } from './redis/redis-connections';
import { ParleyIoAdapter } from './socket/parley-io-adapter';

/** Body size limit for JSON: the largest legitimate body is an epoch envelope for a big room. */
const JSON_LIMIT = '512kb';
/** API answers are JSON: they may load nothing and be framed by nobody. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/** The OpenAPI pages (`/api/<service>/docs`) load their own scripts and styles, nothing else. */
const DOCS_CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; "
  + "base-uri 'self'; form-action 'self'; object-src 'none'";

/** Creates an app with the settings every service shares (validation, logs, sockets, shutdown). */
export async function createApp(module: Type<unknown>, config: CoreConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(Logger));
  // helmet's headers everywhere (HSTS, nosniff, frame and opener policies, no referrer). The CSP of the web app
  // is the web app's own (its index.html); API and health responses get the strictest one here.
  app.use(helmet({ contentSecurityPolicy: false, referrerPolicy: { policy: 'no-referrer' } }));
  app.use(['/api', '/health'], (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Content-Security-Policy', /^\/[a-z-]+\/docs/.test(req.path) ? DOCS_CSP : API_CSP);
    next();
  });
  app.useBodyParser('json', { limit: JSON_LIMIT });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useWebSocketAdapter(new ParleyIoAdapter(app, config, app.get(RedisConnections)));
  app.set('trust proxy', 'loopback');
  app.disable('x-powered-by');
  app.enableShutdownHooks();
  return app;
}

/** `main.ts` of every service: create, listen, say where. */
export async function listen(app: INestApplication, config: CoreConfig, name: string): Promise<void> {
  await app.listen(config.PORT, config.HOST);
  app.get(Logger).log(`${name} listening on http://${config.HOST}:${config.PORT}`);
}

/** Runs a service's start; a bad configuration prints its one clear message, anything else its error. */
export function startService(name: string, start: () => Promise<void>): void {
  start().catch((err: unknown) => {
    if (err instanceof ConfigError) console.error(`${name} refused to start. ${err.message}`);
    else console.error(`${name} failed to start:`, err);
    process.exit(1);
  });
}
