import { BadRequestException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { type AuthUser, MembershipClient } from '@parley/server/core';
import {
  HISTORY_PAGE_DEFAULT, type HistoryPage, ID_PATTERN, type HistoryQueryDto, type MessageDeleted, type ReadReceipt, type RoomDetail,
  type StoredMessage,
} from '@parley/shared/contracts';
import type { EncryptedEvent } from '@parley/shared/crypto';
import { DeviceDirectory } from './device-directory';
import { MessageRepository, SeqTakenError } from './message.repository';
import type { UserCharge } from './rate-limits';
import { ReceiptRepository } from './receipt.repository';
import { RECOVERY_WINDOW_SECONDS, SeqAllocator } from './seq-allocator';

/** How far a sender's clock (`sentAt`, signed) may run ahead of ours and still count as recent. */
const CLOCK_SKEW_MS = 15_000;
/**
 * A send signed less than this long ago can have had no earlier attempt before the recovery window: its attempts
 * all lie within RECOVERY_WINDOW_SECONDS, so a claim made for one of them is still held (claims live 10 min) or
 * was lost with Redis data so recently that the room is still marked as recovering. A fresh claim without that
 * mark then proves the message new, and the `messageId` GSI query (about a third of the gateway's CPU per message
 * and 40 % of DynamoDB's, tools/bench) is skipped. A sender who lies about `sentAt` can only store its own message
 * twice, which receivers drop by messageId.
 */
const RECENT_SEND_MS = RECOVERY_WINDOW_SECONDS * 1000 - CLOCK_SKEW_MS;

/** Hands a message to its room's sockets (on every instance); called at most once per send. */
export type Deliver = (message: StoredMessage) => void;

export interface SendResult {
  message: StoredMessage;
  /** A retry of a stored messageId: the first copy, not to be delivered again. */
  duplicate: boolean;
}

/** Rules of sending and reading messages. The ciphertext passes through untouched. */
@Injectable()
export class MessagingService {
  private readonly logger = new Logger(MessagingService.name);
  /** Sends in progress on this instance, by sender, room and messageId. */
  private readonly attempts = new Map<string, Promise<SendResult>>();

  constructor(
    private readonly messages: MessageRepository,
    private readonly seqs: SeqAllocator,
    private readonly membership: MembershipClient,
    private readonly receipts: ReceiptRepository,
    private readonly devices: DeviceDirectory,
  ) {}

  /**
   * Stores an event under the room's next seq, exactly once per (roomId, messageId): a retry, on any instance, at
   * any time, gets the first seq back (`duplicate: true`). See SeqAllocator for how. The caller has checked that
   * the sender may write to the room; the result (the sender's ack) follows the write.
   *
   * `deliver` runs once per message, not per attempt: as soon as the seq is claimed, in parallel with the write
   * (recipients do not wait for DynamoDB; tools/bench measured persist-then-broadcast at several times the bare
   * socket.io latency), or after the write while the room's counter is being recovered. The price: a message whose
   * write fails is seen live before it is stored (the sender's retry stores it and does not deliver it again),
   * and a retry more than CLAIM_TTL_SECONDS late is delivered a second time (clients drop duplicate messageIds).
   *
   * `charge`: the sender's rate-limit charge, taken by the claim (SeqAllocator.claim); OverBudgetError when refused.
   */
  async send(user: AuthUser, event: EncryptedEvent, deliver: Deliver = () => undefined, charge?: UserCharge):
    Promise<SendResult> {
    if (event.senderUserId !== user.userId) throw new BadRequestException('senderUserId must be you');
    // A resend while this instance still works on an earlier attempt (the client's ack timeout ran out on a slow
    // write) waits for that attempt instead of adding one more write to a database that is already slow.
    const key = `${user.userId}/${event.roomId}/${event.messageId}`;
    const running = this.attempts.get(key);
    if (running) return { ...(await running), duplicate: true };
    let delivered = false;
    const attempt = this.store(user, event, (message) => {
      if (delivered) return;
      delivered = true;
      deliver(message);
    }, charge);
    this.attempts.set(key, attempt);
    try {
      return await attempt;
    } finally {
      this.attempts.delete(key);
    }
  }

  private async store(user: AuthUser, event: EncryptedEvent, deliver: Deliver, charge?: UserCharge, attempt = 1):
    Promise<SendResult> {
    const lookup = () => {
      const found = this.messages.findByMessageId(event.roomId, event.messageId);
      found.catch(() => undefined); // awaited below; this keeps a failed claim from leaving it unhandled
      return found;
    };
    const age = Date.now() - event.sentAt;
    const recent = age < RECENT_SEND_MS && age > -CLOCK_SKEW_MS;
    // An older send asks the GSI in parallel with the claim; a recent one only if its claim does not prove it new.
    let indexing = recent ? undefined : lookup();
    const claim = await this.seqs.claim(event.roomId, event.messageId, user.userId, { charge });
    if (claim.fresh && claim.live) deliver({ ...event, seq: claim.seq, receivedAt: claim.receivedAt });
    if (!indexing && !(claim.fresh && claim.recoveredAt === undefined)) indexing = lookup();
    const indexed = indexing ? await indexing : undefined;
    if (indexed) return this.existing(user, indexed, claim.fresh);
    if (claim.owner !== user.userId) throw new BadRequestException('that messageId is taken');
    if (claim.fresh && claim.recoveredAt !== undefined) {
      const recent = await this.messages.findRecentByMessageId(event.roomId, event.messageId, claim.recoveredAt);
      if (recent) return this.existing(user, recent, true);
    }
    const message: StoredMessage = { ...event, seq: claim.seq, receivedAt: claim.receivedAt };
    try {
      await this.messages.put(message);
      // Live claims were delivered when they were made (by this attempt or the one that claimed the seq).
      if (!claim.live) deliver(message);
      return { message, duplicate: false };
    } catch (err) {
      if (!(err instanceof SeqTakenError)) throw err;
      // Another attempt with this messageId claimed the same seq and wrote first; a consistent read shows it.
      const stored = await this.messages.get(event.roomId, claim.seq);
      if (stored?.messageId === event.messageId) return this.existing(user, stored, false);
      // The counter went back (Redis lost it while writes were in flight): raise it past the table and go again.
      this.logger.warn({ roomId: event.roomId, seq: claim.seq, attempt }, 'a claimed seq holds another message');
      if (attempt >= 3) throw err;
      await this.seqs.repair(event.roomId, event.messageId);
      return this.store(user, event, deliver, charge, attempt + 1); // the charge is taken once
    }
  }

  private async existing(user: AuthUser, stored: StoredMessage, repointClaim: boolean): Promise<SendResult> {
    if (stored.senderUserId !== user.userId) throw new BadRequestException('that messageId is taken');
    if (repointClaim) await this.seqs.reclaim(stored.roomId, stored.messageId, stored);
    return { message: stored, duplicate: true };
  }

  /** Sending over REST (bots, scripts): the same rules, with the membership check a socket did at join. */
  async post(user: AuthUser, roomId: string, event: EncryptedEvent, deliver?: Deliver): Promise<SendResult> {
    if (event.roomId !== roomId) throw new BadRequestException('roomId must equal the room in the path');
    if (event.senderUserId !== user.userId) throw new BadRequestException('senderUserId must be you');
    // Membership first: an outsider must always get 403, whatever else is wrong with the event.
    await this.membership.assertMember(user, roomId);
    await this.devices.assertLive(user, event.senderDeviceId);
    return this.send(user, event, deliver);
  }

  async history(user: AuthUser, roomId: string, query: HistoryQueryDto): Promise<HistoryPage> {
    if (query.before !== undefined && query.after !== undefined) {
      throw new BadRequestException('give either before or after, not both');
    }
    await this.membership.assertMember(user, roomId);
    return this.page(roomId, query);
  }

  /** History without the membership call: for sockets, which proved membership at `room:join`. */
  async page(roomId: string, query: HistoryQueryDto): Promise<HistoryPage> {
    const limit = query.limit ?? HISTORY_PAGE_DEFAULT;
    const messages = await this.messages.page(roomId, { before: query.before, after: query.after, limit: limit + 1 });
    const hasMore = messages.length > limit;
    if (!hasMore) return { messages, hasMore };
    return { messages: query.after !== undefined ? messages.slice(0, limit) : messages.slice(1), hasMore };
  }

  /**
   * The sender deletes a message: the ciphertext goes, a tombstone stays. Deleting a deleted message succeeds
   * again (retries are harmless). Someone else's message or an unknown id: 404, the same answer for both.
   */
  async delete(user: AuthUser, roomId: string, messageId: string): Promise<MessageDeleted> {
    const seq = await this.seqs.lookup(roomId, messageId) ?? (await this.messages.findByMessageId(roomId, messageId))?.seq;
    const deleted = seq === undefined ? undefined : await this.messages.tombstone(roomId, seq, messageId, user.userId);
    if (!deleted) throw new NotFoundException('no message of yours with that id');
    return { roomId, messageId, seq: deleted.seq };
  }

  /** DELETE /api/messages/:messageId: finds the room by the id; the sender must still be a member. */
  async deleteById(user: AuthUser, messageId: string): Promise<MessageDeleted> {
    if (!ID_PATTERN.test(messageId)) throw new NotFoundException('no message of yours with that id');
    const copies = await this.messages.findAnyByMessageId(messageId);
    const mine = copies.find((m) => m.senderUserId === user.userId);
    if (!mine) throw new NotFoundException('no message of yours with that id');
    await this.membership.assertMember(user, mine.roomId);
    return this.delete(user, mine.roomId, messageId);
  }

  /**
   * Moves the reader's last-read seq forward (never back, never past the room's last seq). Returns the receipt
   * to broadcast, or undefined when nothing changed.
   */
  async markRead(user: AuthUser, roomId: string, seq: number): Promise<ReadReceipt | undefined> {
    const last = await this.seqs.current(roomId);
    if (seq > last) throw new BadRequestException(`seq ${seq} is past the room's last message (${last})`);
    const readAt = Date.now();
    const moved = await this.receipts.advance(roomId, user.userId, seq, readAt);
    return moved ? { roomId, userId: user.userId, seq, readAt } : undefined;
  }

  /**
   * Where a room stands for a user who joins it: last seq and when it was claimed (when known), their last read
   * seq, everyone's receipts.
   */
  async roomState(user: AuthUser, room: RoomDetail): Promise<{ lastSeq: number; lastActivityAt?: number;
    lastReadSeq: number; unread: number; receipts: ReadReceipt[] }> {
    const [{ lastSeq, lastAt }, all] = await Promise.all([this.seqs.activity(room.roomId),
      this.receipts.forRoom(room.roomId)]);
    const members = new Set(room.members.map((m) => m.userId));
    const receipts = all.filter((r) => members.has(r.userId));
    const lastReadSeq = receipts.find((r) => r.userId === user.userId)?.seq ?? 0;
    return { lastSeq, ...(lastAt !== undefined && { lastActivityAt: lastAt }), lastReadSeq,
      unread: Math.max(0, lastSeq - lastReadSeq), receipts };
  }

  /** Throws unless `user` is a member (REST paths; sockets check once at join). */
  assertMember(user: AuthUser, roomId: string): Promise<RoomDetail> {
    return this.membership.assertMember(user, roomId);
  }
}
