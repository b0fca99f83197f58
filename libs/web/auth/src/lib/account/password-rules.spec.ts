import { newPasswordProblem, PASSWORD_MIN, passwordStrength } from './password-rules';

describe('passwordStrength', () => {
  it.each([
    ['', 0, 'Too short'],
    ['abc123', 0, 'Too short'],
    ['password', 1, 'Weak'],
    ['aaaaaaaaaaaaaaaaaaaa', 2, 'Fair'],
    ['sunny-river-42', 3, 'Good'],
    ['correct horse battery staple', 3, 'Good'],
    ['Correct horse battery staple 9', 4, 'Strong'],
  ] as const)('rates %j as level %i (%s)', (password, level, label) => {
    expect(passwordStrength(password)).toMatchObject({ level, label });
  });

  it('counts characters, not UTF-16 units, so an emoji password is judged by what the user typed', () => {
    expect(passwordStrength('🔒🔒🔒🔒').level).toBe(0);
  });

  it('says how long a password must be when it is too short', () => {
    expect(passwordStrength('short').hint).toBe(`Use at least ${PASSWORD_MIN} characters.`);
  });
});

describe('newPasswordProblem', () => {
  it.each([
    ['', '', undefined, 'newPassword', 'Enter a new password.'],
    ['short', 'short', undefined, 'newPassword', `Choose a new password of at least ${PASSWORD_MIN} characters.`],
    ['same old secret', 'same old secret', 'same old secret', 'newPassword', 'The new password must differ from the current one.'],
    ['a fresh passphrase', '', undefined, 'confirmPassword', 'Type the new password again to confirm it.'],
    ['a fresh passphrase', 'a fresh passphrasE', undefined, 'confirmPassword', 'The two new passwords do not match.'],
  ] as const)('refuses new %j / confirm %j (current %j) on %s', (next, confirm, current, field, message) => {
    expect(newPasswordProblem(next, confirm, current)).toEqual({ field, message });
  });

  it('accepts a long enough new password typed twice', () => {
    expect(newPasswordProblem('a fresh passphrase', 'a fresh passphrase', 'the old one')).toBeNull();
  });
});
