/**
 * The crypto benchmark body: platform-neutral, bundled by run.mjs once for Node and once for Chromium, so both
 * measure the same code in the same run.
 */
import {
  cobblestoneDecryptStream,
  cobblestoneEncryptStream,
  createDeviceCert,
  createEpochKey,
  decryptMessage,
  derivePasswordSecrets,
  encryptMessage,
  generateDeviceKeys,
  generateIdentity,
  KDF_PARAMS_V1,
  openEpochKey,
  randomBytes,
  sealEpochKey,
  b64uEncode,
  type DeviceCert,
} from '@parley/shared/crypto';

export interface BenchResult {
  platform: string;
  message1KiB: { encryptSignOpsPerSec: number; verifyDecryptOpsPerSec: number; ciphertextBytes: number };
  rotation100Devices: { sealMs: number; openOneMs: number };
  file100MiB: {
    mib: number;
    rawAesGcmOneShotMBps: number;
    rawAesGcm16KiBSequentialMBps: number;
    cobblestoneEncryptMBps: number;
    cobblestoneEncryptWithHashMBps: number;
    cobblestoneDecryptMBps: number;
    encryptVsRaw: number;
    /** Best Cobblestone run against best raw run. */
    encryptVsRawBest: number;
    /** Process CPU time (all threads) for one pass, where the platform tells it (Node). */
    cpuMs?: { raw: number; cobblestone: number };
  };
  argon2id: { params: string; ms: number };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const now = () => performance.now();
const MB = 1e6;

async function timeRuns(runs: number, f: () => Promise<void>): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = now();
    await f();
    ms.push(now() - t);
  }
  return median(ms);
}

/** Pushes `data` through a transform in 1 MiB writes and discards the output (counting it). */
async function pump(stream: TransformStream<Uint8Array, Uint8Array>, data: Uint8Array): Promise<number> {
  const writer = stream.writable.getWriter();
  const writing = (async () => {
    for (let off = 0; off < data.length; off += 1 << 20) await writer.write(data.subarray(off, Math.min(data.length, off + (1 << 20))));
    await writer.close();
  })();
  const reader = stream.readable.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
  }
  await writing;
  return n;
}

async function collect(stream: TransformStream<Uint8Array, Uint8Array>, data: Uint8Array): Promise<Uint8Array> {
  const out = new Uint8Array(data.length + 56 + 16 * (Math.floor(data.length / 16384) + 1));
  const writer = stream.writable.getWriter();
  const writing = (async () => {
    for (let off = 0; off < data.length; off += 1 << 20) await writer.write(data.subarray(off, Math.min(data.length, off + (1 << 20))));
    await writer.close();
  })();
  const reader = stream.readable.getReader();
  let o = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    out.set(value, o);
    o += value.length;
  }
  await writing;
  return out.subarray(0, o);
}

export async function runCryptoBench(opts: {
  platform: string;
  mib?: number;
  log?: (s: string) => void;
  /** Process CPU time in ms (Node: process.cpuUsage), to show cost apart from a busy machine's wall clock. */
  cpuTime?: () => number;
}): Promise<BenchResult> {
  const log = opts.log ?? (() => undefined);
  const subtle = globalThis.crypto.subtle;

  // --- messages: 1 KiB text, encrypt+sign and verify+decrypt, one after another (what one client does)
  log('messages');
  const identity = await generateIdentity();
  const device = await generateDeviceKeys();
  const cert = await createDeviceCert(identity, 'alice', device, 1);
  const rek = createEpochKey();
  const payload = { type: 'text' as const, body: 'x'.repeat(1024) };
  const sender = { userId: 'alice', device };
  const N = 400;
  const events = [];
  let t = now();
  for (let i = 0; i < N; i++) events.push(await encryptMessage({ rek, roomId: 'room-bench', epoch: 1, sender, senderSeq: i, payload }));
  const encMs = now() - t;
  t = now();
  for (const e of events) await decryptMessage(e, rek, cert);
  const decMs = now() - t;

  // --- epoch rotation: 50 users × 2 devices
  log('rotation');
  const certs: DeviceCert[] = [];
  const recipientDevice = await generateDeviceKeys();
  for (let u = 0; u < 50; u++) {
    const uik = await generateIdentity();
    for (let d = 0; d < 2; d++) {
      const dev = u === 0 && d === 0 ? recipientDevice : await generateDeviceKeys();
      certs.push(await createDeviceCert(uik, `user-${String(u).padStart(2, '0')}`, dev, d + 1));
    }
  }
  const opsHead = b64uEncode(new Uint8Array(32));
  let envelope = await sealEpochKey({ rek: createEpochKey(), roomId: 'room-bench', epoch: 2, opsHead, creator: sender, recipients: certs });
  const sealMs = await timeRuns(5, async () => {
    envelope = await sealEpochKey({ rek: createEpochKey(), roomId: 'room-bench', epoch: 2, opsHead, creator: sender, recipients: certs });
  });
  const openOneMs = await timeRuns(5, async () => {
    await openEpochKey(envelope, { userId: 'user-00', device: recipientDevice }, cert);
  });

  // --- files: Cobblestone-256 over the same bytes as one raw AES-GCM call
  const mib = opts.mib ?? 100;
  log(`files (${mib} MiB)`);
  const size = mib << 20;
  const data = randomBytes(size);
  const fileKey = createEpochKey();
  const ctx = new TextEncoder().encode('parley/v1/file-bench');
  const aesKey = await subtle.importKey('raw', fileKey, 'AES-GCM', false, ['encrypt']);
  const iv = new Uint8Array(12);
  // Raw and Cobblestone alternate, so that a busy machine hurts both alike: medians of 5 pairs, and best of 5
  // (the least disturbed run of each, the usual estimate of the uncontended cost on a shared machine).
  const rawRuns: number[] = [];
  const cobRuns: number[] = [];
  for (let i = 0; i < 5; i++) {
    rawRuns.push(await timeRuns(1, async () => {
      await subtle.encrypt({ name: 'AES-GCM', iv }, aesKey, data);
    }));
    cobRuns.push(await timeRuns(1, async () => {
      await pump(cobblestoneEncryptStream(fileKey, ctx, { hash: false }).stream, data);
    }));
  }
  let cpuMs: { raw: number; cobblestone: number } | undefined;
  if (opts.cpuTime) {
    const cpu = opts.cpuTime;
    const c0 = cpu();
    await subtle.encrypt({ name: 'AES-GCM', iv }, aesKey, data);
    const c1 = cpu();
    await pump(cobblestoneEncryptStream(fileKey, ctx, { hash: false }).stream, data);
    cpuMs = { raw: Math.round(c1 - c0), cobblestone: Math.round(cpu() - c1) };
  }
  const rawMs = median(rawRuns);
  const encMsFile = median(cobRuns);
  const rawChunkMs = await timeRuns(1, async () => {
    for (let off = 0; off < size; off += 16384) await subtle.encrypt({ name: 'AES-GCM', iv }, aesKey, data.subarray(off, off + 16384));
  });
  const encHashMs = await timeRuns(1, async () => {
    await pump(cobblestoneEncryptStream(fileKey, ctx).stream, data);
  });
  const ct = await collect(cobblestoneEncryptStream(fileKey, ctx, { hash: false }).stream, data);
  const decMsFile = await timeRuns(3, async () => {
    await pump(cobblestoneDecryptStream(fileKey, ctx, { hash: false }).stream, ct);
  });

  // --- Argon2id with the production parameters
  log('argon2id');
  const params = { ...KDF_PARAMS_V1, salt: b64uEncode(randomBytes(16)) };
  const argonMs = await timeRuns(3, async () => {
    await derivePasswordSecrets('correct horse battery staple', params);
  });

  const mbps = (ms: number) => Math.round(size / MB / (ms / 1000));
  return {
    platform: opts.platform,
    message1KiB: {
      encryptSignOpsPerSec: Math.round(N / (encMs / 1000)),
      verifyDecryptOpsPerSec: Math.round(N / (decMs / 1000)),
      ciphertextBytes: Math.round((events[0].ct.length * 3) / 4),
    },
    rotation100Devices: { sealMs: Math.round(sealMs * 10) / 10, openOneMs: Math.round(openOneMs * 10) / 10 },
    file100MiB: {
      mib,
      rawAesGcmOneShotMBps: mbps(rawMs),
      rawAesGcm16KiBSequentialMBps: mbps(rawChunkMs),
      cobblestoneEncryptMBps: mbps(encMsFile),
      cobblestoneEncryptWithHashMBps: mbps(encHashMs),
      cobblestoneDecryptMBps: mbps(decMsFile),
      encryptVsRaw: Math.round(median(rawRuns.map((r, i) => r / cobRuns[i])) * 100) / 100,
      encryptVsRawBest: Math.round((Math.min(...rawRuns) / Math.min(...cobRuns)) * 100) / 100,
      ...(cpuMs ? { cpuMs } : {}),
    },
    argon2id: { params: `m=${params.m} KiB, t=${params.t}, p=${params.p}`, ms: Math.round(argonMs) },
  };
}
