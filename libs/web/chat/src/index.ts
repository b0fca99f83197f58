export * from './lib/chat-page';
export * from './lib/chat-store';
export * from './lib/chat-message';
export * from './lib/room-crypto';
export * from './lib/trust';
