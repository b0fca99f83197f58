// class-transformer's @Type reads design-time metadata, in the browser as on the server.
import 'reflect-metadata';

export * from './lib/limits';
export * from './lib/routes';
export * from './lib/device-cert.dto';
export * from './lib/auth.dto';
export * from './lib/room.dto';
export * from './lib/message.dto';
export * from './lib/file.dto';
export * from './lib/socket-events';
export * from './lib/bus-events';
export * from './lib/session.dto';
export * from './lib/realtime.dto';
export * from './lib/account.dto';
