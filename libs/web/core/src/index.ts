export * from './lib/api-error';
export * from './lib/api-client';
export * from './lib/auth-interceptor';
export * from './lib/key-store';
export * from './lib/session-store';
export * from './lib/session-guards';
export * from './lib/socket-client';
export * from './lib/profile-cache';
