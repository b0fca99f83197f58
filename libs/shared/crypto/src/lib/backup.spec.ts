import {
  certifyBackupKey,
  changePassword,
  createAccountBackup,
  formatRecoveryKey,
  generateBackupKey,
  openEpochKeyBackup,
  parseRecoveryKey,
  sealEpochKeyBackup,
  unlockWithPassword,
  unlockWithRecoveryKey,
} from './backup';
import { b64uEncode, randomBytes, utf8 } from './encoding';
import { CryptoFormatError, DecryptionError, SignatureError } from './errors';
import { createEpochKey } from './epoch';
import { derivePasswordSecrets } from './password';
import { KdfParams } from './types';
import { person, Person } from '../spec-support/world';

const params = (salt: string): KdfParams => ({ kdf: 'argon2id', m: 256, t: 1, p: 1, salt });
const SALT = b64uEncode(utf8('parley-test-salt'));

describe('recovery key', () => {
  it('is 56 Crockford base32 characters in groups of four and parses back', async () => {
    const key = randomBytes(32);
    const text = await formatRecoveryKey(key);
    expect(text).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){13}[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(await parseRecoveryKey(text)).toEqual(key);
    expect(await parseRecoveryKey(text.toLowerCase().replace(/-/g, ' '))).toEqual(key);
  });

  it('catches a typo with the checksum, and O/I/L confusions are forgiven', async () => {
    const text = await formatRecoveryKey(randomBytes(32));
    const i = text.search(/[0-9A-Z]/);
    const typo = text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1);
    await expect(parseRecoveryKey(typo)).rejects.toBeInstanceOf(CryptoFormatError);
    await expect(parseRecoveryKey(text.slice(1))).rejects.toBeInstanceOf(CryptoFormatError);
    const withZeros = text.replace(/0/g, 'O').replace(/1/g, 'l');
    await expect(parseRecoveryKey(withZeros)).resolves.toHaveLength(32);
  });
});

describe('account backup', () => {
  let alice: Person;
  let pwKek: CryptoKey;

  beforeAll(async () => {
    alice = await person('alice');
    ({ pwKek } = await derivePasswordSecrets('correct horse', params(SALT)));
  });

  it('unlocks with the password and with the recovery key, to the same identity and backup key', async () => {
    const { backup, recoveryKey, backupKey } = await createAccountBackup({ userId: 'alice', identity: alice.identity, pwKek });
    const a = await unlockWithPassword(backup, pwKek);
    const b = await unlockWithRecoveryKey(backup, recoveryKey.display);
    expect(a.identity.publicKey).toBe(alice.identity.publicKey);
    expect(b.identity.publicKey).toBe(alice.identity.publicKey);
    expect(a.backupKey.publicKey).toBe(backupKey.publicKey);
    expect(b.backupKey.publicKey).toBe(backupKey.publicKey);
    expect(a.identity.privateKey.extractable).toBe(false);
  });

  it('a wrong password or recovery key fails with DecryptionError', async () => {
    const { backup } = await createAccountBackup({ userId: 'alice', identity: alice.identity, pwKek });
    const { pwKek: wrong } = await derivePasswordSecrets('correct horsf', params(SALT));
    await expect(unlockWithPassword(backup, wrong)).rejects.toBeInstanceOf(DecryptionError);
    await expect(unlockWithRecoveryKey(backup, randomBytes(32))).rejects.toBeInstanceOf(DecryptionError);
  });

  it('a password change re-wraps the ABK only; recovery still works', async () => {
    const { backup, recoveryKey } = await createAccountBackup({ userId: 'alice', identity: alice.identity, pwKek });
    const { pwKek: newKek } = await derivePasswordSecrets('new password', params(b64uEncode(utf8('another-salt-123'))));
    const changed = await changePassword(backup, pwKek, newKek);
    expect(changed.secretBundle).toBe(backup.secretBundle);
    expect(changed.recoveryWrappedAbk).toBe(backup.recoveryWrappedAbk);
    expect(changed.wrappedAbk).not.toBe(backup.wrappedAbk);
    await expect(unlockWithPassword(changed, newKek)).resolves.toBeDefined();
    await expect(unlockWithPassword(changed, pwKek)).rejects.toBeInstanceOf(DecryptionError);
    await expect(unlockWithRecoveryKey(changed, recoveryKey.key)).resolves.toBeDefined();
  });

  it('refuses a backup key certificate the server swapped for its own key', async () => {
    const { backup } = await createAccountBackup({ userId: 'alice', identity: alice.identity, pwKek });
    const server = await person('alice');
    const serverKey = await generateBackupKey();
    const swapped = { ...backup, backupKeyCert: await certifyBackupKey(server.identity, 'alice', serverKey.publicKey) };
    await expect(unlockWithPassword(swapped, pwKek)).rejects.toBeInstanceOf(SignatureError);
  });

  it('epoch keys sealed to the backup key come back only for the right user, room and epoch', async () => {
    const { backup, backupKey } = await createAccountBackup({ userId: 'alice', identity: alice.identity, pwKek });
    const rek = createEpochKey();
    const entry = await sealEpochKeyBackup({ rek, roomId: 'room-1', epoch: 4, userId: 'alice', device: alice.device, backupKeyCert: backup.backupKeyCert });
    const account = { userId: 'alice', backupKey };
    expect(await openEpochKeyBackup(entry, account, alice.cert, { roomId: 'room-1', epoch: 4 })).toEqual(rek);
    await expect(openEpochKeyBackup({ ...entry, epoch: 5 }, account, alice.cert)).rejects.toBeInstanceOf(SignatureError);
    await expect(openEpochKeyBackup(entry, account, alice.cert, { roomId: 'room-2', epoch: 4 })).rejects.toBeInstanceOf(SignatureError);
    const bob = await person('bob');
    await expect(openEpochKeyBackup(entry, account, bob.cert)).rejects.toBeInstanceOf(SignatureError);
  });

  it('an entry planted by the server (sealed to the public backup key, unsigned by a device) is refused', async () => {
    const { backup, backupKey } = await createAccountBackup({ userId: 'alice', identity: alice.identity, pwKek });
    const server = await person('alice');
    const planted = await sealEpochKeyBackup({ rek: createEpochKey(), roomId: 'room-1', epoch: 4, userId: 'alice', device: server.device, backupKeyCert: backup.backupKeyCert });
    await expect(openEpochKeyBackup(planted, { userId: 'alice', backupKey }, alice.cert)).rejects.toBeInstanceOf(SignatureError);
  });
});
