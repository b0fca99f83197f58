import { ForbiddenException, Inject, Injectable, type OnModuleInit, ServiceUnavailableException } from '@nestjs/common';
import { API, type RoomDetail } from '@parley/shared/contracts';
import type { AuthUser } from '../auth/token-verifier';
import { Bus } from '../bus/bus';
import { CoreConfig } from '../config/core.config';
import { CORE_CONFIG } from '../config/tokens';
import { FreshReads } from '../reads/fresh-reads';
import { KeptAnswers } from '../reads/kept-answers';

/**
 * Asks the rooms service (the owner of membership) whether a user belongs to a room, on the user's own token:
 * rooms answers 403/404 for non-members, so this needs no service secret and cannot widen anyone's access.
 *
 * A room's detail is kept per room until the bus says its members or epoch changed, so the members who join a room
 * after the first one (every socket of a reconnect storm, every tab) make no call. A user the kept detail does not
 * list is asked about again, on their own token: a member added a moment ago gets in, and nobody is refused from a
 * kept answer.
 */
@Injectable()
export class MembershipClient implements OnModuleInit {
  private readonly details = new KeptAnswers<RoomDetail>({ max: 10_000, ttlMs: 60_000 });
  /** A user's sockets that join one room at once share calls (see FreshReads). */
  private readonly reads = new FreshReads<RoomDetail>();

  constructor(@Inject(CORE_CONFIG) private readonly config: CoreConfig, private readonly bus: Bus) {}

  async onModuleInit(): Promise<void> {
    const changed = ({ roomId }: { roomId: string }) => this.details.invalidate(roomId);
    await this.bus.subscribe('room.member.added', changed);
    await this.bus.subscribe('room.member.removed', changed);
    await this.bus.subscribe('room.epoch.created', changed);
    this.bus.onResumed(() => this.details.clear());
  }

  /** Resolves with the room as `user` sees it when they are a member of `roomId`; throws 403 otherwise. */
  async assertMember(user: AuthUser, roomId: string): Promise<RoomDetail> {
    const kept = this.details.peek(roomId);
    const member = kept?.members.find((m) => m.userId === user.userId);
    if (kept && member) return { ...kept, role: member.role };
    return this.details.refresh(roomId, () => this.reads.get(`${user.userId}/${roomId}`, () => this.fetchRoom(user, roomId)));
  }

  private async fetchRoom(user: AuthUser, roomId: string): Promise<RoomDetail> {
    let response: Response;
    try {
      response = await fetch(new URL(API.room(roomId), this.config.ROOMS_URL), {
        headers: { authorization: `Bearer ${user.token}` },
        signal: AbortSignal.timeout(5_000),
      });
    } catch {
      throw new ServiceUnavailableException('the rooms service did not answer; try again');
    }
    if (response.status === 403 || response.status === 404) {
      throw new ForbiddenException('you are not a member of this room');
    }
    if (!response.ok) throw new ServiceUnavailableException(`the rooms service answered ${response.status}`);
    return (await response.json()) as RoomDetail;
  }
}
