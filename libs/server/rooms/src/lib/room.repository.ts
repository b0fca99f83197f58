import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { Injectable } from '@nestjs/common';
import { Condition } from 'dynamoose';
import type { ModelType } from 'dynamoose/dist/General';
import { DynamoTables, isConditionFailed } from '@parley/server/core';
import type { RoomKind, RoomMember, RoomRole } from '@parley/shared/contracts';
import type { EpochKeyEnvelope, RoomOp } from '@parley/shared/crypto';
import {
  type EpochItem, epochSchema, type MemberItem, memberSchema, type RoomItem, type RoomOpItem, roomOpSchema, roomSchema,
} from './room.schema';

export interface RoomRecord {
  roomId: string;
  name: string;
  kind: RoomKind;
  createdBy: string;
  currentEpoch: number;
}

/** Thrown when a conditional write lost: the caller's view was stale (someone else wrote first). */
export class WriteConflictError extends Error {}

/** Rooms, members, the op chain and epoch envelopes: the only code that touches the rooms service's tables. */
@Injectable()
export class RoomRepository {
  private readonly rooms: ModelType<RoomItem>;
  private readonly members: ModelType<MemberItem>;
  private readonly ops: ModelType<RoomOpItem>;
  private readonly epochs: ModelType<EpochItem>;
  private readonly membersTable: string;

  constructor(private readonly tables: DynamoTables) {
    this.rooms = tables.define<RoomItem>('rooms', roomSchema);
    this.members = tables.define<MemberItem>('members', memberSchema);
    this.ops = tables.define<RoomOpItem>('roomOps', roomOpSchema);
    this.epochs = tables.define<EpochItem>('epochs', epochSchema);
    this.membersTable = this.members.table().name;
  }

  /** Appends an op at its seq; loses (WriteConflictError) if that seq is taken. Written before any projection. */
  async appendOp(op: RoomOp): Promise<void> {
    await conditional(() => this.ops.create({ roomId: op.roomId, seq: op.seq, op: JSON.stringify(op) }, { overwrite: false }));
  }

  async listOps(roomId: string): Promise<RoomOp[]> {
    const items = await this.ops.query('roomId').eq(roomId).sort('ascending').all().exec();
    return items.map((i) => JSON.parse(i.op) as RoomOp);
  }

  async lastOp(roomId: string): Promise<RoomOp | undefined> {
    const [item] = await this.ops.query('roomId').eq(roomId).sort('descending').limit(1).exec();
    return item ? (JSON.parse(item.op) as RoomOp) : undefined;
  }

  async createRoom(room: RoomRecord): Promise<void> {
    await conditional(() => this.rooms.create({ ...room, createdAt: Date.now() }, { overwrite: false }));
  }

  async findRoom(roomId: string): Promise<RoomRecord | undefined> {
    const item = await this.rooms.get(roomId);
    return item ? toRoom(item) : undefined;
  }

  async findRooms(roomIds: string[]): Promise<RoomRecord[]> {
    if (roomIds.length === 0) return [];
    const items = await this.rooms.batchGet(roomIds.map((roomId) => ({ roomId })));
    return items.map(toRoom);
  }

  async putMember(roomId: string, member: RoomMember): Promise<void> {
    await this.members.create({ roomId, ...member }, { overwrite: true });
  }

  async deleteMember(roomId: string, userId: string): Promise<void> {
    await this.members.delete({ roomId, userId });
  }

  async findMember(roomId: string, userId: string): Promise<RoomMember | undefined> {
    const item = await this.members.get({ roomId, userId });
    return item ? { userId: item.userId, role: item.role as RoomRole, joinedEpoch: item.joinedEpoch } : undefined;
  }

  /** Every socket's room:join reads this (through the room's detail): a bare query, see DynamoTables.queryAll. */
  async listMembers(roomId: string): Promise<RoomMember[]> {
    const items = await this.tables.queryAll({ TableName: this.membersTable, KeyConditionExpression: '#roomId = :roomId',
      ExpressionAttributeNames: { '#roomId': 'roomId' }, ExpressionAttributeValues: { ':roomId': { S: roomId } } });
    return items.map((i) => ({
      userId: text(i, 'userId'), role: text(i, 'role') as RoomRole, joinedEpoch: Number(i['joinedEpoch']?.N),
    }));
  }

  /** Every socket's connect reads this (the user's rooms, for presence): a bare query, see DynamoTables.queryAll. */
  async roomsOf(userId: string): Promise<{ roomId: string; role: RoomRole }[]> {
    const items = await this.tables.queryAll({ TableName: this.membersTable, IndexName: 'userId-index',
      KeyConditionExpression: '#userId = :userId', ExpressionAttributeNames: { '#userId': 'userId' },
      ExpressionAttributeValues: { ':userId': { S: userId } } });
    return items.map((i) => ({ roomId: text(i, 'roomId'), role: text(i, 'role') as RoomRole }));
  }

  /** Stores epoch n+1 once (first writer wins), then moves the room's pointer from n to n+1. */
  async addEpoch(envelope: EpochKeyEnvelope): Promise<void> {
    await conditional(() =>
      this.epochs.create(
        { roomId: envelope.roomId, epoch: envelope.epoch, envelope: JSON.stringify(envelope), createdAt: Date.now() },
        { overwrite: false },
      ),
    );
    await this.rooms.update(
      { roomId: envelope.roomId },
      { currentEpoch: envelope.epoch },
      { condition: new Condition('currentEpoch').lt(envelope.epoch) },
    ).catch((err: unknown) => {
      if (!isConditionFailed(err)) throw err; // a newer epoch already moved the pointer
    });
  }

  async listEpochs(roomId: string, since: number): Promise<EpochKeyEnvelope[]> {
    const items = await this.epochs.query('roomId').eq(roomId).where('epoch').gt(since).sort('ascending').all().exec();
    return items.map((i) => JSON.parse(i.envelope) as EpochKeyEnvelope);
  }

  async findEpoch(roomId: string, epoch: number): Promise<boolean> {
    return (await this.epochs.get({ roomId, epoch })) !== undefined;
  }
}

/** A string attribute of a raw item; every member item has the ones read here (putMember writes them all). */
function text(item: Record<string, AttributeValue>, name: string): string {
  const value = item[name]?.S;
  if (value === undefined) throw new Error(`a member item without ${name}`);
  return value;
}

async function conditional(write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (err) {
    if (isConditionFailed(err)) throw new WriteConflictError();
    throw err;
  }
}

function toRoom(item: RoomItem): RoomRecord {
  return {
    roomId: item.roomId,
    name: item.name,
    kind: item.kind,
    createdBy: item.createdBy,
    currentEpoch: item.currentEpoch,
  };
}
