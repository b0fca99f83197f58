export * from './lib/messaging.module';
export * from './lib/messaging-docs';
