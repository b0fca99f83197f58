import { Module } from '@nestjs/common';
import { AuthConfig, AuthModule, setupAuthDocs } from '@parley/server/auth';
import { CoreConfig, CoreModule, createApp, listen, loadConfig, startService } from '@parley/server/core';

startService('auth', async () => {
  const core = loadConfig(CoreConfig, { PORT: '3001', INSTANCE_ID: 'auth', ...process.env });
  const auth = loadConfig(AuthConfig);

  @Module({ imports: [CoreModule.forRoot({ config: core, service: 'auth' }), AuthModule.forRoot(auth)] })
  class AppModule {}

  const app = await createApp(AppModule, core);
  setupAuthDocs(app);
  await listen(app, core, 'auth');
});
