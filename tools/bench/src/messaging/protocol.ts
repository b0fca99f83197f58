import type { WindowResult } from './stats';

/** Orchestrator → generator requests (over the fork IPC channel); each gets one reply with the same id. */
export type Request =
  | { type: 'setup'; mode: 'parley' | 'baseline'; users: number; roomSize: number; prefix: string;
      endpoints?: { auth: string; rooms: string } }
  /** One socket per user, spread over `gateways` by the user's place in its room; each joins its room. */
  | { type: 'connect'; gateways: string[] }
  /** Encrypts `perUser` messages for every user, before the timed window. */
  | { type: 'prepare'; perUser: number }
  /** Sends at `rate` msgs/s (this generator's share) for `seconds`, then waits up to `drainMs` for the rest. */
  | { type: 'run'; rate: number; seconds: number; drainMs: number }
  | { type: 'disconnect' }
  /** `sockets` more sockets to `gateway`, users taken in turn, each joined to its room (scenario C). */
  | { type: 'idle'; gateway: string; sockets: number };

export type Reply =
  | { type: 'ok'; ms: number; detail?: string }
  | { type: 'window'; result: WindowResult }
  | { type: 'error'; message: string };

export interface Envelope<T> {
  id: number;
  body: T;
}
