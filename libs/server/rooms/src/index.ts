export * from './lib/rooms.module';
