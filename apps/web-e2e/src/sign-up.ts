import type { Page } from 'playwright-core';

/** How long a sign-up may take: Argon2id (64 MiB) in a worker on a busy 2-core machine. */
export const SIGN_UP_TIMEOUT = 60_000;

/**
 * Creates an account through the UI as a person would: the form, then the recovery key shown once, which the app
 * only lets go of once "I saved my recovery key" is ticked (account.e2e-spec.ts tests that step itself).
 */
export async function signUp(page: Page, baseUrl: string, who: { username: string; name: string; password: string }):
  Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByRole('tab', { name: 'Create account' }).click();
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Display name').fill(who.name);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByLabel('I saved my recovery key').check({ timeout: SIGN_UP_TIMEOUT });
  await page.getByRole('button', { name: 'Continue to Parley' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor({ timeout: SIGN_UP_TIMEOUT });
}
