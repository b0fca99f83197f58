import { randomBytes } from 'node:crypto';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { launchChromium } from './browser';
import { startServer, type RunningServer } from './server';
import { signUp } from './sign-up';

/** Argon2id with 64 MiB runs in the page; registration and login can take several seconds on 2 cores. */
const SLOW = 60_000;
const UI = 20_000;

interface Person {
  name: string;
  username: string;
  context: BrowserContext;
  page: Page;
  consoleErrors: string[];
  /** Everything this browser sent: each request's method, URL, headers and body, and each WebSocket frame. */
  sent: string[];
}

const suffix = randomBytes(4).toString('hex');
const roomName = `Plans ${suffix}`;

let server: RunningServer;
let browser: Browser;
let alice: Person;
let bob: Person;
/** Alice's second browser (a new device). */
let aliceLaptop: Person;
/** A browser that tries a wrong password. */
let stranger: Person;

async function person(name: string): Promise<Person> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
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
  return { name, username: `${name.toLowerCase()}-${suffix}`, context, page, consoleErrors, sent };
}

async function register(p: Person): Promise<void> {
  await signUp(p.page, server.baseUrl, { username: p.username, name: p.name, password: `correct horse ${p.name} battery` });
}

async function openRoom(p: Person): Promise<void> {
  await p.page.getByRole('navigation', { name: 'Rooms' }).getByRole('button', { name: roomName }).click();
  await p.page.getByRole('heading', { name: roomName }).waitFor({ timeout: UI });
}

async function send(p: Person, text: string): Promise<void> {
  const composer = p.page.getByLabel('Message', { exact: true });
  await expectEnabled(composer);
  await composer.fill(text);
  await composer.press('Enter');
}

async function expectEnabled(locator: ReturnType<Page['getByLabel']>): Promise<void> {
  await locator.waitFor({ timeout: UI });
  const deadline = Date.now() + UI;
  while (!(await locator.isEnabled())) {
    if (Date.now() > deadline) throw new Error('The composer never became enabled (no room key?).');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function seesMessage(p: Person, text: string): Promise<void> {
  await p.page.getByRole('log', { name: 'Messages' }).getByText(text, { exact: true }).waitFor({ timeout: UI });
}

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  alice = await person('Alice');
  bob = await person('Bob');
  aliceLaptop = await person('Alice');
  stranger = await person('Mallory');
}, SLOW);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('Parley in the browser', () => {
  it('lets Alice and Bob each create an account', async () => {
    await Promise.all([register(alice), register(bob)]);

    await expect(alice.page.getByText('Alice · ', { exact: false }).count()).resolves.toBeGreaterThan(0);
    expect(new URL(bob.page.url()).pathname).toBe('/');
  }, 2 * SLOW);

  it('lets Alice create a room', async () => {
    await alice.page.getByLabel('Room name').fill(roomName);
    await alice.page.getByRole('button', { name: 'Create room' }).click();

    await alice.page.getByRole('heading', { name: roomName }).waitFor({ timeout: UI });
    await expectEnabled(alice.page.getByLabel('Message', { exact: true }));
  });

  it('lets Alice invite Bob by username', async () => {
    await alice.page.getByLabel('Invite by username').fill(bob.username);
    await alice.page.getByRole('button', { name: 'Invite' }).click();

    await alice.page.getByText('Bob was added to the room.').waitFor({ timeout: UI });
  });

  it('shows the new room to Bob without a reload, and he can open it', async () => {
    await bob.page
      .getByRole('navigation', { name: 'Rooms' })
      .getByRole('button', { name: roomName })
      .waitFor({ timeout: UI });
    await openRoom(bob);

    await expectEnabled(bob.page.getByLabel('Message', { exact: true }));
  });

  it('delivers Alice’s message to Bob, decrypted', async () => {
    const text = `hello bob ${randomBytes(3).toString('hex')}`;
    await send(alice, text);

    await seesMessage(bob, text);
    await seesMessage(alice, text);
    // Recipients get the message as soon as its seq is claimed; the sender's ack follows the write, a moment later.
    await alice.page.getByText('sending…').waitFor({ state: 'detached', timeout: UI });
    await expect(alice.page.getByText('sending…').count()).resolves.toBe(0);
  });

  it('delivers Bob’s reply to Alice, decrypted', async () => {
    const text = `hi alice ${randomBytes(3).toString('hex')}`;
    await send(bob, text);

    await seesMessage(alice, text);
  });

  it('keeps the conversation after a reload', async () => {
    await bob.page.reload();
    await openRoom(bob);

    await bob.page.getByRole('log', { name: 'Messages' }).getByText(/^hello bob /).waitFor({ timeout: UI });
  });

  it('refuses a wrong password with a clear message', async () => {
    const page = await stranger.context.newPage();
    await page.goto(`${server.baseUrl}/login`);
    await page.getByLabel('Username').fill(alice.username);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();

    await page.getByRole('alert').getByText('Wrong username or password.').waitFor({ timeout: SLOW });
    await page.close();
  }, SLOW);

  it('lets Alice log in on a second browser, which becomes a new device that can chat', async () => {
    const { page } = aliceLaptop;
    await page.goto(`${server.baseUrl}/login`);
    await page.getByLabel('Username').fill(alice.username);
    await page.getByLabel('Password').fill(`correct horse ${alice.name} battery`);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('button', { name: 'Log out' }).waitFor({ timeout: SLOW });
    await openRoom(aliceLaptop);

    // History from before this device existed is marked, never shown as garbage.
    await page.getByText('Could not decrypt this message').first().waitFor({ timeout: UI });
    const text = `from the laptop ${randomBytes(3).toString('hex')}`;
    await send(aliceLaptop, text);
    await seesMessage(bob, text);
  }, SLOW);

  it('shows Alice her two devices and lets her revoke the laptop from the first browser', async () => {
    const { page } = alice;
    await page.goto(`${server.baseUrl}/sessions`);
    const devices = page.getByRole('list', { name: 'Devices' });
    await devices.getByText('This device').waitFor({ timeout: UI });
    expect(await devices.getByRole('listitem').count()).toBe(2);
    const revoke = devices.getByRole('button', { name: /^Revoke device / });
    expect(await revoke.count()).toBe(1); // never this device
    const name = (await revoke.getAttribute('aria-label')) ?? '';
    await revoke.click();
    await devices.getByRole('button', { name, exact: true }).click(); // the confirmation
    await devices.getByText('Revoked', { exact: true }).waitFor({ timeout: UI });
    expect(await devices.getByRole('button', { name: /^Revoke device / }).count()).toBe(0);
  });

  it('lets Bob log out', async () => {
    await bob.page.getByRole('button', { name: 'Log out' }).click();

    await bob.page.getByRole('button', { name: 'Log in' }).waitFor({ timeout: UI });
    expect(new URL(bob.page.url()).pathname).toBe('/login');
  });

  it('never sent a password to the server in any encoding: only the derived authSecret', () => {
    for (const p of [alice, bob, aliceLaptop]) {
      const password = `correct horse ${p.name} battery`;
      const forms = [
        password,
        encodeURIComponent(password),
        Buffer.from(password).toString('base64'),
        Buffer.from(password).toString('base64url'),
        Buffer.from(password).toString('hex'),
      ];
      const everything = p.sent.join('\n');
      // The check can fail: the browser did send its credentials, in the derived form.
      expect(everything).toMatch(/"authSecret":"[A-Za-z0-9_-]{43}"/);
      for (const form of forms) expect(everything).not.toContain(form);
    }
  });

  it('logged no console errors in any browser', () => {
    expect(alice.consoleErrors).toEqual([]);
    expect(bob.consoleErrors).toEqual([]);
    expect(aliceLaptop.consoleErrors).toEqual([]);
    // The refused login answers 401, which Chromium always logs as a failed resource load; nothing else may.
    expect(stranger.consoleErrors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });
});
