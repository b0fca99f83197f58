/**
 * How a recovery key is shown, saved and typed back. The key itself (56 Crockford base32 characters with a checksum)
 * is made and checked by @parley/shared/crypto; this is the human side.
 */

const KEY_CHARS = 56;
/** Crockford base32 plus the look-alikes the parser maps (O→0, I/L→1). */
const ALLOWED = /^[0-9A-Z]$/;
const NEVER_IN_KEY = /[U]/;

/** The groups of four to show, from the dashed form `formatRecoveryKey` returns. */
export function recoveryKeyGroups(display: string): string[] {
  return display.split('-').filter(Boolean);
}

/** The text file a user downloads at sign-up (LF line ends, ends with a newline). */
export function recoveryKeyFileText(username: string, display: string, createdAt: Date): string {
  const groups = recoveryKeyGroups(display);
  const lines: string[] = [];
  for (let i = 0; i < groups.length; i += 4) lines.push(groups.slice(i, i + 4).join(' '));
  return [
    'Parley recovery key',
    '',
    `Account: ${username}`,
    `Created: ${createdAt.toISOString().slice(0, 10)}`,
    '',
    ...lines,
    '',
    'With this key and your username you can set a new password if you forget yours',
    '(Log in → "Forgot password? Use your recovery key"). Anyone who has it can do the same:',
    'keep it offline, somewhere safe. Parley cannot show it again or recover it for you.',
    '',
  ].join('\n');
}

/** A file name without characters file systems dislike. */
export function recoveryKeyFileName(username: string): string {
  return `parley-recovery-key-${username.replace(/[^a-z0-9._-]/gi, '_')}.txt`;
}

/**
 * Checks what the user typed before any cryptography: spaces, dashes and case do not matter. Returns a message
 * that says what is wrong, or null when it has the shape of a key (the checksum is the crypto library's job).
 */
export function recoveryKeyInputProblem(text: string): string | null {
  const clean = text.toUpperCase().replace(/[\s-]/g, '');
  if (!clean) return 'Enter your recovery key.';
  const bad = [...clean].find((c) => !ALLOWED.test(c) || NEVER_IN_KEY.test(c));
  if (bad) return `A recovery key has only letters and digits, and never “${bad}”. Check what you typed.`;
  if (clean.length !== KEY_CHARS) {
    return `A recovery key has ${KEY_CHARS} letters and digits (14 groups of 4); you entered ${clean.length}.`;
  }
  return null;
}

/** The message for a key that has the right shape but whose checksum fails: a typo. */
export const RECOVERY_KEY_TYPO =
  'This recovery key has a typo: one of its characters is wrong. Compare each group with the one you saved.';
/** The message for a well-formed key that does not open this account's backup. */
export const RECOVERY_KEY_WRONG =
  'This recovery key does not belong to this account. Check the username and that it is the key saved for it.';
