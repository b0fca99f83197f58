// Trust and the receiver-side checks in the real product: two people compare safety numbers and one marks the
// other verified; then a malicious server is simulated by rewriting real REST responses in Bob's (or Alice's)
// browser with Playwright's page.route — an inserted member, a replayed old epoch, a tampered message, a changed
// identity key — and the room must show the warning, disable sending and never show forged plaintext.
import { randomBytes } from 'node:crypto';
import { type Browser, type Page, type Route } from 'playwright-core';
import { launchChromium } from './browser';
import { startServer, type RunningServer } from './server';
import { signUp } from './sign-up';

const SLOW = 60_000;
const UI = 20_000;

interface Person {
  name: string;
  username: string;
  page: Page;
  /** Uncaught exceptions in the page: a check that fails must show a warning, not crash. */
  pageErrors: string[];
}

const suffix = randomBytes(4).toString('hex');
const roomName = `Trust ${suffix}`;
/** GET /api/rooms/:roomId (not its ops, epochs or messages). */
const ROOM_DETAIL = /\/api\/rooms\/[^/?]+(\?.*)?$/;
const ROOM_EPOCHS = /\/api\/rooms\/[^/?]+\/epochs(\?.*)?$/;
const ROOM_MESSAGES = /\/api\/rooms\/[^/?]+\/messages(\?.*)?$/;
const USER_PROFILE = /\/api\/users\/[^/?]+$/;

let server: RunningServer;
let browser: Browser;
let alice: Person;
let bob: Person;

async function person(name: string, width = 1280): Promise<Person> {
  const context = await browser.newContext({ viewport: { width, height: 800 } });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return { name, username: `${name.toLowerCase()}-${suffix}`, page, pageErrors };
}

async function register(p: Person): Promise<void> {
  await signUp(p.page, server.baseUrl, { username: p.username, name: p.name, password: `correct horse ${p.name} battery` });
}

async function openRoom(p: Person): Promise<void> {
  await p.page.getByRole('navigation', { name: 'Rooms' }).getByRole('button', { name: roomName }).click();
  await p.page.getByRole('heading', { name: roomName }).waitFor({ timeout: UI });
}

async function reopen(p: Person): Promise<void> {
  await p.page.reload();
  await openRoom(p);
}

const composer = (p: Person) => p.page.getByLabel('Message', { exact: true });

async function waitUntil(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + UI;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}.`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function send(p: Person, text: string): Promise<void> {
  await waitUntil('the composer is enabled', () => composer(p).isEnabled());
  await composer(p).fill(text);
  await composer(p).press('Enter');
}

const log = (p: Person) => p.page.getByRole('log', { name: 'Messages' });

/** Opens the Verify dialog for `other` and returns the safety number and QR payload shown. */
async function safetyNumberFor(p: Person, other: Person): Promise<{ digits: string; qr: string }> {
  const { page } = p;
  const summary = page.getByText('Safety numbers', { exact: true });
  await summary.waitFor({ timeout: UI });
  if (!(await page.getByRole('button', { name: `Verify ${other.name}` }).isVisible())) await summary.click();
  await page.getByRole('button', { name: `Verify ${other.name}` }).click();
  const dialog = page.getByRole('dialog', { name: `Safety number with ${other.name}` });
  await dialog.waitFor({ timeout: UI });
  const digits = (await dialog.getByTestId('safety-number').innerText()).replace(/\s+/g, ' ').trim();
  const qr = (await dialog.getByTestId('safety-number-qr').innerText()).trim();
  return { digits, qr };
}

/** Rewrites one JSON response of the real server. */
async function rewrite(route: Route, change: (body: unknown) => unknown): Promise<void> {
  if (route.request().method() !== 'GET') return route.fallback();
  try {
    const response = await route.fetch();
    const body = change(await response.json());
    await route.fulfill({ response, json: body });
  } catch (error) {
    // A reload cancels requests still in flight; their rewrite no longer matters.
    if (!/already handled|closed|aborted|disposed/i.test(String(error))) throw error;
  }
}

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  alice = await person('Alice');
  bob = await person('Bob', 390);
}, SLOW);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('Trust in the browser', () => {
  it('sets up Alice and Bob in one room', async () => {
    await Promise.all([register(alice), register(bob)]);
    await alice.page.getByLabel('Room name').fill(roomName);
    await alice.page.getByRole('button', { name: 'Create room' }).click();
    await alice.page.getByRole('heading', { name: roomName }).waitFor({ timeout: UI });
    await alice.page.getByLabel('Invite by username').fill(bob.username);
    await alice.page.getByRole('button', { name: 'Invite' }).click();
    await alice.page.getByText('Bob was added to the room.').waitFor({ timeout: UI });
    await bob.page.getByRole('navigation', { name: 'Rooms' }).getByRole('button', { name: roomName }).waitFor({ timeout: UI });
    await openRoom(bob);

    const hello = `hello bob ${suffix}`;
    await send(alice, hello);
    await log(bob).getByText(hello, { exact: true }).waitFor({ timeout: UI });
  }, 3 * SLOW);

  it('shows Alice and Bob the same safety number for each other, in twelve groups of five digits', async () => {
    const [seenByAlice, seenByBob] = await Promise.all([safetyNumberFor(alice, bob), safetyNumberFor(bob, alice)]);

    expect(seenByAlice.digits).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect(seenByAlice.digits).toBe(seenByBob.digits);
    expect(seenByAlice.qr).toMatch(/^parley-sn:1:[A-Za-z0-9_-]{86}$/);
    expect(seenByAlice.qr).toBe(seenByBob.qr);
    await bob.page.getByRole('button', { name: 'Close' }).click();
  }, SLOW);

  it('lets Alice mark Bob as verified, and remembers it after a reload', async () => {
    const dialog = alice.page.getByRole('dialog', { name: 'Safety number with Bob' });
    await dialog.getByRole('button', { name: 'Mark as verified' }).click();
    await dialog.getByText('You verified Bob.').waitFor({ timeout: UI });
    await dialog.getByRole('button', { name: 'Close' }).click();

    await reopen(alice);
    await alice.page.getByText('Safety numbers', { exact: true }).click();
    await alice.page.getByText('Verified', { exact: true }).waitFor({ timeout: UI });
  }, SLOW);

  it('catches a member the server inserts into the room’s member list: red warning, sending disabled', async () => {
    await bob.page.route(ROOM_DETAIL, (route) =>
      rewrite(route, (room) => {
        const detail = room as { members: { userId: string; role: string; joinedEpoch: number }[] };
        return { ...detail, members: [...detail.members, { userId: 'mallory-inserted-by-server', role: 'member', joinedEpoch: 2 }] };
      }));
    await reopen(bob);

    const alert = bob.page.getByRole('alert').filter({ hasText: 'Membership could not be verified' });
    await alert.waitFor({ timeout: UI });
    await expect(alert.innerText()).resolves.toMatch(/mallory-inserted-by-server/);
    await waitUntil('the composer is disabled', async () => !(await composer(bob).isEnabled()));
    // The chain itself is valid, so what was sealed to its members stays readable.
    await log(bob).getByText(`hello bob ${suffix}`, { exact: true }).waitFor({ timeout: UI });

    // The same room through the honest server again: no warning, sending works.
    await bob.page.unroute(ROOM_DETAIL);
    await reopen(bob);
    await send(bob, `all good ${suffix}`);
    await log(alice).getByText(`all good ${suffix}`, { exact: true }).waitFor({ timeout: UI });
    await expect(bob.page.getByText('Membership could not be verified').count()).resolves.toBe(0);
  }, SLOW);

  it('rejects a replayed old epoch: the server hides the newest key from a device that saw it', async () => {
    await bob.page.route(ROOM_EPOCHS, (route) =>
      rewrite(route, (list) => (list as { epoch: number }[]).filter((e) => e.epoch < 2)));
    await bob.page.route(ROOM_DETAIL, (route) => rewrite(route, (room) => ({ ...(room as object), currentEpoch: 1 })));
    await reopen(bob);

    await bob.page.getByRole('alert').filter({ hasText: /already saw epoch 2/ }).waitFor({ timeout: UI });
    await waitUntil('the composer is disabled', async () => !(await composer(bob).isEnabled()));
    await bob.page.unroute(ROOM_EPOCHS);
    await bob.page.unroute(ROOM_DETAIL);
  }, SLOW);

  it('shows a message the server tampered with as "could not be verified", never its text', async () => {
    const secret = `the secret plan ${suffix}`;
    await send(alice, secret);
    await log(bob).getByText(secret, { exact: true }).waitFor({ timeout: UI });
    await bob.page.route(ROOM_MESSAGES, (route) =>
      rewrite(route, (page) => {
        const history = page as { messages: { seq: number; ct: string }[] };
        const newest = Math.max(...history.messages.map((m) => m.seq));
        return {
          ...history,
          // Flip one bit in the ciphertext of the newest message (base64url: 'A' <-> 'B' changes one bit).
          messages: history.messages.map((m) =>
            m.seq === newest ? { ...m, ct: (m.ct[0] === 'A' ? 'B' : 'A') + m.ct.slice(1) } : m),
        };
      }));
    await reopen(bob);

    await log(bob).getByText(/could not be verified/).waitFor({ timeout: UI });
    await log(bob).getByText(`hello bob ${suffix}`, { exact: true }).waitFor({ timeout: UI });
    await expect(log(bob).getByText(secret).count()).resolves.toBe(0);
    await bob.page.unroute(ROOM_MESSAGES);
  }, SLOW);

  it('marks where the server withheld a message: "messages may be missing from Alice"', async () => {
    const texts = ['one', 'two', 'three'].map((n) => `${n} ${suffix}`);
    for (const text of texts) {
      await send(alice, text);
      await log(bob).getByText(text, { exact: true }).waitFor({ timeout: UI });
    }
    await bob.page.route(ROOM_MESSAGES, (route) =>
      rewrite(route, (page) => {
        const history = page as { messages: { seq: number }[] };
        const withheld = Math.max(...history.messages.map((m) => m.seq)) - 1;
        return { ...history, messages: history.messages.filter((m) => m.seq !== withheld) };
      }));
    await reopen(bob);

    await log(bob).getByText(texts[2], { exact: true }).waitFor({ timeout: UI });
    await log(bob).getByRole('note').filter({ hasText: 'Messages may be missing from Alice' }).waitFor({ timeout: UI });
    await expect(log(bob).getByText(texts[1], { exact: true }).count()).resolves.toBe(0);
    await bob.page.unroute(ROOM_MESSAGES);
  }, SLOW);

  it('blocks Alice from sending when the server presents a new key for Bob, whom she verified, until she confirms', async () => {
    const fakeKey = randomBytes(32).toString('base64url');
    await alice.page.route(USER_PROFILE, (route) =>
      rewrite(route, (profile) => {
        const p = profile as { username: string; uikPublicKey: string };
        return p.username === bob.username ? { ...p, uikPublicKey: fakeKey } : p;
      }));
    await reopen(alice);

    const banner = alice.page.getByRole('alert').filter({ hasText: 'Bob’s safety number changed.' });
    await banner.waitFor({ timeout: UI });
    await alice.page.getByText(/Sending is (paused|disabled)/).first().waitFor({ timeout: UI });
    await waitUntil('the composer is disabled', async () => !(await composer(alice).isEnabled()));
    await alice.page.getByText('Safety numbers', { exact: true }).click();
    await alice.page.getByText('Key changed', { exact: true }).waitFor({ timeout: UI });

    await banner.getByRole('button', { name: 'Confirm new key' }).click();
    await waitUntil('the key-change banner is gone', async () => (await alice.page.getByText('Bob’s safety number changed.').count()) === 0);
    await alice.page.unroute(USER_PROFILE);
  }, SLOW);

  it('threw no uncaught error in either browser', () => {
    expect(alice.pageErrors).toEqual([]);
    expect(bob.pageErrors).toEqual([]);
  });
});
