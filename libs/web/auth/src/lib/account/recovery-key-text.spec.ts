/** @jest-environment node */
import { formatRecoveryKey, parseRecoveryKey } from '@parley/shared/crypto';
import {
  recoveryKeyFileName, recoveryKeyFileText, recoveryKeyGroups, recoveryKeyInputProblem,
} from './recovery-key-text';

const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 3);

describe('recovery key text', () => {
  let display: string;
  beforeAll(async () => {
    display = await formatRecoveryKey(key);
  });

  it('shows the key as 14 groups of 4', () => {
    const groups = recoveryKeyGroups(display);
    expect(groups).toHaveLength(14);
    expect(groups.every((g) => /^[0-9A-HJKMNP-TV-Z]{4}$/.test(g))).toBe(true);
    expect(groups.join('-')).toBe(display);
  });

  it('writes a file whose key lines parse back to the same key', async () => {
    const text = recoveryKeyFileText('alice', display, new Date('2026-11-25T12:00:00Z'));
    expect(text).toContain('Account: alice\nCreated: 2026-11-25\n');
    const keyLines = text.split('\n').filter((line) => /^([0-9A-Z]{4} ?){1,4}$/.test(line));
    expect(keyLines).toHaveLength(4);
    await expect(parseRecoveryKey(keyLines.join(' '))).resolves.toEqual(key);
  });

  it('names the file after the account, without path characters', () => {
    expect(recoveryKeyFileName('alice.b')).toBe('parley-recovery-key-alice.b.txt');
    expect(recoveryKeyFileName('../x')).toBe('parley-recovery-key-.._x.txt');
  });

  it.each([
    ['dashes', (d: string) => d],
    ['spaces', (d: string) => d.replace(/-/g, ' ')],
    ['lowercase with line breaks', (d: string) => d.toLowerCase().replace(/-(?=(....-){3})/g, '\n')],
    ['no separators', (d: string) => d.replace(/-/g, '')],
  ])('accepts a key typed with %s, and the crypto library reads the same key', async (_how, typed) => {
    const input = typed(display);
    expect(recoveryKeyInputProblem(input)).toBeNull();
    await expect(parseRecoveryKey(input)).resolves.toEqual(key);
  });

  it.each([
    ['', 'Enter your recovery key.'],
    ['   - ', 'Enter your recovery key.'],
    ['ABCD-EFGH-UUUU', 'A recovery key has only letters and digits, and never “U”. Check what you typed.'],
    ['ABCD_EFGH', 'A recovery key has only letters and digits, and never “_”. Check what you typed.'],
    ['ABCD-EFGH', 'A recovery key has 56 letters and digits (14 groups of 4); you entered 8.'],
  ])('explains what is wrong with %j', (input, message) => {
    expect(recoveryKeyInputProblem(input)).toBe(message);
  });

  it('reports a one-character typo as the crypto library\'s checksum failure, not as a shape problem', async () => {
    const typo = (display[0] === 'A' ? 'B' : 'A') + display.slice(1);
    expect(recoveryKeyInputProblem(typo)).toBeNull();
    await expect(parseRecoveryKey(typo)).rejects.toThrow('checksum');
  });
});
