import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { type AuthUser, Bus, CORE_CONFIG, type CoreConfig, FreshReads, KeptAnswers } from '@parley/server/core';
import { API, type RoomDetail, type RoomSummary, type StatusUpdateDto, type UserPresence, userRoom } from '@parley/shared/contracts';
import { MESSAGING_CONFIG, type MessagingConfig } from './messaging.config';
import { PresenceStore, type StoredStatus } from './presence.store';
import { type ParleySocket, RealtimeRepository } from './realtime.repository';

/**
 * Presence across instances (DESIGN §4): `user:online` when a user's first socket connects anywhere,
 * `user:offline` a grace period after the last one closed (a reload does not flap), `user:status` on
 * `status:update`. Only rooms the user belongs to hear it, so only people who share a room see each other.
 */
@Injectable()
export class PresenceService implements OnModuleInit {
  private readonly logger = new Logger(PresenceService.name);
  private readonly pending = new Map<string, NodeJS.Timeout>();
  /** A user's rooms, kept until the bus says they joined or left one; callers copy, never change it. */
  private readonly roomLists = new KeptAnswers<string[]>({ max: 10_000, ttlMs: 60_000 });
  /** A user's sockets that connect at once share calls (see FreshReads). */
  private readonly roomReads = new FreshReads<string[]>();

  constructor(
    private readonly store: PresenceStore,
    private readonly realtime: RealtimeRepository,
    private readonly bus: Bus,
    @Inject(MESSAGING_CONFIG) private readonly config: MessagingConfig,
    @Inject(CORE_CONFIG) private readonly core: CoreConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const changed = ({ userId }: { userId: string }) => this.roomLists.invalidate(userId);
    await this.bus.subscribe('room.member.added', changed);
    await this.bus.subscribe('room.member.removed', changed);
    this.bus.onResumed(() => this.roomLists.clear());
  }

  /** The user's rooms, from the rooms service on the user's own token; [] when it does not answer. */
  roomsOf(user: AuthUser): Promise<string[]> {
    return this.roomLists.get(user.userId, () => this.roomReads.get(user.userId, () => this.fetchRoomsOf(user)))
      .catch(() => []);
  }

  private async fetchRoomsOf(user: AuthUser): Promise<string[]> {
    const response = await fetch(new URL(API.rooms, this.core.ROOMS_URL), {
      headers: { authorization: `Bearer ${user.token}` }, signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) throw new Error(`the rooms service answered ${response.status}`);
    return ((await response.json()) as RoomSummary[]).map((r) => r.roomId);
  }

  count(userId: string): Promise<number> {
    return this.store.count(userId);
  }

  /** Counts a socket in its handshake; returns the user's socket count including it (the per-user cap). */
  reserve(userId: string, socketId: string): Promise<number> {
    return this.store.add(userId, socketId);
  }

  /** Undoes `reserve` for a handshake that was refused. */
  async release(userId: string, socketId: string): Promise<void> {
    await this.store.remove(userId, socketId);
  }

  /** Counts the socket at once (the per-user socket cap reads this count). */
  async register(socket: ParleySocket): Promise<void> {
    await this.store.add(socket.data.user.userId, socket.id);
  }

  /** Tells the user's rooms that the user is online, unless they were told already or the user is invisible. */
  async connected(socket: ParleySocket): Promise<void> {
    const { user } = socket.data;
    const [, status] = await Promise.all([this.store.noteUser(user.userId, audience(socket)),
      this.store.status(user.userId)]);
    if (status.status === 'invisible') return;
    if ((await this.store.announce(user.userId, 'online')) !== 'online') {
      this.realtime.toRooms(audience(socket), undefined, 'user:online', presence(user.userId, status));
    }
  }

  async disconnected(socket: ParleySocket): Promise<void> {
    const { user } = socket.data;
    const rooms = audience(socket);
    if ((await this.store.remove(user.userId, socket.id)) > 0) return;
    clearTimeout(this.pending.get(user.userId));
    const timer = setTimeout(() => {
      this.pending.delete(user.userId);
      void this.goneIfStillGone(user.userId, rooms).catch((err) =>
        this.logger.warn({ err, userId: user.userId }, 'presence check failed'));
    }, this.config.PRESENCE_GRACE_MS);
    timer.unref();
    this.pending.set(user.userId, timer);
  }

  private async goneIfStillGone(userId: string, rooms: string[]): Promise<void> {
    if ((await this.store.count(userId)) > 0) return;
    if ((await this.store.announce(userId, 'offline')) === 'online') {
      this.realtime.toRooms(rooms, undefined, 'user:offline', { userId });
    }
  }

  async updateStatus(socket: ParleySocket, update: StatusUpdateDto): Promise<void> {
    const { user } = socket.data;
    const status: StoredStatus = update.text ? { status: update.status, text: update.text } : { status: update.status };
    await this.store.setStatus(user.userId, status);
    const rooms = audience(socket);
    if (status.status === 'invisible') {
      if ((await this.store.announce(user.userId, 'offline')) === 'online') {
        this.realtime.toRooms(rooms, undefined, 'user:offline', { userId: user.userId });
      }
      return;
    }
    await this.store.announce(user.userId, 'online');
    this.realtime.toRooms(rooms, undefined, 'user:status', presence(user.userId, status));
  }

  /** A user's own status as stored (invisible included): for that user's own sockets only. */
  ownStatus(userId: string): Promise<StoredStatus> {
    return this.store.status(userId);
  }

  /** Members of a room who are online now, as others may see them. */
  async onlineIn(room: RoomDetail): Promise<UserPresence[]> {
    const online = await this.store.online(room.members.map((m) => m.userId));
    return [...online].filter(([, s]) => s.status !== 'invisible').map(([userId, s]) => presence(userId, s));
  }

  /** How often `heartbeat` must run. */
  get heartbeatMs(): number {
    return this.store.heartbeatMs;
  }

  /**
   * Keeps this instance's sockets counted (see PresenceStore), then announces offline the users of instances that
   * died: their sockets never said goodbye, so nothing else would tell their rooms.
   */
  async heartbeat(sockets: Iterable<ParleySocket>): Promise<void> {
    await this.store.heartbeat([...sockets].filter((s) => s.data.user)
      .map((s) => ({ userId: s.data.user.userId, socketId: s.id, rooms: audience(s) })));
    for (const { userId, rooms } of await this.store.reapDeadInstances()) await this.goneIfStillGone(userId, rooms);
  }
}

/** Who may see a socket's user: the rooms the user belonged to at connect and those joined since. */
function audience(socket: ParleySocket): string[] {
  const joined = [...socket.rooms].filter((r) => r !== socket.id && r !== userRoom(socket.data.user.userId));
  return [...new Set([...(socket.data.memberOf ?? []), ...joined])];
}

function presence(userId: string, status: StoredStatus): UserPresence {
  const visible = status.status === 'invisible' ? 'online' : status.status;
  return status.text ? { userId, status: visible, text: status.text } : { userId, status: visible };
}
