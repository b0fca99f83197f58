import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (no browser downloads here); CHROMIUM_PATH points elsewhere, e.g. on macOS. */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
/** Headless, no sandbox (CI runs as root), and nothing that phones home or updates itself during a test. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-quic',
  '--disable-sync',
];

/** The browser every e2e spec drives. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
