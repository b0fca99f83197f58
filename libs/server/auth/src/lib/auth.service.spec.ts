import { BadRequestException, ConflictException, UnauthorizedException } from '@nestjs/common';
import type { RegisterDto } from '@parley/shared/contracts';
import {
  type BackupKeyCert, certifyBackupKey, createDeviceCert, type DeviceCert, type DeviceKeys, generateBackupKey, generateDeviceKeys,
  generateIdentity, type IdentityKeys,
} from '@parley/shared/crypto';
import { AuthConfig } from './auth.config';
import { AuthService } from './auth.service';
import type { SessionsService } from './sessions/sessions.service';
import type { AuthSecrets } from './tokens/auth-secrets';
import type { TokenIssuer } from './tokens/token-issuer';
import { type UserRecord, type UserRepository, UsernameTakenError } from './users/user.repository';

class FakeUsers {
  byName = new Map<string, UserRecord>();
  async create(user: UserRecord) {
    if (this.byName.has(user.username)) throw new UsernameTakenError(user.username);
    this.byName.set(user.username, user);
  }
  async findByUsername(username: string) { return this.byName.get(username); }
  async findKdfByUsername(username: string) { return this.byName.get(username)?.kdf; }
}

const id = (c: string) => c.repeat(22);
const client = { ip: '127.0.0.1', userAgent: 'jest' };
/** A first device genuinely signed by the identity key, per userId (the server checks the signature). */
let identity: IdentityKeys;
let device: DeviceKeys;
const certs = new Map<string, DeviceCert>();
const registration = (over: Partial<RegisterDto> = {}): RegisterDto => ({
  userId: id('u'), username: 'alice', displayName: 'Alice', authSecret: 'S'.repeat(43),
  kdf: { kdf: 'argon2id', m: 65536, t: 3, p: 4, salt: 'c'.repeat(22) }, uikPublicKey: identity.publicKey,
  deviceCert: certs.get(over.userId ?? id('u')) as DeviceCert,
  wrappedAbk: 'w'.repeat(40), secretBundle: 'b'.repeat(40), ...over,
});

beforeAll(async () => {
  identity = await generateIdentity();
  device = await generateDeviceKeys();
  for (const userId of [id('u'), id('v'), id('z')]) certs.set(userId, await createDeviceCert(identity, userId, device, 1));
});

describe('AuthService', () => {
  let users: FakeUsers;
  let service: AuthService;

  beforeEach(() => {
    users = new FakeUsers();
    const secrets = { preloginSecret: Buffer.from('x'.repeat(32)) } as AuthSecrets;
    const tokens = { issue: async () => ({ accessToken: 'token', expiresIn: 60 }) } as unknown as TokenIssuer;
    const sessions = { start: async () => ({ sessionId: 's'.repeat(22), refreshToken: 'r', maxAgeMs: 1 }) } as
      unknown as SessionsService;
    service = new AuthService(new AuthConfig(), users as unknown as UserRepository, secrets, tokens, sessions);
  });

  it('gives an unknown username a stable fake salt of the same shape as a real one', async () => {
    const first = await service.prelogin('nobody');
    expect(await service.prelogin('nobody')).toEqual(first);
    expect(await service.prelogin('somebody')).not.toEqual(first);
    expect(first).toMatchObject({ kdf: 'argon2id', m: 65536, t: 3, p: 4 });
    expect(first.salt).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('returns the stored parameters for a registered user', async () => {
    await service.register(registration(), client);
    expect(await service.prelogin('alice')).toEqual(registration().kdf);
  });

  it('stores an argon2id hash of the auth secret, never the secret', async () => {
    await service.register(registration(), client);
    const stored = users.byName.get('alice');
    expect(stored?.authHash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(JSON.stringify(stored)).not.toContain('S'.repeat(43));
  });

  it('logs in with the right secret and refuses a wrong one', async () => {
    await service.register(registration(), client);
    await expect(service.login({ username: 'alice', authSecret: 'S'.repeat(43) }, client)).resolves.toMatchObject({
      response: { user: { username: 'alice' }, backup: { wrappedAbk: 'w'.repeat(40) } }, refresh: { refreshToken: 'r' } });
    await expect(service.login({ username: 'alice', authSecret: 'T'.repeat(43) }, client))
      .rejects.toBeInstanceOf(UnauthorizedException);
    await expect(service.login({ username: 'nobody', authSecret: 'T'.repeat(43) }, client))
      .rejects.toBeInstanceOf(UnauthorizedException);
  });

  it('refuses a first device certificate not signed by the identity key', async () => {
    const dto = registration();
    await expect(service.register({ ...dto, deviceCert: { ...dto.deviceCert, kemKey: 'A'.repeat(43) } }, client))
      .rejects.toThrow('deviceCert is not signed by uikPublicKey');
  });

  it('refuses a first device certificate for another user', async () => {
    const dto = registration();
    await expect(service.register({ ...dto, deviceCert: { ...dto.deviceCert, userId: id('z') } }, client))
      .rejects.toBeInstanceOf(BadRequestException);
  });

  describe('the account backup of DESIGN §3 (recovery wrap and backup key certificate)', () => {
    let cert: BackupKeyCert;
    beforeAll(async () => {
      cert = await certifyBackupKey(identity, id('u'), (await generateBackupKey()).publicKey);
    });

    it('stores the recovery wrap and the certificate and returns both at login', async () => {
      await service.register(registration({ recoveryWrappedAbk: 'R'.repeat(60), backupKeyCert: cert }), client);
      const { response } = await service.login({ username: 'alice', authSecret: 'S'.repeat(43) }, client);
      expect(response.backup).toEqual({ wrappedAbk: 'w'.repeat(40), secretBundle: 'b'.repeat(40),
        recoveryWrappedAbk: 'R'.repeat(60), backupKeyCert: cert });
    });

    it('keeps only the certificate\'s own fields', async () => {
      await service.register(registration({ backupKeyCert: { ...cert, extra: 'x' } as BackupKeyCert }), client);
      expect(users.byName.get('alice')?.backupKeyCert).toEqual(cert);
    });

    it.each([
      ['a certificate signed by another identity key', async () => certifyBackupKey(await generateIdentity(), id('u'), cert.publicKey),
        'backupKeyCert is not signed by the identity key'],
      ['a certificate whose key was swapped after signing', async () => ({ ...cert, publicKey: (await generateBackupKey()).publicKey }),
        'backupKeyCert is not signed by the identity key'],
      ['a certificate for another user', async () => certifyBackupKey(identity, id('z'), cert.publicKey),
        'backupKeyCert.userId must equal userId'],
    ])('refuses %s with 400 and stores nothing', async (_case, make, message) => {
      const backupKeyCert = await make();
      const attempt = service.register(registration({ backupKeyCert }), client);
      await expect(attempt).rejects.toBeInstanceOf(BadRequestException);
      await expect(attempt).rejects.toThrow(message);
      expect(users.byName.size).toBe(0);
    });
  });

  it('answers a taken username with 409', async () => {
    await service.register(registration(), client);
    const again = registration({ userId: id('v'), deviceCert: certs.get(id('v')) });
    await expect(service.register(again, client)).rejects.toBeInstanceOf(ConflictException);
  });
});
