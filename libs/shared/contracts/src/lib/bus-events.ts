/**
 * Events between services over the bus (Redis pub/sub in the stack and AWS, in memory in one process).
 * Channel names are the keys; payloads are JSON.
 */
export interface BusEvents {
  'room.member.added': { roomId: string; userId: string; by: string };
  'room.member.removed': { roomId: string; userId: string; by: string };
  'room.epoch.created': { roomId: string; epoch: number };
  /** Sessions ended (logout, revoke, refresh-token reuse, password change): their access tokens die at once. */
  'auth.session.revoked': { userId: string; sessionIds: string[]; /** ms: the tokens' latest expiry */ until: number };
  /** A device's certificate was revoked: rooms with it need a new epoch. */
  'user.device.revoked': { userId: string; deviceId: string; listVersion: number };
}

export type BusChannel = keyof BusEvents;
export const BUS_CHANNELS: readonly BusChannel[] = ['room.member.added', 'room.member.removed', 'room.epoch.created',
  'auth.session.revoked', 'user.device.revoked'];
