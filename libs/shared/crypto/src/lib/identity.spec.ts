import { b64uDecode, utf8 } from './encoding';
import { CryptoFormatError } from './errors';
import { exportIdentity, generateIdentity, importIdentity } from './identity';

describe('identity', () => {
  it('generates an Ed25519 identity with a raw 32-byte public key', async () => {
    const id = await generateIdentity();
    expect(b64uDecode(id.publicKey)).toHaveLength(32);
    expect(id.privateKey.algorithm.name).toBe('Ed25519');
    expect(id.privateKey.type).toBe('private');
  });

  it('exports the identity as PKCS#8 and imports it back with the same public key', async () => {
    const id = await generateIdentity();
    const pkcs8 = await exportIdentity(id);
    expect(b64uDecode(pkcs8)).toHaveLength(48);
    const back = await importIdentity(pkcs8);
    expect(back.publicKey).toBe(id.publicKey);
    expect(await exportIdentity(back)).toBe(pkcs8);
  });

  it('signs with the imported identity so the original public key verifies', async () => {
    const id = await generateIdentity();
    const back = await importIdentity(await exportIdentity(id), false);
    expect(back.privateKey.extractable).toBe(false);
    const sig = await crypto.subtle.sign('Ed25519', back.privateKey, utf8('hello'));
    const pub = await crypto.subtle.importKey('raw', b64uDecode(id.publicKey), 'Ed25519', true, ['verify']);
    expect(await crypto.subtle.verify('Ed25519', pub, sig, utf8('hello'))).toBe(true);
    await expect(exportIdentity(back)).rejects.toBeInstanceOf(CryptoFormatError);
  });

  it('rejects bytes that are not an Ed25519 PKCS#8 key', async () => {
    await expect(importIdentity('AAAA')).rejects.toBeInstanceOf(CryptoFormatError);
    await expect(importIdentity('not base64!')).rejects.toBeInstanceOf(CryptoFormatError);
  });
});
