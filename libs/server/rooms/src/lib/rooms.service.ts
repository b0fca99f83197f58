import { BadRequestException, ConflictException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { type AuthUser, Bus } from '@parley/server/core';
import type { CreateRoomDto, RoomDetail, RoomMember, RoomSummary } from '@parley/shared/contracts';
import type { EpochKeyEnvelope, RoomOp } from '@parley/shared/crypto';
import { type RoomRecord, RoomRepository, WriteConflictError } from './room.repository';

/** The first op's prevHash: 32 zero bytes, base64url. */
export const GENESIS_PREV_HASH = 'A'.repeat(43);

/**
 * Membership rules on the server side. Clients verify the signed chain themselves; the server enforces the same
 * rules it can check without keys (who may act, chain order) as defence in depth (DESIGN §3).
 */
@Injectable()
export class RoomsService {
  constructor(
    private readonly rooms: RoomRepository,
    private readonly bus: Bus,
  ) {}

  async create(user: AuthUser, dto: CreateRoomDto): Promise<RoomSummary> {
    const op = dto.createOp;
    if (op.op !== 'create' || op.seq !== 0 || op.prevHash !== GENESIS_PREV_HASH) {
      throw new BadRequestException('createOp must be a create op at seq 0 with the genesis prevHash');
    }
    if (op.roomId !== dto.roomId) throw new BadRequestException('createOp.roomId must equal roomId');
    this.assertActor(user, op);
    if (op.target !== user.userId) throw new BadRequestException('createOp.target must be you');
    try {
      await this.rooms.appendOp({ ...op });
    } catch (err) {
      if (err instanceof WriteConflictError) throw new ConflictException('that roomId exists; generate another');
      throw err;
    }
    const room: RoomRecord = { roomId: dto.roomId, name: dto.name.trim(), kind: 'group', createdBy: user.userId, currentEpoch: 0 };
    await this.rooms.createRoom(room);
    await this.rooms.putMember(room.roomId, { userId: user.userId, role: 'owner', joinedEpoch: 1 });
    return { ...room, role: 'owner' };
  }

  async list(user: AuthUser): Promise<RoomSummary[]> {
    const memberships = await this.rooms.roomsOf(user.userId);
    const roles = new Map(memberships.map((m) => [m.roomId, m.role]));
    const rooms = await this.rooms.findRooms([...roles.keys()]);
    return rooms
      .map((room) => ({ ...room, role: roles.get(room.roomId) ?? 'member' }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * The member list answers both "is the caller a member" and "who is in the room", read together with the room:
   * two reads at once instead of three in a row (every socket's room:join asks this; see docs/PERFORMANCE.md).
   * A non-member gets the same 404 as before and nothing else.
   */
  async detail(user: AuthUser, roomId: string): Promise<RoomDetail> {
    const [members, room] = await Promise.all([this.rooms.listMembers(roomId), this.rooms.findRoom(roomId)]);
    const me = members.find((m) => m.userId === user.userId);
    if (!me || !room) throw new NotFoundException('no such room');
    return { ...room, role: me.role, members };
  }

  async ops(user: AuthUser, roomId: string): Promise<RoomOp[]> {
    await this.requireMember(user, roomId);
    return this.rooms.listOps(roomId);
  }

  /**
   * Appends a signed membership op at the head of the chain, after the checks the server can make without keys
   * (the same rules as the clients' `verifyRoomChain`, and stricter about the owner), then updates the member
   * list and tells the gateways: `add` → room.member.added; `remove` and `leave` → room.member.removed (that
   * user's sockets leave the room on every instance; the remover, or the next sender after a leave, rotates the
   * epoch key in the client, and the removed user can fetch no new epoch); `role` changes a member's role.
   */
  async appendOp(user: AuthUser, roomId: string, op: RoomOp): Promise<RoomOp> {
    if (op.roomId !== roomId) throw new BadRequestException('op.roomId must equal the room in the path');
    this.assertActor(user, op);
    const me = await this.requireMember(user, roomId);
    const target = await this.checkOp(me, roomId, op);
    const head = await this.rooms.lastOp(roomId);
    if (!head || op.seq !== head.seq + 1) {
      throw new ConflictException(`op.seq must be ${(head?.seq ?? -1) + 1}; refetch the ops and sign again`);
    }
    try {
      await this.rooms.appendOp({ ...op });
    } catch (err) {
      if (err instanceof WriteConflictError) throw new ConflictException('another op took that seq; refetch and retry');
      throw err;
    }
    switch (op.op) {
      case 'add': {
        const room = await this.rooms.findRoom(roomId);
        await this.rooms.putMember(roomId, { userId: op.target, role: 'member', joinedEpoch: (room?.currentEpoch ?? 0) + 1 });
        await this.bus.publish('room.member.added', { roomId, userId: op.target, by: user.userId });
        break;
      }
      case 'remove':
      case 'leave':
        await this.rooms.deleteMember(roomId, op.target);
        await this.bus.publish('room.member.removed', { roomId, userId: op.target, by: user.userId });
        break;
      case 'role':
        if (target && op.role) await this.rooms.putMember(roomId, { ...target, role: op.role });
        break;
    }
    return op;
  }

  /** Who may do what (DESIGN §3); returns the target's membership where it has one. */
  private async checkOp(me: RoomMember, roomId: string, op: RoomOp): Promise<RoomMember | undefined> {
    const admin = me.role === 'owner' || me.role === 'admin';
    const target = await this.rooms.findMember(roomId, op.target);
    switch (op.op) {
      case 'add':
        if (!admin) throw new ForbiddenException('only an owner or admin may add members');
        if (target) throw new ConflictException('that user is already a member');
        return undefined;
      case 'remove':
        if (!admin) throw new ForbiddenException('only an owner or admin may remove members');
        if (op.target === op.actorUserId) throw new BadRequestException('to remove yourself, leave the room (op "leave")');
        if (!target) throw new ConflictException('that user is not a member');
        if (target.role === 'owner') throw new ForbiddenException('the owner cannot be removed');
        if (op.role !== undefined) throw new BadRequestException('a remove op carries no role');
        return target;
      case 'leave':
        if (op.target !== op.actorUserId) throw new BadRequestException('a leave op names its own actor as the target');
        if (op.role !== undefined) throw new BadRequestException('a leave op carries no role');
        return target;
      case 'role':
        if (!admin) throw new ForbiddenException('only an owner or admin may change roles');
        if (!target) throw new ConflictException('that user is not a member');
        if (target.role === 'owner') throw new ForbiddenException("the owner's role cannot change");
        if (op.role !== 'admin' && op.role !== 'member') throw new BadRequestException('a role op needs role "admin" or "member"');
        return target;
      default:
        throw new BadRequestException('a create op only starts a room (POST /api/rooms)');
    }
  }

  async epochs(user: AuthUser, roomId: string, since = 0): Promise<EpochKeyEnvelope[]> {
    await this.requireMember(user, roomId);
    return this.rooms.listEpochs(roomId, since);
  }

  /** Accepts epoch n+1 once (conditional write); a loser gets 409 and re-fetches. */
  async addEpoch(user: AuthUser, roomId: string, envelope: EpochKeyEnvelope): Promise<EpochKeyEnvelope> {
    if (envelope.roomId !== roomId) throw new BadRequestException('envelope.roomId must equal the room in the path');
    if (envelope.creatorUserId !== user.userId) throw new BadRequestException('envelope.creatorUserId must be you');
    await this.requireMember(user, roomId);
    const room = await this.rooms.findRoom(roomId);
    if (!room) throw new NotFoundException('no such room');
    if (envelope.epoch !== room.currentEpoch + 1) {
      throw new ConflictException(`epoch must be ${room.currentEpoch + 1}; refetch the epochs`);
    }
    const members = new Set((await this.rooms.listMembers(roomId)).map((m) => m.userId));
    const outsider = envelope.wraps.find((w) => !members.has(w.userId));
    if (outsider) throw new BadRequestException(`a key is wrapped for ${outsider.userId}, who is not a member`);
    try {
      await this.rooms.addEpoch({ ...envelope, wraps: envelope.wraps.map((w) => ({ ...w })) });
    } catch (err) {
      if (err instanceof WriteConflictError) throw new ConflictException('another member created that epoch; refetch');
      throw err;
    }
    await this.bus.publish('room.epoch.created', { roomId, epoch: envelope.epoch });
    return envelope;
  }

  private assertActor(user: AuthUser, op: RoomOp): void {
    if (op.actorUserId !== user.userId) throw new BadRequestException('op.actorUserId must be you');
  }

  /** 404 for rooms you are not in, so that room ids cannot be probed. */
  private async requireMember(user: AuthUser, roomId: string): Promise<RoomMember> {
    const member = await this.rooms.findMember(roomId, user.userId);
    if (!member) throw new NotFoundException('no such room');
    return member;
  }
}
