/**
 * What the browser benchmarks share (bench/web.ts, bench/phone.ts): `folio serve` on the embedded default with
 * its bundled sample, Debian's Chromium, and polling the page for a condition.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { makeTempDir, startAndTime, stopProcess } from './lib.js';

const FOLIO = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'folio.js');
/** The bundled sample series `folio serve` imports on its first run. */
export const SAMPLE_SERIES = 'moth-and-lantern';

/** `folio serve` (PGlite, a fresh data dir: the first run imports the sample), ready. */
export async function startEmbeddedFolio(prefix: string): Promise<{ url: string; stop(): Promise<void> }> {
  const dataDir = await makeTempDir(prefix);
  const started = await startAndTime({
    cmd: process.execPath,
    makeArgs: () => [FOLIO, 'serve'],
    makeEnv: (port) => ({ PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), HOST: '127.0.0.1', FOLIO_DATA_DIR: dataDir, LOG_LEVEL: 'warn' }),
    paths: ['/ready'],
    timeoutMs: 180_000,
    intervalMs: 50,
  });
  return { url: `http://127.0.0.1:${started.port}`, stop: () => stopProcess(started.proc.child) };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

const WAIT_MS = 30_000;

/**
 * Poll an expression in the page until it is truthy. (page.waitForFunction with a string compiles it with eval
 * inside the page, which Folio's CSP forbids; the marks carry their own time, so polling adds nothing to figures.)
 */
export async function until(page: Page, expression: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
    await page.waitForTimeout(10);
  }
}
