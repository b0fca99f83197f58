import { randomBytes } from 'node:crypto';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { launchChromium } from './browser';
import { startServer, type RunningServer } from './server';
import { signUp } from './sign-up';
import { until } from './until';

/**
 * The real-time side of the chat in two real browsers (Alice on a desktop, Bob on a 390 px phone) against the
 * one-process server: presence, status, typing, read receipts, delete, unread badges, and going offline and
 * back with a message sent in between.
 */

/** The server's presence grace period, shortened for the test (default 5 s: a reload must not flap). */
const GRACE_MS = 1_500;
const SLOW = 60_000;
const UI = 20_000;

interface Person {
  name: string;
  username: string;
  context: BrowserContext;
  page: Page;
  consoleErrors: string[];
  /** HTTP requests started and not finished yet. */
  inFlight: () => number;
}

const suffix = randomBytes(4).toString('hex');
const mainRoom = `Realtime ${suffix}`;
const sideRoom = `Side ${suffix}`;

let server: RunningServer;
let browser: Browser;
let alice: Person;
let bob: Person;

async function person(name: string, viewport: { width: number; height: number }): Promise<Person> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
  let inFlight = 0;
  page.on('request', () => inFlight++);
  page.on('requestfinished', () => inFlight--);
  page.on('requestfailed', () => inFlight--);
  return { name, username: `${name.toLowerCase()}-${suffix}`, context, page, consoleErrors, inFlight: () => inFlight };
}

async function register(p: Person, baseUrl = server.baseUrl): Promise<void> {
  await signUp(p.page, baseUrl, { username: p.username, name: p.name, password: `correct horse ${p.name} battery` });
}

const roomButton = (p: Person, name: string) =>
  p.page.getByRole('navigation', { name: 'Rooms' }).getByRole('button', { name });
const log = (p: Person) => p.page.getByRole('log', { name: 'Messages' });
const composer = (p: Person) => p.page.getByLabel('Message', { exact: true });
const memberDot = (p: Person, name: string) =>
  p.page.getByRole('list', { name: 'Members' }).getByRole('listitem').filter({ hasText: name }).locator('parley-presence-dot');

/** The status picker's disclosure button (its label is for screen readers). */
const statusPicker = (p: Person) => p.page.locator('parley-status-picker summary');

async function openRoom(p: Person, name: string): Promise<void> {
  await roomButton(p, name).click();
  await p.page.getByRole('heading', { name }).waitFor({ timeout: UI });
  await until(() => composer(p).isEnabled(), `${p.name}'s composer never became enabled in ${name}`);
}

async function createRoom(p: Person, name: string, invite: Person): Promise<void> {
  await p.page.getByLabel('Room name').fill(name);
  await p.page.getByRole('button', { name: 'Create room' }).click();
  await p.page.getByRole('heading', { name }).waitFor({ timeout: UI });
  await p.page.getByLabel('Invite by username').fill(invite.username);
  await p.page.getByRole('button', { name: 'Invite' }).click();
  await p.page.getByText(`${invite.name} was added to the room.`).waitFor({ timeout: UI });
}

async function send(p: Person, text: string): Promise<void> {
  await composer(p).fill(text);
  await composer(p).press('Enter');
}

async function presenceOf(p: Person, name: string): Promise<string | null> {
  return memberDot(p, name).getAttribute('data-presence', { timeout: 1_000 });
}

async function textOf(locator: Locator): Promise<string> {
  return ((await locator.textContent({ timeout: 1_000 })) ?? '').replace(/\s+/g, ' ').trim();
}

beforeAll(async () => {
  // startServer passes its environment on; jest gives each test file its own copy of process.env.
  process.env['PRESENCE_GRACE_MS'] = String(GRACE_MS);
  server = await startServer();
  browser = await launchChromium();
  alice = await person('Alice', { width: 1280, height: 800 });
  bob = await person('Bob', { width: 390, height: 844 });
}, SLOW);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('Real-time chat in two browsers', () => {
  it('sets up Alice (desktop) and Bob (phone) in two shared rooms', async () => {
    await Promise.all([register(alice), register(bob)]);
    await createRoom(alice, sideRoom, bob);
    await createRoom(alice, mainRoom, bob);

    await roomButton(bob, mainRoom).waitFor({ timeout: UI });
    await roomButton(bob, sideRoom).waitFor({ timeout: UI });
    // Opening a room joins it for sure: Bob's status changes are announced in the rooms his socket is in.
    await openRoom(bob, mainRoom);
    await bob.page.getByRole('button', { name: 'Back to rooms' }).click();
  }, 3 * SLOW);

  it('shows Bob online to Alice, and his status and status text when he sets them', async () => {
    await until(async () => (await presenceOf(alice, 'Bob')) === 'online', 'Bob online for Alice');

    await statusPicker(bob).click();
    await bob.page.getByLabel('Status', { exact: true }).selectOption('busy');
    await bob.page.getByLabel('Status message').fill('In a meeting');
    await bob.page.getByRole('button', { name: 'Set status' }).click();
    await until(async () => (await presenceOf(alice, 'Bob')) === 'busy', 'Bob busy for Alice');
    await alice.page.getByRole('list', { name: 'Members' }).getByText('In a meeting').waitFor({ timeout: UI });

    // Invisible looks offline to others.
    await statusPicker(bob).click();
    await bob.page.getByLabel('Status', { exact: true }).selectOption('invisible');
    await bob.page.getByLabel('Status message').fill('');
    await bob.page.getByRole('button', { name: 'Set status' }).click();
    await until(async () => (await presenceOf(alice, 'Bob')) === 'offline', 'invisible Bob offline for Alice');

    await statusPicker(bob).click();
    await bob.page.getByLabel('Status', { exact: true }).selectOption('online');
    await bob.page.getByRole('button', { name: 'Set status' }).click();
    await until(async () => (await presenceOf(alice, 'Bob')) === 'online', 'Bob online again for Alice');
  });

  it('shows "Bob is typing…" to Alice while he types, and hides it when he clears the field', async () => {
    await openRoom(bob, mainRoom);
    const typing = alice.page.getByText('Bob is typing…');

    await composer(bob).pressSequentially('hel');
    await typing.waitFor({ timeout: UI });
    await composer(bob).fill('');
    await typing.waitFor({ state: 'hidden', timeout: UI });
  });

  it('lets the typing indicator run out by itself when Bob stops typing without clearing', async () => {
    const typing = alice.page.getByText('Bob is typing…');
    await composer(bob).pressSequentially('hello');
    await typing.waitFor({ timeout: UI });
    const shownAt = Date.now();

    await typing.waitFor({ state: 'hidden', timeout: UI });
    // The server ends it 5 s after the last start; nothing was renewed since.
    expect(Date.now() - shownAt).toBeGreaterThan(3_000);
    await composer(bob).fill('');
  });

  it('shows Alice "Seen by Bob" under her message once Bob has it on screen', async () => {
    const text = `ping ${suffix}`;
    await send(alice, text);
    await log(bob).getByText(text, { exact: true }).waitFor({ timeout: UI });

    await log(alice).getByText('Seen by Bob').waitFor({ timeout: UI });
  });

  it('replaces a message Alice deletes with a tombstone on Bob’s phone', async () => {
    const text = `oops ${suffix}`;
    await send(alice, text);
    await log(bob).getByText(text, { exact: true }).waitFor({ timeout: UI });

    const mine = log(alice).getByRole('listitem').filter({ hasText: text });
    await mine.hover();
    await mine.getByRole('button', { name: 'Delete message' }).click();
    await mine.getByRole('group', { name: 'Confirm deletion' }).getByRole('button', { name: 'Delete' }).click();

    await log(bob).getByText('Message deleted').waitFor({ timeout: UI });
    await log(bob).getByText(text, { exact: true }).waitFor({ state: 'detached', timeout: UI });
    await log(alice).getByText('Message deleted').waitFor({ timeout: UI });
  });

  it('counts unread messages per room on Bob’s room list, sorts by activity, and clears when he reads', async () => {
    await bob.page.getByRole('button', { name: 'Back to rooms' }).click();
    await openRoom(alice, sideRoom);
    await send(alice, `side note ${suffix}`);
    const sideBadge = roomButton(bob, sideRoom).getByTestId('unread-badge');
    await until(async () => (await textOf(sideBadge)) === '1 unread', 'one unread in the side room');

    await openRoom(alice, mainRoom);
    await send(alice, `one ${suffix}`);
    await send(alice, `two ${suffix}`);
    const mainBadge = roomButton(bob, mainRoom).getByTestId('unread-badge');
    await until(async () => (await textOf(mainBadge)) === '2 unread', 'two unread in the main room');
    const order = await bob.page.getByRole('navigation', { name: 'Rooms' }).getByRole('button').allTextContents();
    expect(order.findIndex((t) => t.includes(mainRoom))).toBeLessThan(order.findIndex((t) => t.includes(sideRoom)));

    await openRoom(bob, mainRoom);
    await log(bob).getByText(`two ${suffix}`, { exact: true }).waitFor({ timeout: UI });
    await bob.page.getByRole('button', { name: 'Back to rooms' }).click();
    await mainBadge.waitFor({ state: 'detached', timeout: UI });
    await expect(textOf(sideBadge)).resolves.toBe('1 unread');
  });

  it('shows "Reconnecting…" while Bob is offline, then resyncs: every message arrives exactly once', async () => {
    await openRoom(bob, mainRoom);
    await log(bob).getByText(`two ${suffix}`, { exact: true }).waitFor({ timeout: UI });
    // Opening the room fetches keys and history; going offline in the middle would only test the error path.
    await until(async () => bob.inFlight() === 0, 'Bob’s requests finished');
    await new Promise((r) => setTimeout(r, 500));
    await until(async () => bob.inFlight() === 0, 'Bob’s requests finished');
    // Chromium's offline emulation stops HTTP and WebSocket frames (the TCP connection stays): the app learns it
    // from the browser's `offline` event; the server only after its ping timeout, so presence is tested below.
    await bob.context.setOffline(true);
    const banner = bob.page.getByRole('status').filter({ hasText: 'Reconnecting…' });
    await banner.waitFor({ timeout: UI });

    const fromAlice = `while you were away ${suffix}`;
    const fromBob = `sent from the tunnel ${suffix}`;
    await send(alice, fromAlice);
    await send(bob, fromBob);
    await log(bob).getByText(fromBob, { exact: true }).waitFor({ timeout: UI });
    await log(bob).getByText('sending…').waitFor({ timeout: UI });
    await new Promise((r) => setTimeout(r, 1_000));
    await expect(log(bob).getByText(fromAlice, { exact: true }).count()).resolves.toBe(0);
    await expect(log(alice).getByText(fromBob, { exact: true }).count()).resolves.toBe(0);

    await bob.context.setOffline(false);
    await banner.waitFor({ state: 'hidden', timeout: UI });
    await log(bob).getByText(fromAlice, { exact: true }).waitFor({ timeout: UI });
    await log(alice).getByText(fromBob, { exact: true }).waitFor({ timeout: UI });
    await log(bob).getByText('sending…').waitFor({ state: 'hidden', timeout: UI });

    await new Promise((r) => setTimeout(r, 1_500)); // any late duplicate would arrive by now
    for (const [p, text] of [[bob, fromAlice], [alice, fromBob], [bob, fromBob], [alice, fromAlice]] as const) {
      await expect(log(p).getByText(text, { exact: true }).count()).resolves.toBe(1);
    }
    // The order is the server's (by seq) on both sides.
    const bodies = async (p: Person) =>
      (await log(p).locator('p.whitespace-pre-wrap').allTextContents()).filter((t) => t.includes(suffix));
    await expect(bodies(bob)).resolves.toEqual(await bodies(alice));
  });

  it('loads older messages when Bob scrolls to the top, keeping his place, down to the beginning', async () => {
    await openRoom(alice, sideRoom);
    // 61 messages in the room: the first page (50) leaves 11 older ones on the server.
    for (let i = 1; i <= 60; i++) {
      await send(alice, `line ${i} ${suffix}`);
      await new Promise((r) => setTimeout(r, 60)); // inside the gateway's rate limit (20 events/s)
    }
    await log(alice).getByText(`line 60 ${suffix}`, { exact: true }).waitFor({ timeout: UI });
    await until(async () => (await log(alice).getByText('sending…').count()) === 0, 'all of Alice’s lines acked');
    await bob.page.getByRole('button', { name: 'Back to rooms' }).click();
    await openRoom(bob, sideRoom);
    await log(bob).getByText(`line 60 ${suffix}`, { exact: true }).waitFor({ timeout: UI });
    await expect(log(bob).getByText(`line 1 ${suffix}`, { exact: true }).count()).resolves.toBe(0);
    await expect(log(bob).getByText('Beginning of conversation').count()).resolves.toBe(0);

    // Scroll to the top; the message that was first must stay where it was once the older page is above it.
    const before = await log(bob).evaluate((el) => {
      el.scrollTop = 0;
      const first = el.querySelector('li p.whitespace-pre-wrap');
      return { text: first?.textContent ?? '', top: first?.getBoundingClientRect().top ?? 0 };
    });
    await log(bob).getByText(`line 1 ${suffix}`, { exact: true }).waitFor({ state: 'attached', timeout: UI });
    const marker = before.text.match(/line \d+ \S+/)?.[0] ?? '';
    expect(marker).toMatch(/^line \d+/);
    const after = await log(bob).getByText(marker, { exact: true }).evaluate((el) => el.getBoundingClientRect().top);
    // Without the anchor it would jump by the height of 11 messages (~700 px); a sender label may come and go.
    expect(Math.abs(after - before.top)).toBeLessThan(60);

    await log(bob).evaluate((el) => (el.scrollTop = 0));
    await log(bob).getByText('Beginning of conversation').waitFor({ timeout: UI });
    await expect(log(bob).getByText(`side note ${suffix}`, { exact: true }).count()).resolves.toBe(1);
  });

  it('logged no console errors in either browser', () => {
    expect(alice.consoleErrors).toEqual([]);
    expect(bob.consoleErrors).toEqual([]);
  });

  it('shows Bob offline to Alice once he closed the app and the grace period has passed', async () => {
    await until(async () => (await presenceOf(alice, 'Bob')) === 'online', 'Bob online for Alice');
    const closedAt = Date.now();
    await bob.context.close();

    await until(async () => (await presenceOf(alice, 'Bob')) === 'offline', 'Bob offline for Alice', GRACE_MS + UI);
    const after = Date.now() - closedAt;
    expect(after).toBeGreaterThanOrEqual(GRACE_MS);
    expect(alice.consoleErrors).toEqual([]);
  });
});

describe('When the server ends the socket (token expired, session revoked)', () => {
  /** The shortest access token the auth service allows; the web app renews it a minute ahead, i.e. constantly. */
  const TTL_S = 60;
  let shortLived: RunningServer;
  let carol: Person;
  const sockets: { openedAt: number; expiredAt?: number }[] = [];

  beforeAll(async () => {
    process.env['ACCESS_TOKEN_TTL_SECONDS'] = String(TTL_S);
    shortLived = await startServer();
    delete process.env['ACCESS_TOKEN_TTL_SECONDS'];
    carol = await person('Carol', { width: 390, height: 844 });
    carol.page.on('websocket', (ws) => {
      const entry: { openedAt: number; expiredAt?: number } = { openedAt: Date.now() };
      sockets.push(entry);
      ws.on('framereceived', ({ payload }) => {
        if (String(payload).includes('"token-expired"')) entry.expiredAt = Date.now();
      });
    });
  }, SLOW);

  afterAll(async () => {
    await carol?.context.close();
    await shortLived?.stop();
  });

  it('is ended by the server with "token-expired", and the app renews the token and reconnects by itself', async () => {
    await register(carol, shortLived.baseUrl);
    await carol.page.getByLabel('Room name').fill(`Solo ${suffix}`);
    await carol.page.getByRole('button', { name: 'Create room' }).click();
    await until(() => composer(carol).isEnabled(), 'Carol’s composer enabled');
    await send(carol, `before ${suffix}`);
    await log(carol).getByText('sending…').waitFor({ state: 'hidden', timeout: UI });

    await until(async () => sockets.some((s) => s.expiredAt), 'the server ending the socket', (TTL_S + 30) * 1000);
    await until(async () => sockets.length >= 2, 'a second socket');
    // (The sidebar with the connection state is a page of its own on a phone: present, not visible.)
    await carol.page.getByText('Carol · Connected').waitFor({ state: 'attached', timeout: UI });
    await expect(carol.page.getByRole('status').filter({ hasText: 'Reconnecting…' }).count()).resolves.toBe(0);

    await send(carol, `after ${suffix}`);
    await log(carol).getByText(`after ${suffix}`, { exact: true }).waitFor({ timeout: UI });
    await log(carol).getByText('sending…').waitFor({ state: 'hidden', timeout: UI });
    expect(new URL(carol.page.url()).pathname).toBe('/');
    expect(carol.consoleErrors).toEqual([]);
  }, 3 * SLOW);

  it('goes to the login page with a reason when the session is ended from another device', async () => {
    const laptop = await person('Carol', { width: 1280, height: 800 });
    try {
      await laptop.page.goto(`${shortLived.baseUrl}/login`);
      await laptop.page.getByLabel('Username').fill(carol.username);
      await laptop.page.getByLabel('Password').fill(`correct horse ${carol.name} battery`);
      await laptop.page.getByRole('button', { name: 'Log in' }).click();
      await laptop.page.getByRole('button', { name: 'Log out' }).waitFor({ timeout: SLOW });
      await laptop.page.getByRole('link', { name: 'Sessions' }).click();
      await laptop.page.getByRole('list', { name: 'Sessions' }).getByRole('button', { name: /^Sign out/ }).click();

      await carol.page.waitForURL((url) => url.pathname === '/login', { timeout: UI });
      await carol.page.getByText('This session was ended from another device. Log in again.').waitFor({ timeout: UI });
    } finally {
      await laptop.context.close();
    }
  }, 2 * SLOW);
});
