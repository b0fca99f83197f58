import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { formatRecoveryKey, parseRecoveryKey } from '@parley/shared/crypto';
import { launchChromium } from './browser';
import { startServer, type RunningServer } from './server';

/** Argon2id with 64 MiB runs in the page (twice for a password change); allow for 2 busy cores. */
const SLOW = 90_000;
const UI = 20_000;

const suffix = randomBytes(4).toString('hex');
const username = `erin-${suffix}`;
const roomName = `Diary ${suffix}`;
const firstMessage = `before any password change ${suffix}`;
const passwords = ['first erin passphrase', 'second erin passphrase', 'third erin passphrase'].map((p) => `${p} ${suffix}`);

interface Browsing {
  context: BrowserContext;
  page: Page;
  consoleErrors: string[];
  /** Every request's method, URL, headers and body, and every WebSocket frame this browser sent. */
  sent: string[];
  /** URLs of the Web Workers the pages started (Argon2id runs in one). */
  workers: string[];
}

let server: RunningServer;
let browser: Browser;
/** Erin's phone (390 px wide): signs up, changes the password, recovers. */
let phone: Browsing;
/** Erin's laptop: a second session that the password change must end. */
let laptop: Browsing;
/** A browser that has never seen Erin: logs in after the recovery, so it must unlock the backup to enrol. */
let fresh: Browsing;
/** As displayed at sign-up: 14 groups of 4, separated by spaces. */
let recoveryKey = '';

async function browsing(width: number): Promise<Browsing> {
  const context = await browser.newContext({ viewport: { width, height: 844 } });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
  const sent: string[] = [];
  context.on('request', (request) =>
    sent.push(`${request.method()} ${request.url()}\n${JSON.stringify(request.headers())}\n${request.postData() ?? ''}`));
  page.on('websocket', (ws) => ws.on('framesent', (frame) => sent.push(String(frame.payload))));
  const workers: string[] = [];
  page.on('worker', (worker) => workers.push(worker.url()));
  return { context, page, consoleErrors, sent, workers };
}

async function logIn(page: Page, password: string): Promise<void> {
  await page.goto(`${server.baseUrl}/login`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

async function expectSignedIn(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Log out' }).waitFor({ timeout: SLOW });
}

async function logOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('button', { name: 'Log in' }).waitFor({ timeout: UI });
}

async function openRoom(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Rooms' }).getByRole('button', { name: roomName }).click();
  await page.getByRole('heading', { name: roomName }).waitFor({ timeout: UI });
}

async function isEnabledSoon(page: Page, label: string): Promise<void> {
  const locator = page.getByLabel(label, { exact: true });
  await locator.waitFor({ timeout: UI });
  const deadline = Date.now() + UI;
  while (!(await locator.isEnabled())) {
    if (Date.now() > deadline) throw new Error(`"${label}" never became enabled.`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Everything the page keeps in Web Storage and IndexedDB, as text (CryptoKey objects serialise as `{}`). */
async function browserStorage(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const dump: Record<string, unknown> = { local: { ...localStorage }, session: { ...sessionStorage } };
    for (const info of await indexedDB.databases()) {
      if (!info.name) continue;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open(info.name as string);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        dump[`${info.name}/${store}`] = await new Promise((resolve, reject) => {
          const req = db.transaction(store, 'readonly').objectStore(store).getAll();
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        });
      }
      db.close();
    }
    return JSON.stringify(dump);
  });
}

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  phone = await browsing(390);
  laptop = await browsing(1280);
  fresh = await browsing(1280);
}, SLOW);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('account: recovery key, password change and recovery in the browser', () => {
  it('shows the recovery key once after sign-up, and opens the app only after "I saved my recovery key"', async () => {
    const { page } = phone;
    await page.goto(`${server.baseUrl}/`);
    await page.getByRole('tab', { name: 'Create account' }).click();
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Display name').fill('Erin');
    await page.getByLabel('Password').fill(passwords[0]);
    await page.getByRole('button', { name: 'Create account' }).click();

    await page.getByRole('heading', { name: 'Save your recovery key' }).waitFor({ timeout: SLOW });
    recoveryKey = (await page.getByTestId('recovery-key').innerText()).trim().split(/\s+/).join(' ');
    expect(recoveryKey).toMatch(/^([0-9A-HJKMNP-TV-Z]{4} ){13}[0-9A-HJKMNP-TV-Z]{4}$/);
    await expect(parseRecoveryKey(recoveryKey)).resolves.toHaveLength(32);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download .txt' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`parley-recovery-key-${username}.txt`);
    const file = readFileSync(await download.path(), 'utf8');
    expect(file).toContain(`Account: ${username}`);
    expect(file.replace(/\s+/g, '')).toContain(recoveryKey.replace(/\s+/g, ''));

    const proceed = page.getByRole('button', { name: 'Continue to Parley' });
    expect(await proceed.isDisabled()).toBe(true);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('I saved my recovery key').check();
    await proceed.click();
    await expectSignedIn(page);
  }, SLOW);

  it('keeps the recovery key nowhere in the browser and never shows it again', async () => {
    const { page } = phone;
    const stored = await browserStorage(page);
    expect(stored).toContain(username); // the check can fail: the session itself is in there
    for (const form of [recoveryKey, recoveryKey.replace(/ /g, '-'), recoveryKey.replace(/ /g, '')]) {
      expect(stored).not.toContain(form);
    }
    await page.reload();
    await expectSignedIn(page);
    await expect(page.getByText(recoveryKey.split(' ')[0]).count()).resolves.toBe(0);
  });

  it('lets Erin write in a room of her own', async () => {
    const { page } = phone;
    await page.getByLabel('Room name').fill(roomName);
    await page.getByRole('button', { name: 'Create room' }).click();
    await page.getByRole('heading', { name: roomName }).waitFor({ timeout: UI });
    await isEnabledSoon(page, 'Message');
    await page.getByLabel('Message', { exact: true }).fill(firstMessage);
    await page.getByLabel('Message', { exact: true }).press('Enter');
    await page.getByRole('log', { name: 'Messages' }).getByText(firstMessage, { exact: true }).waitFor({ timeout: UI });
  });

  it('signs Erin in on a laptop too (a second session)', async () => {
    await logIn(laptop.page, passwords[0]);
    await expectSignedIn(laptop.page);
  }, SLOW);

  it('refuses a wrong current password on the change-password page, with a clear message', async () => {
    const { page } = phone;
    // On a phone the open room covers the room list and its header: go back to it first.
    await page.getByRole('button', { name: 'Back to rooms' }).click();
    await page.getByRole('link', { name: 'Sessions' }).click();
    await page.getByRole('link', { name: 'Change password' }).click();
    await page.getByRole('heading', { name: 'Change password' }).waitFor({ timeout: UI });
    await page.getByLabel('Current password').fill('not my password at all');
    await page.getByLabel('New password', { exact: true }).fill(passwords[1]);
    await page.getByLabel('Confirm new password').fill(passwords[1]);
    await page.getByRole('button', { name: 'Change password' }).click();

    await page.getByRole('alert').getByText('Your current password is wrong.').waitFor({ timeout: SLOW });
    await expect(page.getByLabel('Current password').getAttribute('aria-invalid')).resolves.toBe('true');
  }, SLOW);

  it('changes the password, with progress, and explains that other sessions were signed out', async () => {
    const { page } = phone;
    await page.getByLabel('Current password').fill(passwords[0]);
    await page.getByRole('button', { name: 'Change password' }).click();

    await page.getByRole('progressbar', { name: 'Changing the password' }).waitFor({ timeout: UI });
    await page.getByText('Your password was changed.').waitFor({ timeout: SLOW });
    await page.getByText('Every other browser signed in to your account was signed out.').waitFor();
  }, SLOW);

  it('has ended the laptop\'s session', async () => {
    await laptop.page.reload();
    await laptop.page.getByRole('button', { name: 'Log in' }).waitFor({ timeout: UI });
  });

  it('refuses the old password and accepts the new one', async () => {
    const { page } = phone;
    await page.getByRole('link', { name: 'Back to chats' }).click();
    await logOut(page);
    await logIn(page, passwords[0]);
    await page.getByRole('alert').getByText('Wrong username or password.').waitFor({ timeout: SLOW });

    await page.getByLabel('Password').fill(passwords[1]);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expectSignedIn(page);
  }, 2 * SLOW);

  it('explains a mistyped recovery key and a key of another account, without changing anything', async () => {
    const { page } = phone;
    await logOut(page);
    await page.getByRole('link', { name: 'Forgot password? Use your recovery key' }).click();
    await page.getByRole('heading', { name: 'Set a new password' }).waitFor({ timeout: UI });
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('New password', { exact: true }).fill(passwords[2]);
    await page.getByLabel('Confirm new password').fill(passwords[2]);
    const submit = page.getByRole('button', { name: 'Set new password and log in' });

    const first = recoveryKey[0];
    const typo = (first === 'A' ? 'B' : 'A') + recoveryKey.slice(1);
    await page.getByLabel('Recovery key').fill(typo);
    await submit.click();
    await page.getByRole('alert').getByText('This recovery key has a typo').waitFor({ timeout: UI });

    await page.getByLabel('Recovery key').fill(recoveryKey.slice(0, 30));
    await submit.click();
    await page.getByRole('alert').getByText('A recovery key has 56 letters and digits').waitFor({ timeout: UI });

    const someoneElses = await formatRecoveryKey(randomBytes(32));
    await page.getByLabel('Recovery key').fill(someoneElses);
    await submit.click();
    await page.getByRole('alert').getByText('This recovery key does not belong to this account.').waitFor({ timeout: UI });
    expect(new URL(page.url()).pathname).toBe('/recover');
  }, SLOW);

  it('recovers with the recovery key (any case, dashes or spaces) and a third password, and signs in', async () => {
    const { page } = phone;
    const groups = recoveryKey.toLowerCase().split(' ');
    const typed = `${groups.slice(0, 7).join('-')}\n${groups.slice(7).join(' ')}`;
    await page.getByLabel('Recovery key').fill(typed);
    await page.getByRole('button', { name: 'Set new password and log in' }).click();

    await expectSignedIn(page);
  }, SLOW);

  it('still shows Erin\'s room and reads its messages after the recovery', async () => {
    await openRoom(phone.page);
    await phone.page.getByRole('log', { name: 'Messages' }).getByText(firstMessage, { exact: true }).waitFor({ timeout: UI });
  });

  it('logs in with the third password in a new browser, which unlocks the same identity from the backup', async () => {
    await logIn(fresh.page, passwords[2]);
    await expectSignedIn(fresh.page);
    // Enrolling a device needs the ABK (now under the third password) to open the secret bundle, and its identity
    // key to match the server's: the room list shows that worked.
    await fresh.page.getByRole('navigation', { name: 'Rooms' }).getByRole('button', { name: roomName }).waitFor({ timeout: UI });
  }, SLOW);

  it('derived keys in a Web Worker under the page\'s CSP, which allows WebAssembly and nothing looser', async () => {
    const html = await (await fetch(`${server.baseUrl}/login`)).text();
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(csp).toMatch(/script-src 'self' 'wasm-unsafe-eval';/);
    expect(csp).not.toMatch(/'unsafe-eval'|'unsafe-inline'/);
    // Angular's bundle of kdf.worker.ts, from this origin (a blocked worker would fall back to the page silently).
    expect(phone.workers.map((url) => new URL(url)).some((url) => url.origin === server.baseUrl
      && /^\/worker-[A-Za-z0-9]+\.js$/.test(url.pathname))).toBe(true);
  });

  it('never sent a password or the recovery key to the server, in any encoding', async () => {
    const keyBytes = Buffer.from(await parseRecoveryKey(recoveryKey));
    const secrets = [
      ...passwords,
      recoveryKey,
      recoveryKey.replace(/ /g, '-'),
      recoveryKey.replace(/ /g, ''),
      recoveryKey.replace(/ /g, '').toLowerCase(),
      keyBytes.toString('base64url'),
      keyBytes.toString('base64'),
      keyBytes.toString('hex'),
    ];
    const forms = secrets.flatMap((s) => [s, encodeURIComponent(s), Buffer.from(s).toString('base64'), Buffer.from(s).toString('hex')]);
    for (const b of [phone, laptop, fresh]) {
      const everything = b.sent.join('\n');
      for (const form of forms) expect(everything).not.toContain(form);
    }
    // The check can fail: the recovery did go to the server, as a signature and a new wrap.
    expect(phone.sent.join('\n')).toMatch(/"signature":"[A-Za-z0-9_-]{86}"/);
  });

  it('logged no console errors apart from the refused login', () => {
    // The wrong-password login answers 401, which Chromium logs as a failed resource load; so does the laptop's
    // dead session on reload. Nothing else may appear (a CSP violation would).
    const unexpected = (errors: string[]) => errors.filter((e) => !/status of 401/.test(e));
    expect(unexpected(phone.consoleErrors)).toEqual([]);
    expect(unexpected(laptop.consoleErrors)).toEqual([]);
    expect(fresh.consoleErrors).toEqual([]);
  });
});
