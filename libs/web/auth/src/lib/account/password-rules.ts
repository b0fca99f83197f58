/** The shortest password Parley accepts for a new account or a new password. */
export const PASSWORD_MIN = 8;

export type StrengthLevel = 0 | 1 | 2 | 3 | 4;

export interface PasswordStrength {
  level: StrengthLevel;
  label: 'Too short' | 'Weak' | 'Fair' | 'Good' | 'Strong';
  hint: string;
}

/**
 * A rough strength hint (length counts most, then variety), shown while typing. It only advises: Argon2id makes each
 * guess expensive, but a short or common password is still guessed quickly by someone who holds the server's data.
 */
export function passwordStrength(password: string): PasswordStrength {
  const length = [...password].length;
  if (length < PASSWORD_MIN) {
    return { level: 0, label: 'Too short', hint: `Use at least ${PASSWORD_MIN} characters.` };
  }
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  const distinct = new Set(password).size;
  let score = length >= 20 ? 3 : length >= 14 ? 2 : length >= 10 ? 1 : 0;
  if (classes >= 3) score += 1;
  if (distinct < length / 3) score -= 1; // "aaaaaaaaaaaa", "abababababab"
  const level = Math.min(4, Math.max(1, score)) as StrengthLevel;
  const labels = { 1: 'Weak', 2: 'Fair', 3: 'Good', 4: 'Strong' } as const;
  const hints = {
    1: 'Longer is better: a few unrelated words make a strong passphrase.',
    2: 'Add a word or two to make it stronger.',
    3: 'A good password.',
    4: 'A strong password.',
  } as const;
  return { level, label: labels[level as 1 | 2 | 3 | 4], hint: hints[level as 1 | 2 | 3 | 4] };
}

export type NewPasswordField = 'newPassword' | 'confirmPassword';

/** The first problem with a new password and its confirmation, for the field to focus, or null when both are fine. */
export function newPasswordProblem(
  newPassword: string,
  confirmPassword: string,
  currentPassword?: string,
): { field: NewPasswordField; message: string } | null {
  if (!newPassword) return { field: 'newPassword', message: 'Enter a new password.' };
  if ([...newPassword].length < PASSWORD_MIN) {
    return { field: 'newPassword', message: `Choose a new password of at least ${PASSWORD_MIN} characters.` };
  }
  if (currentPassword !== undefined && newPassword === currentPassword) {
    return { field: 'newPassword', message: 'The new password must differ from the current one.' };
  }
  if (!confirmPassword) return { field: 'confirmPassword', message: 'Type the new password again to confirm it.' };
  if (newPassword !== confirmPassword) {
    return { field: 'confirmPassword', message: 'The two new passwords do not match.' };
  }
  return null;
}
