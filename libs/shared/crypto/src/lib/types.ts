/**
 * Wire objects of protocol v1 (DESIGN §3). Binary fields are base64url strings (`B64u`).
 * These are the canonical shapes: `@parley/shared/contracts` validates them, this library signs and checks them.
 */
export type B64u = string;

export const PROTOCOL_VERSION = 1 as const;
export const SUITE_V1 = 'v1' as const;

export interface KdfParams {
  kdf: 'argon2id';
  /** memory in KiB */
  m: number;
  t: number;
  p: number;
  salt: B64u;
}

export interface DeviceCert {
  v: 1;
  userId: string;
  deviceId: string;
  sigKey: B64u;
  kemKey: B64u;
  createdAt: number;
  listVersion: number;
  revoked?: true;
  uikSig: B64u;
}

export type RoomOpKind = 'create' | 'add' | 'remove' | 'leave' | 'role';

export interface RoomOp {
  v: 1;
  roomId: string;
  seq: number;
  prevHash: B64u;
  op: RoomOpKind;
  target: string;
  role?: 'admin' | 'member';
  actorUserId: string;
  actorDeviceId: string;
  sig: B64u;
}

export interface EpochKeyWrap {
  userId: string;
  deviceId: string;
  enc: B64u;
  ct: B64u;
}

export interface EpochKeyEnvelope {
  v: 1;
  suite: 'v1';
  roomId: string;
  epoch: number;
  rosterHash: B64u;
  opsHead: B64u;
  creatorUserId: string;
  creatorDeviceId: string;
  createdAt: number;
  wraps: EpochKeyWrap[];
  sig: B64u;
}

export interface EncryptedEvent {
  v: 1;
  suite: 'v1';
  roomId: string;
  epoch: number;
  messageId: B64u;
  senderUserId: string;
  senderDeviceId: string;
  senderSeq: number;
  sentAt: number;
  ephemeral?: true;
  ct: B64u;
  sig: B64u;
}

export interface FileRef {
  fileId: string;
  scheme: 'c2sp-chunked-aes256gcm-v1';
  key: B64u;
  size: number;
  mime: string;
  name: string;
  ctSha256: B64u;
  thumb?: FileRef;
}

export type PayloadType = 'text' | 'file' | 'edit' | 'delete' | 'reaction' | 'receipt' | 'typing';

export interface Payload {
  type: PayloadType;
  body?: string;
  relatesTo?: { messageId: B64u; rel: 'reply' | 'thread' | 'edit' | 'reaction' };
  file?: FileRef;
  mentions?: string[];
}
