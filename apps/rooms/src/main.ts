import { Module } from '@nestjs/common';
import { CoreConfig, CoreModule, createApp, listen, loadConfig, startService } from '@parley/server/core';
import { RoomsModule } from '@parley/server/rooms';

startService('rooms', async () => {
  const core = loadConfig(CoreConfig, { PORT: '3002', INSTANCE_ID: 'rooms', ...process.env });

  @Module({ imports: [CoreModule.forRoot({ config: core, service: 'rooms' }), RoomsModule] })
  class AppModule {}

  await listen(await createApp(AppModule, core), core, 'rooms');
});
