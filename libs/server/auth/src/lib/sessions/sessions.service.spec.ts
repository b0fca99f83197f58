import { NotFoundException, UnauthorizedException } from '@nestjs/common';
import type { RedisConnections, SessionDenylist } from '@parley/server/core';
import { AuthConfig } from '../auth.config';
import type { AuthSecrets } from '../tokens/auth-secrets';
import type { RevokeReason, SessionRecord, SessionRepository } from './session.repository';
import { SessionsService } from './sessions.service';

/** The repository's conditional semantics, in memory. */
class FakeSessions {
  readonly items = new Map<string, SessionRecord>();
  async create(s: SessionRecord) { this.items.set(s.sessionId, { ...s }); }
  async get(id: string) { const s = this.items.get(id); return s && { ...s }; }
  async rotate(s: SessionRecord, next: { tokenHash: string; ip: string; now: number; expiresAt: number }) {
    const cur = this.items.get(s.sessionId);
    if (!cur || cur.generation !== s.generation || cur.tokenHash !== s.tokenHash || cur.revokedAt !== undefined) return false;
    this.items.set(s.sessionId, { ...cur, tokenHash: next.tokenHash, generation: cur.generation + 1, rotatedAt: next.now,
      lastUsedAt: next.now, ip: next.ip, expiresAt: next.expiresAt });
    return true;
  }
  async revoke(id: string, reason: RevokeReason, now: number) {
    const cur = this.items.get(id);
    if (!cur || cur.revokedAt !== undefined) return false;
    this.items.set(id, { ...cur, revokedAt: now, revokedReason: reason });
    return true;
  }
  async listByUser(userId: string) { return [...this.items.values()].filter((s) => s.userId === userId); }
  async revokedSince(since: number) { return [...this.items.values()].filter((s) => (s.revokedAt ?? 0) > since); }
}

const client = { ip: '10.0.0.1', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0' };

describe('SessionsService', () => {
  let repo: FakeSessions;
  let revoked: string[][];
  let service: SessionsService;
  const make = (grace = 10, redisEnabled = true) => {
    const config = Object.assign(new AuthConfig(), { REFRESH_REUSE_GRACE_SECONDS: grace });
    const secrets = { refreshMacKey: Buffer.alloc(32, 7) } as AuthSecrets;
    const denylist = { revoke: async (e: { sessionIds: string[] }) => void revoked.push(e.sessionIds) } as unknown as SessionDenylist;
    return new SessionsService(config, repo as unknown as SessionRepository, secrets, denylist,
      { enabled: redisEnabled } as RedisConnections);
  };

  beforeEach(() => {
    repo = new FakeSessions();
    revoked = [];
    service = make();
  });

  it('stores only a hash of the refresh token and labels the session', async () => {
    const { refreshToken, sessionId } = await service.start('u1', client);
    const stored = repo.items.get(sessionId);
    expect(JSON.stringify(stored)).not.toContain(refreshToken.split('.')[2]);
    expect(stored).toMatchObject({ userId: 'u1', generation: 0, deviceLabel: 'Firefox on Linux', ip: '10.0.0.1' });
  });

  it('rotates the token on every refresh', async () => {
    const first = await service.start('u1', client);
    const second = await service.refresh(first.refreshToken, client);
    const third = await service.refresh(second.refreshToken, client);
    expect(new Set([first.refreshToken, second.refreshToken, third.refreshToken]).size).toBe(3);
    expect(third).toMatchObject({ sessionId: first.sessionId, userId: 'u1' });
  });

  it('revokes the whole family when a superseded token comes back', async () => {
    const first = await service.start('u1', client);
    const second = await service.refresh(first.refreshToken, client);
    const third = await service.refresh(second.refreshToken, client);
    await expect(service.refresh(first.refreshToken, client)).rejects.toThrow('the session has ended');
    expect(revoked).toEqual([[first.sessionId]]);
    await expect(service.refresh(third.refreshToken, client)).rejects.toBeInstanceOf(UnauthorizedException);
  });

  it('refuses the token just replaced within the grace period without ending the session', async () => {
    const first = await service.start('u1', client);
    const second = await service.refresh(first.refreshToken, client);
    await expect(service.refresh(first.refreshToken, client)).rejects.toThrow('just replaced');
    expect(revoked).toEqual([]);
    await expect(service.refresh(second.refreshToken, client)).resolves.toMatchObject({ sessionId: first.sessionId });
  });

  it('treats the token just replaced as reuse when there is no grace period', async () => {
    service = make(0);
    const first = await service.start('u1', client);
    await service.refresh(first.refreshToken, client);
    await new Promise((r) => setTimeout(r, 5));
    await expect(service.refresh(first.refreshToken, client)).rejects.toThrow('the session has ended');
    expect(revoked).toEqual([[first.sessionId]]);
  });

  it('lets exactly one of two concurrent refreshes win and keeps the winner valid', async () => {
    const first = await service.start('u1', client);
    const results = await Promise.allSettled([service.refresh(first.refreshToken, client),
      service.refresh(first.refreshToken, client)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    await expect(service.refresh((won[0] as PromiseFulfilledResult<{ refreshToken: string }>).value.refreshToken, client))
      .resolves.toMatchObject({ sessionId: first.sessionId });
  });

  it.each([
    ['nothing', undefined],
    ['garbage', 'not-a-token'],
    ['a forged MAC', `${'s'.repeat(22)}.0.${'r'.repeat(43)}.${'m'.repeat(43)}`],
  ])('refuses %s as a refresh token without revoking anything', async (_name, token) => {
    await service.start('u1', client);
    await expect(service.refresh(token, client)).rejects.toBeInstanceOf(UnauthorizedException);
    expect(revoked).toEqual([]);
  });

  it('refuses the refresh token of a logged-out session', async () => {
    const first = await service.start('u1', client);
    await service.revoke('u1', [first.sessionId], 'logout');
    await expect(service.refresh(first.refreshToken, client)).rejects.toThrow('the session has ended');
  });

  describe('says why a refresh is refused, in the 401 body\'s reason', () => {
    const refusal = async (attempt: Promise<unknown>) => {
      const err = await attempt.then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(UnauthorizedException);
      return (err as UnauthorizedException).getResponse();
    };
    const ended = (reason: string) =>
      ({ statusCode: 401, error: 'Unauthorized', message: 'the session has ended; log in again', reason });

    it.each(['revoked', 'logout', 'logout-all', 'password-change'] as const)(
      'revoked: a session ended on purpose (%s)', async (why) => {
        const first = await service.start('u1', client);
        await service.revoke('u1', [first.sessionId], why);
        expect(await refusal(service.refresh(first.refreshToken, client))).toEqual(ended('revoked'));
      });

    it('revoked: the session a reused token has just ended, for the thief and for the owner', async () => {
      const first = await service.start('u1', client);
      const second = await service.refresh(first.refreshToken, client);
      const third = await service.refresh(second.refreshToken, client);
      expect(await refusal(service.refresh(first.refreshToken, client))).toEqual(ended('revoked'));
      expect(await refusal(service.refresh(third.refreshToken, client))).toEqual(ended('revoked'));
    });

    it('expired: a session past its lifetime', async () => {
      const first = await service.start('u1', client);
      repo.items.set(first.sessionId, { ...(repo.items.get(first.sessionId) as SessionRecord), expiresAt: Date.now() - 1 });
      expect(await refusal(service.refresh(first.refreshToken, client))).toEqual(ended('expired'));
    });

    it('revoked wins over expired when a session is both', async () => {
      const first = await service.start('u1', client);
      await service.revoke('u1', [first.sessionId], 'revoked');
      repo.items.set(first.sessionId, { ...(repo.items.get(first.sessionId) as SessionRecord), expiresAt: Date.now() - 1 });
      expect(await refusal(service.refresh(first.refreshToken, client))).toEqual(ended('revoked'));
    });

    it('invalid: the token just replaced, with its own message', async () => {
      const first = await service.start('u1', client);
      await service.refresh(first.refreshToken, client);
      expect(await refusal(service.refresh(first.refreshToken, client))).toEqual({ statusCode: 401,
        error: 'Unauthorized', message: 'this refresh token was just replaced; use the new one', reason: 'invalid' });
    });

    it.each([
      ['no token', async () => undefined],
      ['garbage', async () => 'not-a-token'],
      ['a forged MAC on a revoked session', async () => {
        const { refreshToken, sessionId } = await service.start('u1', client);
        await service.revoke('u1', [sessionId], 'revoked');
        return `${refreshToken.slice(0, refreshToken.lastIndexOf('.'))}.${'m'.repeat(43)}`;
      }],
      ['a genuine token of a session that no longer exists', async () => {
        const { refreshToken, sessionId } = await service.start('u1', client);
        repo.items.delete(sessionId);
        return refreshToken;
      }],
    ])('invalid: %s (nothing about any session leaks)', async (_name, token) => {
      expect(await refusal(service.refresh(await token(), client))).toEqual({ statusCode: 401, error: 'Unauthorized',
        message: 'a valid refresh token is required', reason: 'invalid' });
    });
  });

  it('lists live sessions, marks the current one and ends all others', async () => {
    const a = await service.start('u1', client);
    const b = await service.start('u1', { ip: '10.0.0.2' });
    await service.start('u2', client);
    expect((await service.list('u1', a.sessionId)).map((s) => [s.sessionId, s.current]).sort())
      .toEqual([[a.sessionId, true], [b.sessionId, false]].sort());
    await service.revokeAll('u1', 'password-change', a.sessionId);
    expect((await service.list('u1', a.sessionId)).map((s) => s.sessionId)).toEqual([a.sessionId]);
  });

  it('does not let a user revoke another user\'s session', async () => {
    const other = await service.start('u2', client);
    await expect(service.revokeOwn('u1', other.sessionId)).rejects.toBeInstanceOf(NotFoundException);
  });

  it('reloads recently revoked sessions into the denylist at start when there is no Redis (one process)', async () => {
    const old = await service.start('u1', client);
    const recent = await service.start('u1', client);
    await service.start('u1', client);
    repo.items.set(old.sessionId, { ...(repo.items.get(old.sessionId) as SessionRecord), revokedAt: Date.now() - 3_600_000 });
    repo.items.set(recent.sessionId, { ...(repo.items.get(recent.sessionId) as SessionRecord), revokedAt: Date.now() - 1000 });
    await make(10, true).onApplicationBootstrap();
    expect(revoked).toEqual([]);
    await make(10, false).onApplicationBootstrap();
    expect(revoked).toEqual([[recent.sessionId]]);
  });
});
