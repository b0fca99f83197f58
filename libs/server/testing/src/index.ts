export * from './lib/processes';
export * from './lib/test-client';
