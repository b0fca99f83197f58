import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { EncryptedEventDto, RegisterDto } from '../index';

const id = 'AAAAAAAAAAAAAAAAAAAAAA';
const validEvent = {
  v: 1, suite: 'v1', roomId: id, epoch: 1, messageId: id, senderUserId: id, senderDeviceId: id,
  senderSeq: 0, sentAt: 1700000000000, ct: 'abc_-', sig: 'a'.repeat(86),
};
const errorsOf = (cls: new () => object, body: object) =>
  validateSync(plainToInstance(cls, body), { whitelist: true, forbidNonWhitelisted: true });

describe('EncryptedEventDto', () => {
  it('accepts a well-formed event', () => {
    expect(errorsOf(EncryptedEventDto, validEvent)).toEqual([]);
  });

  it.each([
    ['a wrong version', { v: 2 }],
    ['a short roomId', { roomId: 'abc' }],
    ['a negative epoch', { epoch: -1 }],
    ['ciphertext that is not base64url', { ct: 'a+b/' }],
    ['ciphertext over the size limit', { ct: 'a'.repeat(64 * 1024 + 1) }],
    ['a short signature', { sig: 'abc' }],
  ])('rejects %s', (_name, change) => {
    expect(errorsOf(EncryptedEventDto, { ...validEvent, ...change }).length).toBeGreaterThan(0);
  });

  it('rejects fields it does not know', () => {
    const errors = errorsOf(EncryptedEventDto, { ...validEvent, plaintext: 'hello' });
    expect(errors.map((e) => e.property)).toContain('plaintext');
  });
});

describe('RegisterDto', () => {
  it.each(['', 'ab', 'a'.repeat(33), 'Has Space', 'UPPER'])('rejects the username %p', (username) => {
    const errors = errorsOf(RegisterDto, { username });
    expect(errors.map((e) => e.property)).toContain('username');
  });
});
