export * from './lib/processes';
export * from './lib/test-client';
export * from './lib/system';
export * from './lib/socket-events';
export * from './lib/redis-server';
