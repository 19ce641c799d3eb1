/**
 * What the browser benchmarks share (bench/web.ts, bench/phone.ts): `folio serve` on the embedded default with
 * its bundled sample, Debian's Chromium, and polling the page for a condition.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';
import { samplePacks } from '../src/server/runtime.js';
import { makeTempDir, startAndTime, stopProcess } from './lib.js';

const execFileAsync = promisify(execFile);

const FOLIO = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'folio.js');
/** The bundled sample series `folio serve` imports on its first run. */
export const SAMPLE_SERIES = 'moth-and-lantern';

/**
 * `folio serve` (PGlite, a fresh data dir: the first run imports the sample), ready. `packs`: imported first with
 * `folio import`, together with the sample (serve imports it only into an empty library).
 */
export async function startEmbeddedFolio(prefix: string, opts: { packs?: string[] } = {}): Promise<{ url: string; stop(): Promise<void> }> {
  const dataDir = await makeTempDir(prefix);
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, FOLIO_DATA_DIR: dataDir, LOG_LEVEL: 'warn', FOLIO_OCR_LANGS: 'off' };
  if (opts.packs?.length) {
    await execFileAsync(process.execPath, [FOLIO, 'import', '--json', ...samplePacks(), ...opts.packs], { env, maxBuffer: 16 * 1024 * 1024 });
  }
  const started = await startAndTime({
    cmd: process.execPath,
    makeArgs: () => [FOLIO, 'serve'],
    makeEnv: (port) => ({ ...env, PORT: String(port), HOST: '127.0.0.1' }),
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
