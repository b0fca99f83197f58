/**
 * Events between services over the bus (Redis pub/sub in the stack and AWS, in memory in one process).
 * Channel names are the keys; payloads are JSON.
 */
export interface BusEvents {
  'room.member.added': { roomId: string; userId: string; by: string };
  'room.member.removed': { roomId: string; userId: string; by: string };
  'room.epoch.created': { roomId: string; epoch: number };
}

export type BusChannel = keyof BusEvents;
export const BUS_CHANNELS: readonly BusChannel[] = ['room.member.added', 'room.member.removed', 'room.epoch.created'];
