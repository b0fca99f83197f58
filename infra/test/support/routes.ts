import type { ServiceName } from '../../lib/config';

/**
 * DESIGN §1 "Routing" as examples: where each request path must land. Both the ALB rules (AWS) and the Caddyfile
 * (compose) are checked against this table, so the two cannot drift apart. `web` is the Angular app.
 */
export const ROUTING_EXAMPLES: readonly [path: string, upstream: ServiceName | 'web'][] = [
  ['/api/auth/prelogin', 'auth'],
  ['/api/auth/.well-known/jwks.json', 'auth'],
  ['/api/users/u1/devices', 'auth'],
  ['/api/users', 'auth'],
  ['/api/rooms', 'rooms'],
  ['/api/rooms/r1', 'rooms'],
  ['/api/rooms/r1/members', 'rooms'],
  ['/api/rooms/r1/epochs/3', 'rooms'],
  ['/api/rooms/r1/messages', 'messaging-gateway'],
  ['/api/rooms/r1/messages/after/42', 'messaging-gateway'],
  ['/api/messages/m1', 'messaging-gateway'],
  ['/socket.io/', 'messaging-gateway'],
  ['/api/files', 'files'],
  ['/api/files/f1/content', 'files'],
  ['/', 'web'],
  ['/rooms/r1', 'web'],
  ['/main-3F2A.js', 'web'],
];

/** An ALB path pattern: `*` any characters (slashes included), `?` one character, case-sensitive. */
export function albPathMatches(pattern: string, path: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(path);
}
