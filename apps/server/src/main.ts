import { Module } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AuthConfig, AuthModule, setupAuthDocs } from '@parley/server/auth';
import { CoreConfig, CoreModule, createApp, loadConfig, startService } from '@parley/server/core';
import { FilesConfig, FilesModule } from '@parley/server/files';
import { MessagingModule, setupMessagingDocs } from '@parley/server/messaging';
import { RoomsModule } from '@parley/server/rooms';
import { startEmbeddedDynamo } from './embedded-dynamo';
import { ServerConfig } from './server.config';

/** One process, four modules (DESIGN §1): what `npm start` runs. Needs nothing but Node. */
startService('parley', async () => {
  const server = loadConfig(ServerConfig);
  const dataDir = resolve(server.DATA_DIR);
  const webDist = resolve(server.WEB_DIST);
  const dynamo = await startEmbeddedDynamo(join(dataDir, 'dynamodb'));
  const self = `http://127.0.0.1:${server.PORT}`;
  const core = loadConfig(CoreConfig, {
    ...process.env,
    PORT: String(server.PORT),
    INSTANCE_ID: 'one-process',
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    DYNAMODB_CREATE_TABLES: 'true',
    REDIS_URL: '', // in-memory bus and socket adapter
    AUTH_JWKS_URL: `${self}/api/auth/.well-known/jwks.json`,
    ROOMS_URL: self,
    PUBLIC_ORIGIN: process.env['PUBLIC_ORIGIN'] ?? `http://localhost:${server.PORT}`,
  });
  const auth = loadConfig(AuthConfig, { DEV_SECRETS_DIR: join(dataDir, 'secrets'), ...process.env });
  const files = loadConfig(FilesConfig, { ...process.env, BLOB_DIR: join(dataDir, 'blobs') });
  const hasWeb = existsSync(join(webDist, 'index.html'));

  @Module({
    imports: [
      CoreModule.forRoot({ config: core, service: 'parley' }),
      AuthModule.forRoot(auth),
      RoomsModule,
      MessagingModule,
      FilesModule.forRoot(files),
      ...(hasWeb
        ? [ServeStaticModule.forRoot({ rootPath: webDist, exclude: ['/api/{*path}', '/socket.io/{*path}', '/health{*path}'] })]
        : []),
    ],
  })
  class ServerModule {}

  const app = await createApp(ServerModule, core);
  setupAuthDocs(app);
  setupMessagingDocs(app);
  app.enableShutdownHooks();
  process.once('beforeExit', () => void dynamo.close());
  await app.listen(core.PORT, core.HOST);
  if (!hasWeb) console.warn(`No web app at ${webDist}: build it with "npx nx build web". The API runs anyway.`);
  console.log(`\n  Parley is running at http://localhost:${core.PORT}\n`);
});
