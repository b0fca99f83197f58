/** A message as the chat shows it. */
export interface ChatMessage {
  messageId: string;
  roomId: string;
  senderUserId: string;
  senderName: string;
  /** Plaintext; null when the message could not be decrypted or was deleted. */
  body: string | null;
  /** The sender's clock (inside the signed header). */
  sentAt: number;
  /** The room's order; null until the server acknowledged it. */
  seq: number | null;
  own: boolean;
  /** `deleted`: the sender removed it; only a tombstone remains. */
  status: 'sending' | 'sent' | 'failed' | 'undecryptable' | 'deleted';
  /** Why sending or decrypting failed. */
  error?: string;
}

/** Orders by the server's seq; messages not acknowledged yet stay at the end in the order they were written. */
export function compareMessages(a: ChatMessage, b: ChatMessage): number {
  if (a.seq !== null && b.seq !== null) return a.seq - b.seq;
  if (a.seq === null && b.seq === null) return a.sentAt - b.sentAt;
  return a.seq === null ? 1 : -1;
}

/**
 * Merges one message into a room's list: one entry per messageId, ordered by seq. Our own optimistic copy wins
 * over the server's (it only learns its seq and that it arrived); a tombstone replaces whatever was there.
 * Returns the same array when nothing changed.
 */
export function mergeMessage(list: ChatMessage[], message: ChatMessage): ChatMessage[] {
  const index = list.findIndex((m) => m.messageId === message.messageId);
  if (index === -1) return [...list, message].sort(compareMessages);
  const current = list[index];
  let merged: ChatMessage;
  if (message.status === 'deleted') {
    if (current.status === 'deleted') return list;
    merged = { ...current, body: null, status: 'deleted', error: undefined, seq: message.seq ?? current.seq };
  } else if ((current.status === 'sending' || current.status === 'failed') && message.seq !== null) {
    // The server has it (the ack was lost, or this is the echo from sync): it is sent.
    merged = { ...current, seq: message.seq, status: 'sent', error: undefined };
  } else return list;
  const next = [...list];
  next[index] = merged;
  return next.sort(compareMessages);
}

/** The highest seq up to which this client has every message (a hole means: ask again from there). */
export function lastContiguousSeq(messages: ChatMessage[]): number | null {
  const seqs = messages.map((m) => m.seq).filter((s): s is number => s !== null).sort((a, b) => a - b);
  if (seqs.length === 0) return null;
  let last = seqs[0];
  for (const s of seqs.slice(1)) {
    if (s !== last + 1) break;
    last = s;
  }
  return last;
}
