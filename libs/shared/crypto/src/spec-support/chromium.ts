/**
 * Runs a bundled entry in headless Chromium (playwright-core + the system Chromium) from a throwaway local server.
 * Used by browser.spec.ts and by tools/bench.
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, Browser, Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** Bundles `entry` for the browser, in memory. */
export async function bundle(entry: string): Promise<string> {
  const out = await build({ entryPoints: [entry], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'chrome120', logLevel: 'silent' });
  return out.outputFiles[0].text;
}

export interface BrowserSession {
  page: Page;
  url: string;
  /** Errors the page threw or logged. */
  errors: string[];
  close(): Promise<void>;
}

/**
 * Serves `script` at /bundle.js under an empty page on 127.0.0.1 (a secure context, so Web Crypto and IndexedDB
 * work) and files from `staticDir` under /vectors/, then opens the page in Chromium.
 */
export async function openInChromium(script: string, staticDir?: string): Promise<BrowserSession> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>parley crypto</title><script src="/bundle.js"></script>');
    } else if (url.pathname === '/bundle.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(script);
    } else if (staticDir && /^\/vectors\/[a-z0-9_]+\.json$/.test(url.pathname)) {
      try {
        const body = readFileSync(join(staticDir, url.pathname.slice('/vectors/'.length)));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(url);
    const b = browser;
    return {
      page,
      url,
      errors,
      close: async () => {
        await b.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  } catch (e) {
    await browser?.close();
    server.close();
    throw e;
  }
}
