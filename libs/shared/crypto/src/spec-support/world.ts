/** A small in-memory Parley for the specs: users with certified devices, a room chain, epochs. */
import { createDeviceCert, DeviceKeys, generateDeviceKeys } from '../lib/device-cert';
import { createEpochKey, sealEpochKey } from '../lib/epoch';
import { generateIdentity, IdentityKeys } from '../lib/identity';
import { DeviceResolver } from '../lib/room-chain';
import { GENESIS_HASH, hashRoomOp, signRoomOp } from '../lib/room-op';
import { DeviceCert, EpochKeyEnvelope, RoomOp, RoomOpKind } from '../lib/types';

export interface Person {
  userId: string;
  identity: IdentityKeys;
  device: DeviceKeys;
  cert: DeviceCert;
  /** All certs the user published (more devices, revocations). */
  certs: DeviceCert[];
}

export async function person(userId: string): Promise<Person> {
  const identity = await generateIdentity();
  const device = await generateDeviceKeys();
  const cert = await createDeviceCert(identity, userId, device, 1);
  return { userId, identity, device, cert, certs: [cert] };
}

/** Resolves certs from the people's published lists (newest per device). */
export function resolverOf(people: Person[]): DeviceResolver {
  return (userId, deviceId) => {
    const p = people.find((x) => x.userId === userId);
    const certs = (p?.certs ?? []).filter((c) => c.deviceId === deviceId).sort((a, b) => b.listVersion - a.listVersion);
    return certs[0];
  };
}

export class Room {
  readonly ops: RoomOp[] = [];
  readonly envelopes: EpochKeyEnvelope[] = [];
  readonly reks = new Map<number, Uint8Array>();

  constructor(readonly roomId: string) {}

  static async create(roomId: string, creator: Person): Promise<Room> {
    const room = new Room(roomId);
    room.ops.push(
      await signRoomOp(
        { v: 1, roomId, seq: 0, prevHash: GENESIS_HASH, op: 'create', target: creator.userId, actorUserId: creator.userId, actorDeviceId: creator.device.deviceId },
        creator.device,
      ),
    );
    return room;
  }

  async op(actor: Person, op: RoomOpKind, target: string, role?: 'admin' | 'member'): Promise<RoomOp> {
    const head = this.ops[this.ops.length - 1];
    const signed = await signRoomOp(
      {
        v: 1,
        roomId: this.roomId,
        seq: head.seq + 1,
        prevHash: await hashRoomOp(head),
        op,
        target,
        ...(role ? { role } : {}),
        actorUserId: actor.userId,
        actorDeviceId: actor.device.deviceId,
      },
      actor.device,
    );
    this.ops.push(signed);
    return signed;
  }

  /** Seals a fresh epoch to every active device of `members`, from the current head. */
  async rotate(creator: Person, members: Person[], epoch = this.envelopes.length + 1, createdAt = Date.now()): Promise<EpochKeyEnvelope> {
    const rek = createEpochKey();
    const recipients = members.flatMap((m) => {
      const newest = new Map<string, DeviceCert>();
      for (const c of m.certs) if ((newest.get(c.deviceId)?.listVersion ?? -1) < c.listVersion) newest.set(c.deviceId, c);
      return [...newest.values()].filter((c) => !c.revoked);
    });
    const env = await sealEpochKey({
      rek,
      roomId: this.roomId,
      epoch,
      opsHead: await hashRoomOp(this.ops[this.ops.length - 1]),
      creator: { userId: creator.userId, device: creator.device },
      recipients,
      createdAt,
    });
    this.envelopes.push(env);
    this.reks.set(epoch, rek);
    return env;
  }
}
