import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { PutBackupDto, RegisterDto } from '../index';

const id = 'AAAAAAAAAAAAAAAAAAAAAA';
const cert = { v: 1, userId: id, publicKey: 'k'.repeat(43), createdAt: 1700000000000, uikSig: 's'.repeat(86) };
const backup = { wrappedAbk: 'w'.repeat(40), secretBundle: 'b'.repeat(60), version: 1 };
const registration = {
  userId: id, username: 'alice', displayName: 'Alice', authSecret: 'a'.repeat(43),
  kdf: { kdf: 'argon2id', m: 65536, t: 3, p: 4, salt: 'c'.repeat(22) }, uikPublicKey: 'u'.repeat(43),
  deviceCert: { v: 1, userId: id, deviceId: id, sigKey: 'g'.repeat(43), kemKey: 'm'.repeat(43), createdAt: 1, listVersion: 1,
    uikSig: 'x'.repeat(86) },
  wrappedAbk: 'w'.repeat(40), secretBundle: 'b'.repeat(60),
};
const errorsOf = (cls: new () => object, body: object) =>
  validateSync(plainToInstance(cls, body), { whitelist: true, forbidNonWhitelisted: true });
/** "backupKeyCert.publicKey"-style paths of every failing property, nested ones included. */
const paths = (errors: ValidationError[], prefix = ''): string[] => errors.flatMap((e) =>
  e.children?.length ? paths(e.children, `${prefix}${e.property}.`) : [`${prefix}${e.property}`]);

describe('the account backup fields of RegisterDto and PutBackupDto', () => {
  it('accepts a registration with the recovery wrap and the backup key certificate, and one without them', () => {
    expect(errorsOf(RegisterDto, { ...registration, recoveryWrappedAbk: 'r'.repeat(80), backupKeyCert: cert })).toEqual([]);
    expect(errorsOf(RegisterDto, registration)).toEqual([]);
  });

  it('accepts a backup write with a new certificate', () => {
    expect(errorsOf(PutBackupDto, { ...backup, backupKeyCert: cert })).toEqual([]);
  });

  it.each([
    ['a wrong version', { v: 2 }, 'backupKeyCert.v'],
    ['a userId that is not an id', { userId: 'alice' }, 'backupKeyCert.userId'],
    ['a public key of the wrong length', { publicKey: 'k'.repeat(42) }, 'backupKeyCert.publicKey'],
    ['a public key that is not base64url', { publicKey: `${'k'.repeat(42)}+` }, 'backupKeyCert.publicKey'],
    ['a negative time', { createdAt: -1 }, 'backupKeyCert.createdAt'],
    ['a signature of the wrong length', { uikSig: 's'.repeat(85) }, 'backupKeyCert.uikSig'],
    ['an unknown field', { note: 'hi' }, 'backupKeyCert.note'],
  ])('refuses a certificate with %s, in both', (_case, change, path) => {
    const bad = { ...cert, ...change };
    expect(paths(errorsOf(RegisterDto, { ...registration, backupKeyCert: bad }))).toEqual([path]);
    expect(paths(errorsOf(PutBackupDto, { ...backup, backupKeyCert: bad }))).toEqual([path]);
  });

  it('refuses a recovery wrap that is not base64url', () => {
    expect(paths(errorsOf(RegisterDto, { ...registration, recoveryWrappedAbk: `${'r'.repeat(40)}=` }))).toEqual(['recoveryWrappedAbk']);
  });
});
