/** How long a UI step may take on 2 busy cores. */
export const UI_TIMEOUT = 20_000;

/** Polls until `check` holds (Playwright's auto-waiting assertions belong to @playwright/test, not used here). */
export async function until(check: () => Promise<boolean>, what: string, timeout = UI_TIMEOUT): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
