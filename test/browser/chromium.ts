/**
 * Headless Debian Chromium driven by playwright-core (never a downloaded
 * browser): /usr/bin/chromium, installed by scripts/ensure-test-services.sh.
 * Every context is fresh (no cookies, no cache); screenshots go to
 * test-results/browser/ (gitignored) for people to look at.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'browser');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 360, height: 740 };

/**
 * A fresh context whose pages fail the test on any CSP violation, uncaught
 * error or console error (collected in `problems`). A test that provokes an
 * HTTP error on purpose names it in `expectedConsole` (e.g. /status of 429/):
 * Chromium logs every 4xx/5xx response as a console error.
 */
export async function freshContext(
  browser: Browser,
  opts: BrowserContextOptions & { expectedConsole?: RegExp } = {},
): Promise<{ context: BrowserContext; problems: string[] }> {
  const { expectedConsole, ...contextOpts } = opts;
  const context = await browser.newContext({ viewport: DESKTOP, ...contextOpts });
  const problems: string[] = [];
  await context.addInitScript(
    "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));",
  );
  context.on('page', (page) => watch(page, problems, expectedConsole));
  return { context, problems };
}

function watch(page: Page, problems: string[], expected?: RegExp): void {
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    // Expected: requests a test fails on purpose (API down), and the 401 with which a
    // new visitor's first write learns it needs a reader (the app then creates one).
    if (/net::ERR_FAILED|ERR_CONNECTION_REFUSED|status of 401/.test(text)) return;
    if (expected?.test(text)) return;
    problems.push(`console: ${text}`);
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
