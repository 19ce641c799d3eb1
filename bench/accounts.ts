/**
 * Accounts and connectors (issue 21) on the built `folio serve`, on PGlite and on PostgreSQL.
 *
 * 1. `/mcp` with a connector's OAuth token (ADR 0044) against a hand-made assistant token, same reader, same call
 *    (`tools/list`), interleaved, sequential on loopback: the added cost of the OAuth check (budget: ≤ 2 ms at p99).
 *
 * 2. Signing in with a passkey (ADR 0042): the server's time for the two requests of a sign-in, measured by
 *    Chromium (DevTools virtual authenticator, the production web build on `localhost`) as each request's time from
 *    sent to first byte, next to `GET /health` from the same page in the same run (the HTTP floor). Each round is a
 *    new device: cookies cleared, `/link`, "Sign in with a passkey". Figures: the options; the signed answer
 *    (verify, count, become the reader); the two together (the server's part of a sign-in); click to signed in,
 *    in the page (the authenticator and React included).
 *
 * 3. Signing in with the community's login (OpenID Connect, ADR 0043) against a real oidc-provider process on
 *    loopback: the server's time of `GET /api/readers/oidc/start` and of the callback (code exchange with the
 *    provider, userinfo, the reader's device), each a new browser; the provider's own pages are not counted.
 *
 *   npm run bench:accounts                # both backends: 1000 /mcp calls of each kind, 100 sign-ins of each kind
 *   npm run bench:accounts -- --quick     # 300 and 30
 *   npm run bench:accounts -- --json
 *
 * Every figure as p50 and p99, sequential requests on loopback.
 */
import { createHash, randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import type { Page, Request } from 'playwright-core';
import { launchChromium } from '../test/browser/chromium.js';
import { freePort } from '../test/services/free-port.js';
import { CookieJar, loginAtProvider, oidcProvider } from '../test/services/oidc-provider.js';
import { cleanup, formatTable, installCleanupHandlers, makeRow, percentile, type Row, runArgs } from './lib.js';
import { type Backend, startFolio } from './streams.js';

const log = (m: string) => process.stderr.write(`bench:accounts: ${m}\n`);

/** Sent to first byte, as Chromium saw it. */
const serverMs = (r: Request): number => {
  const t = r.timing();
  return t.responseStart - t.requestStart;
};

const finished = (page: Page, suffix: string) => page.waitForEvent('requestfinished', { predicate: (r) => new URL(r.url()).pathname.endsWith(suffix), timeout: 30_000 });

const S256 = (v: string) => createHash('sha256').update(v).digest('base64url');

async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw new Error(`${res.url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A connector's access token for `reader`, through the same protocol steps an assistant and the consent page take. */
async function connectorToken(base: string, reader: string): Promise<string> {
  const redirect = 'http://127.0.0.1:9/callback';
  const post = (path: string, body: unknown) => fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const { client_id } = await json<{ client_id: string }>(await post('/oauth/register', { client_name: 'bench', redirect_uris: [redirect] }));
  const verifier = randomBytes(32).toString('base64url');
  const q = new URLSearchParams({ response_type: 'code', client_id, redirect_uri: redirect, code_challenge: S256(verifier), code_challenge_method: 'S256' });
  const consent = new URL((await fetch(`${base}/oauth/authorize?${q}`, { redirect: 'manual' })).headers.get('location')!);
  const request = consent.searchParams.get('request')!;
  const { redirectTo } = await json<{ redirectTo: string }>(
    await fetch(`${base}/api/oauth/requests/${request}/approve`, { method: 'POST', headers: { authorization: `Bearer ${reader}`, origin: base } }),
  );
  const code = new URL(redirectTo).searchParams.get('code')!;
  const form = new URLSearchParams({ grant_type: 'authorization_code', client_id, code, code_verifier: verifier, redirect_uri: redirect });
  const tokens = await json<{ access_token: string }>(
    await fetch(`${base}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() }),
  );
  return tokens.access_token;
}

/** Part 1: `tools/list` on /mcp, a hand-made token and a connector's, alternating. */
async function measureMcp(base: string, backend: Backend, n: number): Promise<Row[]> {
  const reader = (await json<{ token: string }>(await fetch(`${base}/api/readers`, { method: 'POST' }))).token;
  const byHand = (
    await json<{ token: string }>(
      await fetch(`${base}/api/readers/me/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${reader}`, 'content-type': 'application/json' },
        body: '{"label":"bench"}',
      }),
    )
  ).token;
  const connector = await connectorToken(base, reader);
  const call = async (token: string) => {
    const t0 = performance.now();
    const res = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
      },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}',
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`/mcp: ${res.status}`);
    return performance.now() - t0;
  };
  const hand: number[] = [];
  const oauth: number[] = [];
  // Alternating which goes first, so neither kind always runs on a warmer path; the first 50 pairs warm up.
  for (let i = 0; i < n + 50; i++) {
    let h: number;
    let o: number;
    if (i % 2) {
      h = await call(byHand);
      o = await call(connector);
    } else {
      o = await call(connector);
      h = await call(byHand);
    }
    if (i < 50) continue;
    hand.push(h);
    oauth.push(o);
  }
  const rows: Row[] = [];
  for (const p of [50, 99] as const) {
    const h = percentile(hand, p);
    const o = percentile(oauth, p);
    rows.push(makeRow(`${backend}.mcp.bearer.p${p}`, `${backend}: /mcp tools/list, hand-made token, p${p}`, 'ms.1', [h]));
    rows.push(makeRow(`${backend}.mcp.oauth.p${p}`, `${backend}: /mcp tools/list, connector (OAuth) token, p${p}`, 'ms.1', [o]));
    rows.push(makeRow(`${backend}.mcp.added.p${p}`, `${backend}: added by the OAuth token check, p${p}`, 'ms.1', [o - h], p === 99 ? { kind: 'max', limit: 2 } : null));
  }
  return rows;
}

/** Part 3: n sign-ins with the provider's login, each from a browser with no cookies. */
async function measureOidc(base: string, backend: Backend, n: number): Promise<Row[]> {
  const start: number[] = [];
  const callback: number[] = [];
  for (let i = 0; i < n + 5; i++) {
    const jar = new CookieJar();
    let t0 = performance.now();
    const started = await jar.get(`${base}/api/readers/oidc/start?return=/`);
    const tStart = performance.now() - t0;
    const authorize = started.headers.get('location');
    if (started.status !== 302 || !authorize?.startsWith('http')) throw new Error(`oidc start: ${started.status} ${authorize}`);
    // The provider's part (its own cookies), then back to Folio with this browser's flow cookie.
    const back = await loginAtProvider(authorize, `reader-${i % 10}`);
    t0 = performance.now();
    const done = await jar.get(back);
    const tCallback = performance.now() - t0;
    if (done.status !== 302 || done.headers.get('location') !== '/') throw new Error(`oidc callback: ${done.status} ${done.headers.get('location')}`);
    if (i < 5) continue;
    start.push(tStart);
    callback.push(tCallback);
  }
  const rows: Row[] = [];
  for (const [id, label, xs] of [
    ['start', 'GET /api/readers/oidc/start', start],
    ['callback', 'GET /api/readers/oidc/callback (code exchange, userinfo, the device)', callback],
  ] as const) {
    rows.push(makeRow(`${backend}.oidc.${id}.p50`, `${backend}: ${label}, p50`, 'ms.1', [percentile(xs, 50)]));
    rows.push(makeRow(`${backend}.oidc.${id}.p99`, `${backend}: ${label}, p99`, 'ms.1', [percentile(xs, 99)]));
  }
  return rows;
}

async function measure(backend: Backend, n: number, calls: number): Promise<Row[]> {
  log(`${backend}: starting an OpenID provider and folio…`);
  const port = await freePort();
  const secret = `bench-${randomBytes(8).toString('hex')}`;
  const folio = await startFolio({
    backend,
    fakeUrl: 'http://127.0.0.1:9',
    env: {
      FOLIO_MODEL: 'none',
      FOLIO_LINK_RATE_PER_IP: '1000',
      FOLIO_OIDC_ISSUER: `http://127.0.0.1:${port}`,
      FOLIO_OIDC_CLIENT_ID: 'folio-test',
      FOLIO_OIDC_CLIENT_SECRET: secret,
    },
  });
  const provider = await oidcProvider({ port, clientSecret: secret, redirectUris: () => [`${folio.url}/api/readers/oidc/callback`] });
  const browser = await launchChromium();
  try {
    log(`${backend}: ${n} OpenID Connect sign-ins…`);
    const oidcRows = await measureOidc(folio.url, backend, n);
    log(`${backend}: ${calls} /mcp calls of each kind…`);
    const mcpRows = await measureMcp(folio.url, backend, calls);
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
    const rows: Row[] = [...mcpRows, ...oidcRows];
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
    await provider.stop();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const { json } = runArgs(
    argv.filter((a) => a !== '--quick'),
    { runs: 1, usage: 'npm run bench:accounts -- [--json] [--quick]' },
  );
  installCleanupHandlers();
  const loadBefore = loadavg()[0]!;
  const rows: Row[] = [];
  for (const backend of ['pglite', 'postgres'] as const) rows.push(...(await measure(backend, quick ? 30 : 100, quick ? 300 : 1000)));
  const machine = { cpus: availableParallelism(), load1Before: loadBefore, load1After: loadavg()[0]! };
  if (json) process.stdout.write(`${JSON.stringify({ node: process.version, machine, rows }, null, 2)}\n`);
  else
    process.stdout.write(
      `${formatTable(rows, `Accounts: /mcp with OAuth tokens, passkey sign-in; sequential on loopback: ${new Date().toISOString()}, ${machine.cpus} CPUs, 1-min load ${machine.load1Before.toFixed(1)} → ${machine.load1After.toFixed(1)}`)}\n`,
    );
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench:accounts: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit(process.exitCode ?? 0);
