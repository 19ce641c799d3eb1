/**
 * Signing in with a passkey (issue 21, ADR 0042): the server's time for the two requests of a sign-in on the built
 * `folio serve`, on PGlite and on PostgreSQL, measured by Chromium (DevTools virtual authenticator, the production
 * web build on `localhost`) as each request's time from sent to first byte, next to `GET /health` from the same
 * page in the same run (the HTTP floor). Each round is a new device: cookies cleared, `/link`, "Sign in with a
 * passkey".
 *
 *   npm run bench:passkeys                # both backends, 100 sign-ins each
 *   npm run bench:passkeys -- --quick     # 30 each
 *   npm run bench:passkeys -- --json
 *
 * Figures (p50 and p99): sign-in options; the signed answer (verify, count, become the reader); the two together
 * (the server's part of a sign-in); the whole click-to-signed-in in the page (the authenticator and React included).
 */
import { availableParallelism, loadavg } from 'node:os';
import type { Page, Request } from 'playwright-core';
import { launchChromium } from '../test/browser/chromium.js';
import { cleanup, formatTable, installCleanupHandlers, makeRow, percentile, type Row, runArgs } from './lib.js';
import { type Backend, startFolio } from './streams.js';

const log = (m: string) => process.stderr.write(`bench:passkeys: ${m}\n`);

/** Sent to first byte, as Chromium saw it. */
const serverMs = (r: Request): number => {
  const t = r.timing();
  return t.responseStart - t.requestStart;
};

const finished = (page: Page, suffix: string) => page.waitForEvent('requestfinished', { predicate: (r) => new URL(r.url()).pathname.endsWith(suffix), timeout: 30_000 });

async function measure(backend: Backend, n: number): Promise<Row[]> {
  log(`${backend}: starting folio…`);
  const folio = await startFolio({ backend, fakeUrl: 'http://127.0.0.1:9', env: { FOLIO_MODEL: 'none', FOLIO_LINK_RATE_PER_IP: '1000' } });
  const browser = await launchChromium();
  try {
    const site = folio.url.replace('127.0.0.1', 'localhost');
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    await page.goto(`${site}/devices`);
    await page.getByTestId('create-account').click();
    await page.getByTestId('account-status').waitFor();
    log(`${backend}: account made; ${n} sign-ins…`);

    const samples: Record<string, number[]> = { health: [], options: [], answer: [], server: [], page: [] };
    for (let i = 0; i < n + 5; i++) {
      await context.clearCookies();
      await page.goto(`${site}/link`);
      await page.getByTestId('passkey-sign-in').waitFor();
      const health = finished(page, '/health');
      await page.evaluate(() => fetch('/health').then((r) => r.text()));
      const options = finished(page, '/api/readers/passkeys/sign-in-options');
      const answer = finished(page, '/api/readers/passkeys/sign-in');
      const t0 = performance.now();
      await page.getByTestId('passkey-sign-in').click();
      await page.getByTestId('linked').waitFor();
      const whole = performance.now() - t0;
      const [h, o, a] = [serverMs(await health), serverMs(await options), serverMs(await answer)];
      if (i < 5) continue; // warm-up
      samples.health!.push(h);
      samples.options!.push(o);
      samples.answer!.push(a);
      samples.server!.push(o + a);
      samples.page!.push(whole);
    }
    const labels: Record<string, string> = {
      health: 'GET /health from the page (the HTTP floor, same run)',
      options: 'POST /api/readers/passkeys/sign-in-options',
      answer: 'POST /api/readers/passkeys/sign-in (verify, become the reader)',
      server: 'sign-in, server time (both requests)',
      page: 'click to signed in, in the page (authenticator and UI included)',
    };
    const rows: Row[] = [];
    for (const [id, xs] of Object.entries(samples)) {
      const p50 = percentile(xs, 50);
      const note = id === 'health' ? undefined : `${(p50 / Math.max(0.001, percentile(samples.health!, 50))).toFixed(1)}× /health at p50`;
      rows.push(makeRow(`${backend}.${id}.p50`, `${backend}: ${labels[id]}, p50`, 'ms.1', [p50], null, note));
      rows.push(makeRow(`${backend}.${id}.p99`, `${backend}: ${labels[id]}, p99`, 'ms.1', [percentile(xs, 99)]));
    }
    return rows;
  } finally {
    await browser.close();
    await folio.stop();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const { json } = runArgs(
    argv.filter((a) => a !== '--quick'),
    { runs: 1, usage: 'npm run bench:passkeys -- [--json] [--quick]' },
  );
  installCleanupHandlers();
  const loadBefore = loadavg()[0]!;
  const rows: Row[] = [];
  for (const backend of ['pglite', 'postgres'] as const) rows.push(...(await measure(backend, quick ? 30 : 100)));
  const machine = { cpus: availableParallelism(), load1Before: loadBefore, load1After: loadavg()[0]! };
  if (json) process.stdout.write(`${JSON.stringify({ node: process.version, machine, rows }, null, 2)}\n`);
  else
    process.stdout.write(
      `${formatTable(rows, `Passkey sign-in, sequential, Chromium on loopback: ${new Date().toISOString()}, ${machine.cpus} CPUs, 1-min load ${machine.load1Before.toFixed(1)} → ${machine.load1After.toFixed(1)}`)}\n`,
    );
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench:passkeys: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit(process.exitCode ?? 0);
