/**
 * Your community's login (OpenID Connect, ADR 0043) in real Chromium: a real OpenID Provider process on loopback
 * (oidc-provider, test/services/oidc-provider.ts), the production web build, Folio configured through
 * FOLIO_OIDC_*. A laptop that has read to 1/4 signs in with the login from /devices (its reader becomes the
 * login's account); a phone that has read on its own signs in with the same login on /link and reads on from
 * 1/4. A callback that is not this browser's flow lands on /link with the reason said and nothing changed.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { SAMPLE } from '../server.js';
import { freePort } from '../services/free-port.js';
import { type OidcProvider, oidcProvider } from '../services/oidc-provider.js';
import { freshContext, launchChromium, PHONE, screenshot } from './chromium.js';
import { type Folio, startFolio } from './folio.js';
import { expectProgress, press, readerToken, waitForPages } from './helpers.js';

const S = 'moth-and-lantern';
let folio: Folio;
let browser: Browser;
let provider: OidcProvider;
let open: Array<{ context: BrowserContext; problems: string[] }> = [];

const SECRET = `provider-secret-${crypto.randomUUID()}`;

beforeAll(async () => {
  // The provider's address first (Folio is configured with it), then the provider (it needs Folio's callback).
  const port = await freePort();
  [folio, browser] = await Promise.all([
    startFolio({
      webDir: inject('webBuilds').sameOrigin,
      packs: [SAMPLE],
      companion: { FOLIO_OIDC_ISSUER: `http://127.0.0.1:${port}`, FOLIO_OIDC_CLIENT_ID: 'folio-test', FOLIO_OIDC_CLIENT_SECRET: SECRET },
    }),
    launchChromium(),
  ]);
  provider = await oidcProvider({ port, clientSecret: SECRET, redirectUris: () => [`${folio.url}/api/readers/oidc/callback`] });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await folio?.close();
  await provider?.stop();
});

afterEach(async () => {
  for (const c of open) {
    await c.context.close();
    expect(c.problems, 'console errors, page errors or CSP violations').toEqual([]);
  }
  open = [];
});

async function device(opts: Parameters<typeof freshContext>[1] = {}): Promise<{ context: BrowserContext; page: Page }> {
  const c = await freshContext(browser, opts);
  open.push(c);
  return { context: c.context, page: await c.context.newPage() };
}

/** At the provider's login page: log in as `subject` (the test provider lets anyone be anyone). */
async function logInAtProvider(page: Page, subject: string): Promise<void> {
  await page.waitForURL(`${provider.issuer}/interaction/**`);
  const url = new URL(page.url());
  url.searchParams.set('login', subject);
  await page.goto(url.toString());
}

describe("your community's login (OpenID Connect, ADR 0043)", () => {
  it('the laptop signs in with the login from /devices; the phone signs in with it on /link and reads on from the same place', async () => {
    const laptop = await device();
    await laptop.page.goto(`${folio.url}/read/${S}/1/0`);
    await waitForPages(laptop.page, '0');
    await press(laptop.page, 'ArrowRight', '1,2');
    await press(laptop.page, 'ArrowRight', '3,4');
    await expectProgress(folio, S, laptop.context, { episode: 1, page: 4 });

    await laptop.page.goto(`${folio.url}/devices`);
    const name = new URL(provider.issuer).host;
    await laptop.page.getByTestId('connect-login').click();
    await logInAtProvider(laptop.page, 'ada');
    await laptop.page.waitForURL(`${folio.url}/devices`);
    await expect(laptop.page.getByTestId('login-item').textContent()).resolves.toContain(`${name}: ada@login.example.org`);
    await expectProgress(folio, S, laptop.context, { episode: 1, page: 4 });

    const phone = await device({ viewport: PHONE, isMobile: true, hasTouch: true });
    await phone.page.goto(`${folio.url}/read/${S}/1/0`);
    await waitForPages(phone.page);
    await expectProgress(folio, S, phone.context, { episode: 1, page: 0 });
    const before = await readerToken(phone.context);
    await phone.page.goto(`${folio.url}/link`);
    await expect(phone.page.getByTestId('oidc-sign-in').textContent()).resolves.toBe(`Sign in with ${name}`);
    await phone.page.getByTestId('oidc-sign-in').click();
    await logInAtProvider(phone.page, 'ada');
    await phone.page.getByTestId('linked').waitFor();
    // Back on /link with the query gone from the address bar.
    expect(phone.page.url()).toBe(`${folio.url}/link`);
    await screenshot(phone.page, 'oidc-signed-in');
    await expect.poll(async () => (await readerToken(phone.context)) !== before).toBe(true);
    await expectProgress(folio, S, phone.context, { episode: 1, page: 4 });
    await phone.page.goto(`${folio.url}/read/${S}/1/5`);
    await waitForPages(phone.page);
    await expectProgress(folio, S, laptop.context, { episode: 1, page: 5 });
  });

  it('a callback that is not this browser’s flow comes back to /link with the reason, and this browser stays who it was', async () => {
    const d = await device({ expectedConsole: /status of 4\d\d/ });
    await d.page.goto(`${folio.url}/read/${S}/1/0`);
    await waitForPages(d.page);
    const before = await readerToken(d.context);
    // A code and state from somewhere else (a link someone sent): no flow cookie in this browser.
    await d.page.goto(`${folio.url}/api/readers/oidc/callback?code=stolen&state=not-mine`);
    await d.page.waitForURL(`${folio.url}/link`);
    await expect(d.page.getByTestId('oidc-error').textContent()).resolves.toMatch(/Start it again/);
    await expect(d.page.getByTestId('linked').count()).resolves.toBe(0);
    expect(await readerToken(d.context)).toBe(before);
  });
});
