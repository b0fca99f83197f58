/**
 * The receiver's checks of DESIGN §3, in order: (1) signature against the sender's DeviceCert, (2) sender on the
 * epoch's roster, (3) decrypt, (4) duplicate messageId, (5) senderSeq gap. Plus the context: an event is only
 * accepted in the room (and epoch) it names, so a server replaying it into another room is caught.
 */
import { ContextError, DuplicateMessageError } from './errors';
import { openMessage, verifyMessageSignature } from './message';
import { DeviceCert, EncryptedEvent, Payload } from './types';

/**
 * Remembers, per sender device, the messageIds already accepted and the highest senderSeq. Ids are kept per room
 * and sender; `maxIdsPerSender` bounds memory (the oldest are forgotten first).
 */
export class ReplayGuard {
  private readonly senders = new Map<string, { ids: Set<string>; maxSeq: number }>();

  constructor(private readonly maxIdsPerSender = 50_000) {}

  private key(e: Pick<EncryptedEvent, 'roomId' | 'senderUserId' | 'senderDeviceId'>): string {
    return JSON.stringify([e.roomId, e.senderUserId, e.senderDeviceId]);
  }

  /** A plain snapshot to persist beside the message history. */
  toJSON(): { v: 1; senders: [string, { ids: string[]; maxSeq: number }][] } {
    return { v: 1, senders: [...this.senders].map(([k, s]) => [k, { ids: [...s.ids], maxSeq: s.maxSeq }]) };
  }

  static fromJSON(data: ReturnType<ReplayGuard['toJSON']>, maxIdsPerSender?: number): ReplayGuard {
    const guard = new ReplayGuard(maxIdsPerSender);
    if (data?.v !== 1 || !Array.isArray(data.senders)) return guard;
    for (const [k, s] of data.senders) guard.senders.set(k, { ids: new Set(s.ids), maxSeq: s.maxSeq });
    return guard;
  }

  has(event: EncryptedEvent): boolean {
    return this.senders.get(this.key(event))?.ids.has(event.messageId) ?? false;
  }

  /** Records an accepted event; returns the senderSeq anomaly, if any. */
  record(event: EncryptedEvent): SeqAnomaly | undefined {
    const k = this.key(event);
    let s = this.senders.get(k);
    if (!s) {
      s = { ids: new Set(), maxSeq: -1 };
      this.senders.set(k, s);
    }
    if (s.ids.has(event.messageId)) throw new DuplicateMessageError(`duplicate message ${event.messageId}`);
    s.ids.add(event.messageId);
    if (s.ids.size > this.maxIdsPerSender) s.ids.delete(s.ids.values().next().value as string);
    let anomaly: SeqAnomaly | undefined;
    if (s.maxSeq >= 0 && event.senderSeq > s.maxSeq + 1) anomaly = { kind: 'gap', expected: s.maxSeq + 1, got: event.senderSeq };
    else if (s.maxSeq >= 0 && event.senderSeq <= s.maxSeq) anomaly = { kind: 'late', expected: s.maxSeq + 1, got: event.senderSeq };
    s.maxSeq = Math.max(s.maxSeq, event.senderSeq);
    return anomaly;
  }
}

/** A senderSeq that skipped ahead (messages missing or withheld) or came back (late or reordered delivery). */
export interface SeqAnomaly {
  kind: 'gap' | 'late';
  expected: number;
  got: number;
}

export interface ReceiveContext {
  /** The room being read: an event naming another room is rejected. */
  roomId: string;
  /** The epoch key for `event.epoch`. */
  rek: Uint8Array;
  /** If given, the event must be of this epoch. */
  epoch?: number;
  /** The sender device's certificate, verified against the sender's UIK. */
  senderCert: DeviceCert;
  /**
   * The devices the epoch's key was sealed to (e.g. `VerifiedEpoch.recipients`, or the envelope's wraps): a
   * sender who was not given the key by the roster cannot have written under it legitimately.
   */
  roster: readonly { userId: string; deviceId: string }[];
  guard: ReplayGuard;
}

export interface ReceivedMessage {
  payload: Payload;
  seq?: SeqAnomaly;
}

/** Runs every receiver check; any failure is a typed error, never garbage. */
export async function receiveMessage(event: EncryptedEvent, ctx: ReceiveContext): Promise<ReceivedMessage> {
  if (!event || typeof event !== 'object') throw new ContextError('wrong-room', 'event: expected an object');
  if (event.roomId !== ctx.roomId) throw new ContextError('wrong-room', `event of room ${event.roomId} delivered in ${ctx.roomId}`);
  if (ctx.epoch !== undefined && event.epoch !== ctx.epoch) throw new ContextError('wrong-epoch', `event of epoch ${event.epoch}, expected ${ctx.epoch}`);
  await verifyMessageSignature(event, ctx.senderCert);
  if (!ctx.roster.some((d) => d.userId === event.senderUserId && d.deviceId === event.senderDeviceId)) {
    throw new ContextError('sender-not-on-roster', `event: ${event.senderUserId}/${event.senderDeviceId} is not on the roster of epoch ${event.epoch}`);
  }
  const payload = await openMessage(event, ctx.rek);
  const seq = ctx.guard.record(event);
  return seq ? { payload, seq } : { payload };
}
