export * from './lib/files.config';
export * from './lib/files.module';
