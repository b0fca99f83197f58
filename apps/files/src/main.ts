import { Module } from '@nestjs/common';
import { CoreConfig, CoreModule, createApp, listen, loadConfig, startService } from '@parley/server/core';
import { FilesConfig, FilesModule } from '@parley/server/files';

startService('files', async () => {
  const core = loadConfig(CoreConfig, { PORT: '3004', INSTANCE_ID: 'files', ...process.env });
  const files = loadConfig(FilesConfig);

  @Module({ imports: [CoreModule.forRoot({ config: core, service: 'files' }), FilesModule.forRoot(files)] })
  class AppModule {}

  await listen(await createApp(AppModule, core), core, 'files');
});
