/** A message as the chat shows it. */
export interface ChatMessage {
  messageId: string;
  roomId: string;
  senderUserId: string;
  senderName: string;
  /** Plaintext; null when the message could not be decrypted. */
  body: string | null;
  /** The sender's clock (inside the signed header). */
  sentAt: number;
  /** The room's order; null until the server acknowledged it. */
  seq: number | null;
  own: boolean;
  status: 'sending' | 'sent' | 'failed' | 'undecryptable';
  /** Why sending or decrypting failed. */
  error?: string;
}

/** Orders by the server's seq; messages not acknowledged yet stay at the end in the order they were written. */
export function compareMessages(a: ChatMessage, b: ChatMessage): number {
  if (a.seq !== null && b.seq !== null) return a.seq - b.seq;
  if (a.seq === null && b.seq === null) return a.sentAt - b.sentAt;
  return a.seq === null ? 1 : -1;
}
