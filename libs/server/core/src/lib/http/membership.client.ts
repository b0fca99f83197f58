import { ForbiddenException, Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { API, type RoomDetail } from '@parley/shared/contracts';
import { CoreConfig } from '../config/core.config';
import { CORE_CONFIG } from '../config/tokens';
import type { AuthUser } from '../auth/token-verifier';
import { FreshReads } from '../reads/fresh-reads';

/**
 * Asks the rooms service (the owner of membership) whether a user belongs to a room, on the user's own token:
 * rooms answers 403/404 for non-members, so this needs no service secret and cannot widen anyone's access.
 */
@Injectable()
export class MembershipClient {
  /** A user's sockets that join one room at once share calls (see FreshReads). */
  private readonly rooms = new FreshReads<RoomDetail>();

  constructor(@Inject(CORE_CONFIG) private readonly config: CoreConfig) {}

  /** Resolves when `user` is a member of `roomId`; throws 403 otherwise. */
  assertMember(user: AuthUser, roomId: string): Promise<RoomDetail> {
    return this.rooms.get(`${user.userId}/${roomId}`, () => this.fetchRoom(user, roomId));
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
