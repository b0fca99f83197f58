import { Injectable } from '@nestjs/common';
import { Condition } from 'dynamoose';
import type { ModelType } from 'dynamoose/dist/General';
import { DynamoTables, isConditionFailed } from '@parley/server/core';
import { type SessionItem, sessionSchema } from './session.schema';

export interface SessionRecord {
  sessionId: string;
  userId: string;
  tokenHash: string;
  generation: number;
  rotatedAt: number;
  deviceLabel: string;
  ip: string;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
  revokedAt?: number;
  revokedReason?: string;
}

export type RevokeReason = 'logout' | 'logout-all' | 'revoked' | 'reuse' | 'password-change';

/** Sessions (refresh-token families). The only code that touches the sessions table. */
@Injectable()
export class SessionRepository {
  private readonly sessions: ModelType<SessionItem>;

  constructor(tables: DynamoTables) {
    this.sessions = tables.define<SessionItem>('sessions', sessionSchema);
  }

  async create(session: SessionRecord): Promise<void> {
    await this.sessions.create({ ...session, ttl: ttlOf(session.expiresAt) }, { overwrite: false });
  }

  async get(sessionId: string): Promise<SessionRecord | undefined> {
    const item = await this.sessions.get(sessionId);
    return item ? toRecord(item) : undefined;
  }

  /**
   * Moves the family to its next token, only if it is still at `generation` with `tokenHash` and not revoked:
   * of two rotations of one token exactly one succeeds. False when the condition did not hold.
   */
  async rotate(session: SessionRecord, next: { tokenHash: string; ip: string; now: number; expiresAt: number }):
    Promise<boolean> {
    try {
      await this.sessions.update(
        { sessionId: session.sessionId },
        { tokenHash: next.tokenHash, generation: session.generation + 1, rotatedAt: next.now, lastUsedAt: next.now,
          ip: next.ip, expiresAt: next.expiresAt, ttl: ttlOf(next.expiresAt) },
        { condition: new Condition('generation').eq(session.generation).and().where('tokenHash').eq(session.tokenHash)
          .and().where('revokedAt').not().exists() },
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  /** Ends a session; true if this call ended it (false: it had already ended). */
  async revoke(sessionId: string, reason: RevokeReason, now: number): Promise<boolean> {
    try {
      await this.sessions.update({ sessionId }, { revokedAt: now, revokedReason: reason },
        { condition: new Condition('sessionId').exists().and().where('revokedAt').not().exists() });
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  /**
   * Sessions revoked after `since` (a scan: used once at start in the one-process mode only, where no Redis keeps
   * the revocations across a restart and the table is small).
   */
  async revokedSince(since: number): Promise<SessionRecord[]> {
    const items = await this.sessions.scan('revokedAt').gt(since).all().exec();
    return items.map(toRecord);
  }

  async listByUser(userId: string): Promise<SessionRecord[]> {
    const items = await this.sessions.query('userId').eq(userId).using('userId-index').all().exec();
    return items.map(toRecord);
  }
}

const ttlOf = (expiresAt: number) => Math.ceil(expiresAt / 1000) + 86_400;

function toRecord(item: SessionItem): SessionRecord {
  return {
    sessionId: item.sessionId,
    userId: item.userId,
    tokenHash: item.tokenHash,
    generation: item.generation,
    rotatedAt: item.rotatedAt,
    deviceLabel: item.deviceLabel,
    ip: item.ip,
    createdAt: item.createdAt,
    lastUsedAt: item.lastUsedAt,
    expiresAt: item.expiresAt,
    ...(item.revokedAt !== undefined && { revokedAt: item.revokedAt }),
    ...(item.revokedReason !== undefined && { revokedReason: item.revokedReason }),
  };
}
