import {
  Inject, Injectable, Logger, NotFoundException, type OnApplicationBootstrap, UnauthorizedException,
} from '@nestjs/common';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { RedisConnections, SessionDenylist } from '@parley/server/core';
import type { RefreshError, RefreshFailureReason, SessionInfo } from '@parley/shared/contracts';
import { AUTH_CONFIG, AuthConfig } from '../auth.config';
import { AuthSecrets } from '../tokens/auth-secrets';
import { type RevokeReason, SessionRepository } from './session.repository';
import { deviceLabel } from './device-label';

/** Where a request came from, for the sessions list. */
export interface ClientContext {
  userAgent?: string;
  ip: string;
}

/** A new refresh token for a session (to be set as the cookie). */
export interface IssuedRefresh {
  sessionId: string;
  refreshToken: string;
  maxAgeMs: number;
}

const ENDED = 'the session has ended; log in again';
const INVALID = 'a valid refresh token is required';
const TOKEN_PATTERN = /^([A-Za-z0-9_-]{22})\.(\d{1,9})\.([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/;

/**
 * Sessions and their refresh tokens. A refresh token is `sessionId.generation.random.mac`: opaque to clients,
 * MAC'd by the server (so a guess is refused without consequence) and stored only as its SHA-256. Every refresh
 * rotates it; a genuine but superseded token coming back means it was copied, so the whole family is revoked —
 * except the one token just replaced, within a few seconds (two tabs refreshing at once), which is only refused.
 */
@Injectable()
export class SessionsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SessionsService.name);

  constructor(
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    private readonly sessions: SessionRepository,
    private readonly secrets: AuthSecrets,
    private readonly denylist: SessionDenylist,
    private readonly redis: RedisConnections,
  ) {}

  /**
   * One-process mode: no Redis remembers revocations across a restart, so access tokens of sessions revoked in
   * the last minutes would live again. Reload them from the table (tokens older than that have expired anyway).
   */
  async onApplicationBootstrap(): Promise<void> {
    if (this.redis.enabled) return;
    const now = Date.now();
    const window = this.config.ACCESS_TOKEN_TTL_SECONDS * 1000 + 60_000;
    const recent = await this.sessions.revokedSince(now - window);
    for (const session of recent) {
      await this.denylist.revoke({ userId: session.userId, sessionIds: [session.sessionId],
        until: (session.revokedAt ?? now) + window });
    }
    if (recent.length > 0) this.logger.log({ sessions: recent.length }, 'reloaded recently revoked sessions');
  }

  async start(userId: string, client: ClientContext): Promise<IssuedRefresh> {
    const now = Date.now();
    const sessionId = randomBytes(16).toString('base64url');
    const refreshToken = this.mint(sessionId, 0);
    await this.sessions.create({
      sessionId, userId, tokenHash: sha256(refreshToken), generation: 0, rotatedAt: now,
      deviceLabel: deviceLabel(client.userAgent), ip: client.ip, createdAt: now, lastUsedAt: now,
      expiresAt: now + this.lifetimeMs,
    });
    return { sessionId, refreshToken, maxAgeMs: this.lifetimeMs };
  }

  /** Rotates a refresh token: the session it belongs to and its next token, or 401. */
  async refresh(token: string | undefined, client: ClientContext): Promise<IssuedRefresh & { userId: string }> {
    const parsed = this.parse(token);
    if (!parsed) throw refreshRefused('invalid', INVALID);
    const now = Date.now();
    let session = await this.sessions.get(parsed.sessionId);
    for (let attempt = 0; attempt < 2 && session; attempt++) {
      // Only a caller holding a genuine token of this session learns which way it ended.
      if (session.revokedAt !== undefined) throw refreshRefused('revoked', ENDED);
      if (session.expiresAt <= now) throw refreshRefused('expired', ENDED);
      if (parsed.generation === session.generation && safeEqual(sha256(parsed.token), session.tokenHash)) {
        const refreshToken = this.mint(session.sessionId, session.generation + 1);
        const rotated = await this.sessions.rotate(session, {
          tokenHash: sha256(refreshToken), ip: client.ip, now, expiresAt: now + this.lifetimeMs });
        if (rotated) return { sessionId: session.sessionId, userId: session.userId, refreshToken, maxAgeMs: this.lifetimeMs };
        session = await this.sessions.get(parsed.sessionId); // lost a race: judge the token against the winner's state
        continue;
      }
      if (parsed.generation < session.generation) {
        const justReplaced = parsed.generation === session.generation - 1
          && now - session.rotatedAt <= this.config.REFRESH_REUSE_GRACE_SECONDS * 1000;
        if (justReplaced) throw refreshRefused('invalid', 'this refresh token was just replaced; use the new one');
        this.logger.warn({ sessionId: session.sessionId, userId: session.userId }, 'refresh token reused: revoking the session');
        await this.revoke(session.userId, [session.sessionId], 'reuse');
        throw refreshRefused('revoked', ENDED);
      }
      break;
    }
    throw refreshRefused('invalid', INVALID);
  }

  async list(userId: string, currentSessionId: string): Promise<SessionInfo[]> {
    const now = Date.now();
    return (await this.sessions.listByUser(userId))
      .filter((s) => s.revokedAt === undefined && s.expiresAt > now)
      .sort((a, b) => b.lastUsedAt - a.lastUsedAt)
      .map((s) => ({ sessionId: s.sessionId, deviceLabel: s.deviceLabel, ip: s.ip, createdAt: s.createdAt,
        lastUsedAt: s.lastUsedAt, current: s.sessionId === currentSessionId }));
  }

  /** Ends one of the user's own sessions. */
  async revokeOwn(userId: string, sessionId: string): Promise<void> {
    const session = await this.sessions.get(sessionId);
    if (!session || session.userId !== userId) throw new NotFoundException('no such session');
    await this.revoke(userId, [sessionId], 'revoked');
  }

  /** Ends every session of a user except `keep` (logout everywhere, password change). */
  async revokeAll(userId: string, reason: RevokeReason, keep?: string): Promise<void> {
    const ids = (await this.sessions.listByUser(userId))
      .filter((s) => s.revokedAt === undefined && s.sessionId !== keep).map((s) => s.sessionId);
    await this.revoke(userId, ids, reason);
  }

  /**
   * The database says a session has ended (source of truth for refresh); the denylist makes its access tokens
   * die everywhere at once. If Redis is down the denylist cannot spread: the tokens then die at expiry (15 min).
   */
  async revoke(userId: string, sessionIds: string[], reason: RevokeReason): Promise<void> {
    const now = Date.now();
    await Promise.all(sessionIds.map((id) => this.sessions.revoke(id, reason, now)));
    const until = now + this.config.ACCESS_TOKEN_TTL_SECONDS * 1000 + 60_000;
    await this.denylist.revoke({ userId, sessionIds, until }).catch((err: unknown) =>
      this.logger.error({ err: (err as Error).message, sessionIds }, 'could not publish a session revocation'));
  }

  private get lifetimeMs(): number {
    return this.config.REFRESH_TOKEN_TTL_DAYS * 86_400_000;
  }

  private mint(sessionId: string, generation: number): string {
    const body = `${sessionId}.${generation}.${randomBytes(32).toString('base64url')}`;
    return `${body}.${this.mac(body)}`;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secrets.refreshMacKey).update(body).digest('base64url');
  }

  private parse(token: string | undefined): { token: string; sessionId: string; generation: number } | undefined {
    const match = token ? TOKEN_PATTERN.exec(token) : null;
    if (!token || !match) return undefined;
    const body = token.slice(0, token.lastIndexOf('.'));
    if (!safeEqual(this.mac(body), match[4])) return undefined;
    return { token, sessionId: match[1], generation: Number(match[2]) };
  }
}

/**
 * A refused refresh: Nest's usual 401 body plus why, so that the client can tell "ended from another device" from
 * "expired" (the message stays for people and logs).
 */
export function refreshRefused(reason: RefreshFailureReason, message: string): UnauthorizedException {
  const body: RefreshError = { statusCode: 401, error: 'Unauthorized', message, reason };
  return new UnauthorizedException(body);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

function safeEqual(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}
