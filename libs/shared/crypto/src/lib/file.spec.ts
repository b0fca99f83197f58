import { b64uEncode, randomBytes } from './encoding';
import { FileIntegrityError, DecryptionError, CryptoFormatError } from './errors';
import {
  cobblestoneCiphertextSize,
  cobblestoneDecrypt,
  cobblestoneEncrypt,
  cobblestoneEncryptStream,
  createFileDecryption,
  createFileEncryption,
  fileContext,
  makeFileRef,
  runTransform,
  COBBLESTONE_CHUNK,
} from './file';

const CT_CHUNK = COBBLESTONE_CHUNK + 16;

describe('files (Cobblestone-256)', () => {
  const key = randomBytes(32);
  const ctx = fileContext('room-1', 'file-1');

  it.each([0, 1, 16383, 16384, 16385, 3 * 16384, 100_000])('round-trips %i bytes with the documented ciphertext size', async (n) => {
    const data = randomBytes(n);
    const ct = await cobblestoneEncrypt(key, ctx, data);
    expect(ct.length).toBe(cobblestoneCiphertextSize(n));
    expect(await cobblestoneDecrypt(key, ctx, ct)).toEqual(data);
  });

  it('is independent of how the input is split into writes', async () => {
    const data = randomBytes(40_000);
    const salt = randomBytes(24);
    const a = await cobblestoneEncrypt(key, ctx, data, { salt });
    const b = await runTransform(cobblestoneEncryptStream(key, ctx, { salt, hash: false }).stream, data, 1);
    const c = await runTransform(cobblestoneEncryptStream(key, ctx, { salt, hash: false, concurrency: 1 }).stream, data, 16384);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  it('rejects another context (room or file id) before decrypting anything', async () => {
    const ct = await cobblestoneEncrypt(key, ctx, randomBytes(100));
    await expect(cobblestoneDecrypt(key, fileContext('room-2', 'file-1'), ct)).rejects.toMatchObject({ reason: 'commitment' });
    await expect(cobblestoneDecrypt(key, fileContext('room-1', 'file-2'), ct)).rejects.toMatchObject({ reason: 'commitment' });
  });

  it('detects truncation at a chunk boundary, a dropped final chunk, reordered and duplicated chunks', async () => {
    const data = randomBytes(3 * COBBLESTONE_CHUNK + 10);
    const ct = await cobblestoneEncrypt(key, ctx, data);
    const header = ct.subarray(0, 56);
    const chunk = (i: number) => ct.subarray(56 + i * CT_CHUNK, Math.min(ct.length, 56 + (i + 1) * CT_CHUNK));
    const join = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
    await expect(cobblestoneDecrypt(key, ctx, ct.subarray(0, 56 + 2 * CT_CHUNK))).rejects.toMatchObject({ reason: 'truncated' });
    await expect(cobblestoneDecrypt(key, ctx, join(header, chunk(0), chunk(1), chunk(2)))).rejects.toMatchObject({ reason: 'truncated' });
    await expect(cobblestoneDecrypt(key, ctx, join(header, chunk(1), chunk(0), chunk(2), chunk(3)))).rejects.toMatchObject({ reason: 'chunk' });
    await expect(cobblestoneDecrypt(key, ctx, join(header, chunk(0), chunk(0), chunk(2), chunk(3)))).rejects.toMatchObject({ reason: 'chunk' });
    await expect(cobblestoneDecrypt(key, ctx, join(ct, randomBytes(5)))).rejects.toBeInstanceOf(DecryptionError);
    await expect(cobblestoneDecrypt(key, ctx, ct.subarray(0, 40))).rejects.toMatchObject({ reason: 'header' });
  });

  it('a FileRef pins the ciphertext: another valid ciphertext under the same key is refused (no equivocation)', async () => {
    const data = randomBytes(50_000);
    const enc = createFileEncryption({ roomId: 'room-1', fileId: 'f1' });
    const ct = await runTransform(enc.stream, data);
    const { size, ctSha256 } = await enc.result;
    const ref = makeFileRef({ fileId: 'f1', key: enc.key, size, ctSha256, mime: 'application/octet-stream', name: 'x.bin' });
    const dec = createFileDecryption(ref, 'room-1');
    expect(await runTransform(dec.stream, ct)).toEqual(data);
    await expect(dec.result).resolves.toMatchObject({ size: 50_000, ctSha256 });
    const other = await cobblestoneEncrypt(enc.key, fileContext('room-1', 'f1'), data);
    await expect(runTransform(createFileDecryption(ref, 'room-1').stream, other)).rejects.toMatchObject({ reason: 'hash' });
    const lying = { ...ref, size: ref.size + 1 };
    await expect(runTransform(createFileDecryption(lying, 'room-1').stream, ct)).rejects.toMatchObject({ reason: 'size' });
    expect(() => createFileDecryption({ ...ref, scheme: 'aes-cbc' as never }, 'room-1')).toThrow(CryptoFormatError);
    expect(() => createFileDecryption({ ...ref, ctSha256: b64uEncode(randomBytes(31)) }, 'room-1')).toThrow(CryptoFormatError);
  });

  it('keeps erroring once it failed, and never releases the chunk that failed', async () => {
    const data = randomBytes(2 * COBBLESTONE_CHUNK + 1);
    const ct = await cobblestoneEncrypt(key, ctx, data);
    ct[56 + CT_CHUNK + 100] ^= 1; // inside chunk 1
    const { stream } = createFileDecryption(
      makeFileRef({ fileId: 'file-1', key, size: data.length, ctSha256: b64uEncode(randomBytes(32)), mime: '', name: '' }),
      'room-1',
    );
    const writer = stream.writable.getWriter();
    void writer.write(ct).catch(() => undefined);
    void writer.close().catch(() => undefined);
    const reader = stream.readable.getReader();
    const out: Uint8Array[] = [];
    let error: unknown;
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        out.push(r.value);
      }
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FileIntegrityError);
    expect(out.reduce((n, c) => n + c.length, 0)).toBeLessThanOrEqual(COBBLESTONE_CHUNK);
    await expect(reader.read()).rejects.toBeInstanceOf(FileIntegrityError);
  });
});
