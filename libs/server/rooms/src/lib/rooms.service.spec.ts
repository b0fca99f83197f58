import { BadRequestException, ConflictException, ForbiddenException, NotFoundException } from '@nestjs/common';
import { type AuthUser, MemoryBus } from '@parley/server/core';
import type { RoomMember } from '@parley/shared/contracts';
import type { EpochKeyEnvelope, RoomOp } from '@parley/shared/crypto';
import { type RoomRecord, type RoomRepository, WriteConflictError } from './room.repository';
import { GENESIS_PREV_HASH, RoomsService } from './rooms.service';

/** An in-memory stand-in with the repository's contract (conditional writes included). */
class FakeRoomRepository {
  ops = new Map<string, RoomOp[]>();
  rooms = new Map<string, RoomRecord>();
  members = new Map<string, Map<string, RoomMember>>();
  epochs = new Map<string, EpochKeyEnvelope[]>();
  async appendOp(op: RoomOp) {
    const list = this.ops.get(op.roomId) ?? [];
    if (list.some((o) => o.seq === op.seq)) throw new WriteConflictError();
    this.ops.set(op.roomId, [...list, op]);
  }
  async listOps(roomId: string) { return this.ops.get(roomId) ?? []; }
  async lastOp(roomId: string) { return (this.ops.get(roomId) ?? []).at(-1); }
  async createRoom(room: RoomRecord) { this.rooms.set(room.roomId, { ...room }); }
  async findRoom(roomId: string) { return this.rooms.get(roomId); }
  async findRooms(ids: string[]) { return ids.flatMap((id) => this.rooms.get(id) ?? []); }
  async putMember(roomId: string, m: RoomMember) {
    this.members.set(roomId, (this.members.get(roomId) ?? new Map()).set(m.userId, m));
  }
  async findMember(roomId: string, userId: string) { return this.members.get(roomId)?.get(userId); }
  async deleteMember(roomId: string, userId: string) { this.members.get(roomId)?.delete(userId); }
  async listMembers(roomId: string) { return [...(this.members.get(roomId)?.values() ?? [])]; }
  async roomsOf() { return []; }
  async addEpoch(e: EpochKeyEnvelope) {
    const list = this.epochs.get(e.roomId) ?? [];
    if (list.some((x) => x.epoch === e.epoch)) throw new WriteConflictError();
    this.epochs.set(e.roomId, [...list, e]);
    const room = this.rooms.get(e.roomId);
    if (room) room.currentEpoch = e.epoch;
  }
  async listEpochs(roomId: string) { return this.epochs.get(roomId) ?? []; }
}

const id = (c: string) => c.repeat(22);
const owner: AuthUser = { userId: id('o'), username: 'owner', sessionId: 's-owner', token: 't' };
const guest: AuthUser = { userId: id('g'), username: 'guest', sessionId: 's-guest', token: 't' };
const roomId = id('r');
const op = (over: Partial<RoomOp>): RoomOp => ({
  v: 1, roomId, seq: 0, prevHash: GENESIS_PREV_HASH, op: 'create', target: owner.userId, actorUserId: owner.userId,
  actorDeviceId: id('d'), sig: 'sig', ...over,
});
const envelope = (epoch: number, wrapsFor: string[]): EpochKeyEnvelope => ({
  v: 1, suite: 'v1', roomId, epoch, rosterHash: 'h', opsHead: 'h', creatorUserId: owner.userId, creatorDeviceId: id('d'),
  createdAt: 1, wraps: wrapsFor.map((userId) => ({ userId, deviceId: id('d'), enc: 'e', ct: 'c' })), sig: 's',
});

describe('RoomsService', () => {
  let repo: FakeRoomRepository;
  let bus: MemoryBus;
  let service: RoomsService;

  beforeEach(async () => {
    repo = new FakeRoomRepository();
    bus = new MemoryBus();
    service = new RoomsService(repo as unknown as RoomRepository, bus);
    await service.create(owner, { roomId, name: 'Room', createOp: op({}) });
  });

  it('makes the creator the owner of a new room at epoch 0', async () => {
    expect(await repo.findMember(roomId, owner.userId)).toEqual({ userId: owner.userId, role: 'owner', joinedEpoch: 1 });
    expect(repo.rooms.get(roomId)?.currentEpoch).toBe(0);
  });

  it.each([
    ['an op that is not create', { op: 'add' as const }],
    ['a seq other than 0', { seq: 1 }],
    ['a prevHash other than genesis', { prevHash: 'B'.repeat(43) }],
    ['someone else as actor', { actorUserId: guest.userId }],
  ])('refuses to create a room with %s', async (_name, change) => {
    await expect(service.create(owner, { roomId: id('x'), name: 'X', createOp: op({ roomId: id('x'), ...change }) }))
      .rejects.toBeInstanceOf(BadRequestException);
  });

  it('refuses a second room with the same id', async () => {
    await expect(service.create(owner, { roomId, name: 'Again', createOp: op({}) })).rejects.toBeInstanceOf(ConflictException);
  });

  it('adds a member with the next op and announces it on the bus', async () => {
    const announced: string[] = [];
    await bus.subscribe('room.member.added', (e) => void announced.push(e.userId));
    await service.appendOp(owner, roomId, op({ seq: 1, op: 'add', target: guest.userId }));
    await new Promise((r) => setImmediate(r));
    expect(await repo.findMember(roomId, guest.userId)).toMatchObject({ role: 'member' });
    expect(announced).toEqual([guest.userId]);
  });

  it('refuses an op whose seq does not follow the head', async () => {
    await expect(service.appendOp(owner, roomId, op({ seq: 5, op: 'add', target: guest.userId })))
      .rejects.toBeInstanceOf(ConflictException);
  });

  it('lets only an owner or admin add members', async () => {
    await service.appendOp(owner, roomId, op({ seq: 1, op: 'add', target: guest.userId }));
    const third = id('t');
    await expect(service.appendOp(guest, roomId, op({ seq: 2, op: 'add', target: third, actorUserId: guest.userId })))
      .rejects.toBeInstanceOf(ForbiddenException);
  });

  describe('remove, leave and role', () => {
    const third: AuthUser = { userId: id('t'), username: 'third', sessionId: 's-third', token: 't' };
    let removed: string[];

    beforeEach(async () => {
      // Its own array: the bus delivers on a later tick, so a late event of the previous test lands there.
      const heard: string[] = [];
      removed = heard;
      await bus.subscribe('room.member.removed', (e) => void heard.push(`${e.userId} by ${e.by}`));
      await service.appendOp(owner, roomId, op({ seq: 1, op: 'add', target: guest.userId }));
      await service.appendOp(owner, roomId, op({ seq: 2, op: 'add', target: third.userId }));
    });
    const settle = () => new Promise((r) => setImmediate(r));

    it('lets an admin remove a member: gone from the list, announced, no new epoch key for them', async () => {
      await service.appendOp(owner, roomId, op({ seq: 3, op: 'remove', target: guest.userId }));
      await settle();
      expect(await repo.findMember(roomId, guest.userId)).toBeUndefined();
      expect(removed).toEqual([`${guest.userId} by ${owner.userId}`]);
      await expect(service.epochs(guest, roomId)).rejects.toBeInstanceOf(NotFoundException);
      await expect(service.addEpoch(owner, roomId, envelope(1, [owner.userId, guest.userId])))
        .rejects.toBeInstanceOf(BadRequestException);
      expect(repo.ops.get(roomId)?.map((o) => o.op)).toEqual(['create', 'add', 'add', 'remove']);
    });

    it('lets a member leave by themselves, and announces it', async () => {
      await service.appendOp(guest, roomId, op({ seq: 3, op: 'leave', target: guest.userId, actorUserId: guest.userId }));
      await settle();
      expect(await repo.findMember(roomId, guest.userId)).toBeUndefined();
      expect(removed).toEqual([`${guest.userId} by ${guest.userId}`]);
    });

    it('lets an admin change a role, after which that member may remove others', async () => {
      await service.appendOp(owner, roomId, op({ seq: 3, op: 'role', target: guest.userId, role: 'admin' }));
      expect(await repo.findMember(roomId, guest.userId)).toMatchObject({ role: 'admin' });
      await service.appendOp(guest, roomId, op({ seq: 4, op: 'remove', target: third.userId, actorUserId: guest.userId }));
      expect(await repo.findMember(roomId, third.userId)).toBeUndefined();
      // An admin still cannot remove the owner.
      await expect(service.appendOp(guest, roomId, op({ seq: 5, op: 'remove', target: owner.userId, actorUserId: guest.userId })))
        .rejects.toBeInstanceOf(ForbiddenException);
      await settle();
    });

    it.each([
      ['a member removing someone', guest, { op: 'remove' as const, target: third.userId }, ForbiddenException],
      ['an admin removing themselves', owner, { op: 'remove' as const, target: owner.userId }, BadRequestException],
      ['removing a non-member', owner, { op: 'remove' as const, target: id('n') }, ConflictException],
      ['leaving on behalf of someone else', guest, { op: 'leave' as const, target: third.userId }, BadRequestException],
      ['a member changing a role', guest, { op: 'role' as const, target: third.userId, role: 'admin' as const }, ForbiddenException],
      ["changing the owner's role", owner, { op: 'role' as const, target: owner.userId, role: 'member' as const }, ForbiddenException],
      ['a role op without a role', owner, { op: 'role' as const, target: guest.userId }, BadRequestException],
      ['a second create', owner, { op: 'create' as const, target: owner.userId }, BadRequestException],
    ])('refuses %s and changes nothing', async (_name, actor, change, error) => {
      const before = repo.ops.get(roomId)?.length;
      await expect(service.appendOp(actor, roomId, op({ seq: 3, actorUserId: actor.userId, ...change })))
        .rejects.toBeInstanceOf(error);
      await settle();
      expect(repo.ops.get(roomId)?.length).toBe(before);
      expect(removed).toEqual([]);
      expect(await repo.listMembers(roomId)).toHaveLength(3);
    });
  });

  it('answers 404 to a non-member, so room ids cannot be probed', async () => {
    await expect(service.detail(guest, roomId)).rejects.toBeInstanceOf(NotFoundException);
    await expect(service.epochs(guest, roomId)).rejects.toBeInstanceOf(NotFoundException);
  });

  it('accepts epoch n+1 once and refuses a skipped or repeated epoch', async () => {
    await service.addEpoch(owner, roomId, envelope(1, [owner.userId]));
    await expect(service.addEpoch(owner, roomId, envelope(1, [owner.userId]))).rejects.toBeInstanceOf(ConflictException);
    await expect(service.addEpoch(owner, roomId, envelope(3, [owner.userId]))).rejects.toBeInstanceOf(ConflictException);
  });

  it('refuses an epoch key wrapped for someone who is not a member', async () => {
    await expect(service.addEpoch(owner, roomId, envelope(1, [owner.userId, guest.userId])))
      .rejects.toBeInstanceOf(BadRequestException);
  });
});
