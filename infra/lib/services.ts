import type { ServiceName } from './config';

/** One Fargate service: its port, its public paths (DESIGN §1 "Routing"), whom it calls. */
export interface ServiceSpec {
  readonly name: ServiceName;
  /** Short id for construct ids and log groups. */
  readonly id: string;
  readonly port: number;
  /**
   * ALB listener rules, each a set of path patterns (an ALB rule holds at most five condition values, one of
   * which is the CloudFront origin header), in priority order across all services.
   */
  readonly routes: readonly { readonly priority: number; readonly paths: readonly string[] }[];
  /** socket.io's polling fallback needs every request of one client on one task. */
  readonly sticky: boolean;
  /** Services this one calls over the internal network (Cloud Map names). */
  readonly calls: readonly ServiceName[];
  /** Request-count scaling fits request/response services; sockets are long-lived, so the gateway scales on them. */
  readonly scaleOn: 'requests' | 'sockets';
  /** The only service that touches the blob bucket. */
  readonly blobs?: true;
  /** Secrets injected as environment variables. */
  readonly secrets: readonly ('jwt' | 'prelogin' | 'redis')[];
}

export const SERVICES: readonly ServiceSpec[] = [
  {
    name: 'auth', id: 'Auth', port: 3001,
    routes: [{ priority: 10, paths: ['/api/auth', '/api/auth/*', '/api/users', '/api/users/*'] }],
    sticky: false, calls: ['auth'], scaleOn: 'requests', secrets: ['jwt', 'prelogin', 'redis'],
  },
  {
    name: 'messaging-gateway', id: 'Gateway', port: 3003,
    // Before the rooms rule: a room's messages belong to the gateway, the rest of /api/rooms to rooms.
    routes: [
      { priority: 20, paths: ['/api/rooms/*/messages', '/api/rooms/*/messages/*', '/api/messages', '/api/messages/*'] },
      { priority: 21, paths: ['/socket.io', '/socket.io/*'] },
    ],
    sticky: true, calls: ['auth', 'rooms'], scaleOn: 'sockets', secrets: ['redis'],
  },
  {
    name: 'rooms', id: 'Rooms', port: 3002,
    routes: [{ priority: 30, paths: ['/api/rooms', '/api/rooms/*'] }],
    sticky: false, calls: ['auth'], scaleOn: 'requests', secrets: ['redis'],
  },
  {
    name: 'files', id: 'Files', port: 3004,
    routes: [{ priority: 40, paths: ['/api/files', '/api/files/*'] }],
    sticky: false, calls: ['auth', 'rooms'], scaleOn: 'requests', blobs: true, secrets: ['redis'],
  },
];

export const serviceNamed = (name: ServiceName): ServiceSpec => {
  const spec = SERVICES.find((s) => s.name === name);
  if (!spec) throw new Error(`no service ${name}`);
  return spec;
};

/** Private DNS namespace the tasks find each other in (Cloud Map, A records of the tasks). */
export const INTERNAL_DOMAIN = 'parley.internal';
export const internalUrl = (name: ServiceName): string => `http://${name}.${INTERNAL_DOMAIN}:${serviceNamed(name).port}`;

/**
 * Application metrics the gateway publishes on /metrics (libs/server/messaging/src/lib/messaging.metrics.ts), scraped
 * into CloudWatch. Events in counts every client event (message:send is most of them).
 */
export const METRICS = {
  namespace: 'Parley',
  connectedSockets: 'parley_gateway_connected_sockets',
  messagesIn: 'parley_gateway_events_in_total',
} as const;
