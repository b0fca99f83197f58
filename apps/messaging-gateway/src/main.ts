import { Module } from '@nestjs/common';
import { CoreConfig, CoreModule, createApp, listen, loadConfig, startService } from '@parley/server/core';
import { MessagingModule, setupMessagingDocs } from '@parley/server/messaging';

startService('messaging-gateway', async () => {
  const core = loadConfig(CoreConfig, { PORT: '3003', INSTANCE_ID: 'gateway', ...process.env });

  @Module({ imports: [CoreModule.forRoot({ config: core, service: 'messaging-gateway' }), MessagingModule] })
  class AppModule {}

  const app = await createApp(AppModule, core);
  setupMessagingDocs(app);
  await listen(app, core, 'messaging-gateway');
});
