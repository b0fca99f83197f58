import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { startServer, type RunningServer } from './server';
import { signUp } from './sign-up';
import { until } from './until';

/** Three sign-ups (Argon2id, 64 MiB, in the page) on 2 busy cores. */
const SLOW = 90_000;
const UI = 20_000;

interface Person {
  name: string;
  username: string;
  page: Page;
  pageErrors: string[];
}

const suffix = randomBytes(4).toString('hex');
const roomName = `Crew ${suffix}`;
let server: RunningServer;
let browser: Browser;
let alice: Person;
let bob: Person;
let carol: Person;

async function person(name: string): Promise<Person> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return { name, username: `${name.toLowerCase()}-${suffix}`, page, pageErrors };
}

const roomButton = (p: Person) => p.page.getByRole('navigation', { name: 'Rooms' }).getByRole('button', { name: roomName });
const log = (p: Person) => p.page.getByRole('log', { name: 'Messages' });
const composer = (p: Person) => p.page.getByLabel('Message', { exact: true });

async function send(p: Person, text: string): Promise<void> {
  await until(() => composer(p).isEnabled(), `${p.name} can write`);
  await composer(p).fill(text);
  await composer(p).press('Enter');
}

async function manage(p: Person): Promise<void> {
  const summary = p.page.getByText('Manage members', { exact: true });
  if (!(await p.page.locator('details[open]').filter({ has: summary }).count())) await summary.click();
}

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  [alice, bob, carol] = await Promise.all(['Alice', 'Bob', 'Carol'].map(person));
}, SLOW);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('Removing members and leaving a room', () => {
  it('sets up Alice’s room with Bob and Carol in it', async () => {
    await Promise.all([alice, bob, carol].map((p) =>
      signUp(p.page, server.baseUrl, { username: p.username, name: p.name, password: `correct horse ${p.name} battery` })));
    await alice.page.getByLabel('Room name').fill(roomName);
    await alice.page.getByRole('button', { name: 'Create room' }).click();
    await alice.page.getByRole('heading', { name: roomName }).waitFor({ timeout: UI });
    for (const p of [bob, carol]) {
      await alice.page.getByLabel('Invite by username').fill(p.username);
      await alice.page.getByRole('button', { name: 'Invite' }).click();
      await alice.page.getByText(`${p.name} was added to the room.`).waitFor({ timeout: UI });
    }
    for (const p of [bob, carol]) {
      await roomButton(p).click({ timeout: UI });
      await p.page.getByRole('heading', { name: roomName }).waitFor({ timeout: UI });
    }
    await send(alice, 'welcome, both of you');
    await log(bob).getByText('welcome, both of you').waitFor({ timeout: UI });
    await log(carol).getByText('welcome, both of you').waitFor({ timeout: UI });
  }, 3 * SLOW);

  it('offers Remove only to the room’s admin, and never for oneself', async () => {
    await manage(alice);
    await manage(bob);
    await alice.page.getByRole('button', { name: 'Remove Bob' }).waitFor({ timeout: UI });
    expect(await alice.page.getByRole('list', { name: 'Manage members' }).getByRole('button', { name: 'Remove You' }).count()).toBe(0);
    expect(await bob.page.getByRole('list', { name: 'Manage members' }).getByRole('button').count()).toBe(0);
  });

  it('lets Alice remove Bob: the room leaves Bob’s list at once, and what is said next never reaches him', async () => {
    await alice.page.getByRole('button', { name: 'Remove Bob' }).click();
    await alice.page.getByRole('button', { name: 'Remove Bob' }).click(); // the confirmation
    await alice.page.getByText('Bob was removed from the room.').waitFor({ timeout: UI });
    await until(async () => (await roomButton(bob).count()) === 0, 'the room leaves Bob’s list');
    // The remover rotated at once: create, add Bob, add Carol, remove Bob → epoch 4.
    await alice.page.getByText('Encrypted · epoch 4').waitFor({ timeout: UI });
    await send(alice, 'only for Carol now');
    await log(carol).getByText('only for Carol now').waitFor({ timeout: UI });
    // Bob's browser holds no key for the new epoch, and the server no longer lets him read the room.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await bob.page.getByText('only for Carol now').count()).toBe(0);
  });

  it('lets Carol leave: the room leaves her list, Alice sees one member and can still write', async () => {
    await manage(carol);
    await carol.page.getByRole('button', { name: 'Leave room' }).click();
    await carol.page.getByRole('button', { name: 'Leave for good' }).click();
    await until(async () => (await roomButton(carol).count()) === 0, 'the room leaves Carol’s list');
    await until(async () => (await alice.page.getByRole('list', { name: 'Manage members' }).getByRole('listitem').count()) === 1,
      'Alice’s member list shows only her');
    // Alice's key was made for a roster with Carol: her next message starts a new epoch first.
    await send(alice, 'alone again');
    await log(alice).getByText('alone again').waitFor({ timeout: UI });
    await alice.page.getByText('Encrypted · epoch 5').waitFor({ timeout: UI });
    for (const p of [alice, bob, carol]) expect(p.pageErrors).toEqual([]);
  });
});
