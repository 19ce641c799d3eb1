/**
 * Accounts with passkeys end to end (ADR 0042): real Chromium with the DevTools WebAuthn virtual authenticator,
 * the real Folio app and its production web build, on `localhost` (WebAuthn needs a host name, and counts
 * localhost as secure). A reader on a laptop creates an account with a passkey; the same passkey on a phone (its
 * credential copied between the two virtual authenticators, as a synced passkey is) signs the phone in, bringing
 * the phone's own reader along; the position is the same on both. A replayed sign-in is refused; "sign out
 * everywhere" leaves no device, and the passkey opens the reader again; a removed passkey opens nothing.
 */
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ErrorResponse } from '../../src/contract/index.js';
import { SAMPLE } from '../server.js';
import { freshContext, launchChromium, PHONE, screenshot } from './chromium.js';
import { type Folio, startFolio } from './folio.js';
import { expectProgress, press, readerToken, waitForPages } from './helpers.js';

const S = 'moth-and-lantern';
let folio: Folio;
let browser: Browser;
/** The app as the browser sees it: by name, since WebAuthn refuses an address as relying party. */
let site: string;
let open: Array<{ context: BrowserContext; problems: string[] }> = [];

beforeAll(async () => {
  [folio, browser] = await Promise.all([startFolio({ webDir: inject('webBuilds').sameOrigin, packs: [SAMPLE] }), launchChromium()]);
  site = folio.url.replace('127.0.0.1', 'localhost');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await folio?.close();
});

afterEach(async () => {
  for (const c of open) {
    await c.context.close();
    expect(c.problems, 'console errors, page errors or CSP violations').toEqual([]);
  }
  open = [];
});

interface Device {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  authenticatorId: string;
}

/** A browser with a platform authenticator that says yes at once (user present and verified). */
async function newDevice(opts: Parameters<typeof freshContext>[1] = {}): Promise<Device> {
  const c = await freshContext(browser, opts);
  open.push(c);
  const page = await c.context.newPage();
  const cdp = await c.context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { context: c.context, page, cdp, authenticatorId };
}

/** The passkeys a device's authenticator holds (private keys included: it is a virtual one). */
async function credentialsOf(d: Device) {
  return (await d.cdp.send('WebAuthn.getCredentials', { authenticatorId: d.authenticatorId })).credentials;
}

/** What syncing a passkey does: the same credential on another device's authenticator. */
async function syncPasskeys(from: Device, to: Device): Promise<void> {
  for (const credential of await credentialsOf(from)) await to.cdp.send('WebAuthn.addCredential', { authenticatorId: to.authenticatorId, credential });
}

async function signInWithPasskey(d: Device): Promise<void> {
  await d.page.goto(`${site}/link`);
  await d.page.getByRole('heading', { level: 1, name: 'Sign in on this device' }).waitFor();
  await d.page.getByTestId('passkey-sign-in').click();
  await d.page.getByTestId('linked').waitFor();
}

const status = async (path: string, token: string) => (await folio.api<unknown>(path, token)).status;

describe('accounts with passkeys (ADR 0042)', () => {
  it('create an account with a passkey on the laptop, sign in with it on a phone: one reader, the same place; replay refused; sign out everywhere; remove', async () => {
    const laptop = await newDevice();
    await laptop.page.goto(`${site}/read/${S}/1/0`);
    await waitForPages(laptop.page, '0');
    await press(laptop.page, 'ArrowRight', '1,2');
    await press(laptop.page, 'ArrowRight', '3,4');
    await expectProgress(folio, S, laptop.context, { episode: 1, page: 4 });
    const laptopToken = await readerToken(laptop.context);

    // The account: a passkey on the laptop, named for the authenticator's list.
    await laptop.page.goto(`${site}/devices`);
    await laptop.page.getByRole('heading', { name: 'Your account' }).waitFor();
    // An anonymous reader's only device cannot be signed out…
    await expect(laptop.page.getByTestId('sign-out-device').isDisabled()).resolves.toBe(true);
    await laptop.page.getByTestId('passkey-name').fill('Ada at the lantern');
    await laptop.page.getByTestId('create-account').click();
    await laptop.page.getByTestId('account-status').waitFor();
    await expect(laptop.page.getByTestId('passkey-item').count()).resolves.toBe(1);
    // …an account's can: the passkey opens it again.
    await expect.poll(() => laptop.page.getByTestId('sign-out-device').isDisabled()).toBe(false);
    await screenshot(laptop.page, 'account-passkey');
    const [made] = await credentialsOf(laptop);
    expect(made).toMatchObject({ rpId: 'localhost', isResidentCredential: true });

    // The phone read a little on its own: a reader of its own, at 1/0.
    const phone = await newDevice({ viewport: PHONE, isMobile: true, hasTouch: true });
    await phone.page.goto(`${site}/read/${S}/1/0`);
    await waitForPages(phone.page);
    await expectProgress(folio, S, phone.context, { episode: 1, page: 0 });
    const phoneFirstToken = await readerToken(phone.context);

    // The same passkey on the phone, and the sign-in it makes (its answer kept, to replay it).
    await syncPasskeys(laptop, phone);
    let answer: string | null = null;
    phone.page.on('request', (r) => {
      if (r.url().endsWith('/api/readers/passkeys/sign-in')) answer = r.postData();
    });
    await signInWithPasskey(phone);
    await expect(phone.page.getByTestId('linked').textContent()).resolves.toContain('your place in 1 series');
    await screenshot(phone.page, 'passkey-signed-in');
    // The phone has a new token, its old reader is gone into the account, and the place is the laptop's (further).
    await expect.poll(async () => (await readerToken(phone.context)) !== phoneFirstToken).toBe(true);
    expect(await status(`/api/series/${S}/progress`, phoneFirstToken)).toBe(401);
    await expectProgress(folio, S, phone.context, { episode: 1, page: 4 });
    // Reading on on the phone moves the laptop's place.
    await phone.page.goto(`${site}/read/${S}/1/5`);
    await waitForPages(phone.page);
    await expectProgress(folio, S, laptop.context, { episode: 1, page: 5 });

    // The same signed answer again (a stolen request, a double submit): its challenge is spent.
    expect(answer).not.toBeNull();
    const replay = await fetch(`${site}/api/readers/passkeys/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: site },
      body: answer!,
    });
    expect(replay.status).toBe(404);
    expect(((await replay.json()) as ErrorResponse).error.code).toBe('not_found:passkey_challenge');

    // On the phone: two devices, one passkey with its last use.
    await phone.page.goto(`${site}/devices`);
    await expect.poll(() => phone.page.getByTestId('device-item').count()).toBe(2);
    await expect(phone.page.getByTestId('passkey-list').textContent()).resolves.toContain('last used');

    // Sign out everywhere: no device is the reader any more, this one included.
    await phone.page.getByTestId('sign-out-everywhere').click();
    await phone.page.getByTestId('confirm-sign-out').click();
    await phone.page.waitForURL(`${site}/`);
    expect(await status(`/api/series/${S}/progress`, laptopToken)).toBe(401);
    // The passkey opens it again, with its place.
    await signInWithPasskey(phone);
    await expectProgress(folio, S, phone.context, { episode: 1, page: 5 });

    // Removing the passkey: the reader is no longer an account, and the passkey opens nothing.
    await phone.page.goto(`${site}/devices`);
    await phone.page.getByTestId('remove-passkey').click();
    await phone.page.getByTestId('confirm-remove-passkey').click();
    await phone.page.getByTestId('create-account').waitFor();
    const other = await newDevice({ expectedConsole: /status of 404/ });
    await syncPasskeys(laptop, other);
    await other.page.goto(`${site}/link`);
    await other.page.getByTestId('passkey-sign-in').click();
    await expect(other.page.getByRole('alert').textContent()).resolves.toContain("not one of this Folio's accounts");
    await expectProgress(folio, S, phone.context, { episode: 1, page: 5 });
  });

  it('adding the same authenticator twice is refused by the browser with a sentence; a device with no passkey for this Folio says so', async () => {
    const d = await newDevice();
    await d.page.goto(`${site}/devices`);
    await d.page.getByTestId('create-account').click();
    await d.page.getByTestId('account-status').waitFor();
    await d.page.getByTestId('add-passkey').click();
    await expect(d.page.getByRole('alert').textContent()).resolves.toContain('already holds a passkey for this reader');
    await expect(d.page.getByTestId('passkey-item').count()).resolves.toBe(1);

    // Another device whose authenticator holds no passkey for this Folio: the browser ends the ceremony, the page
    // says no passkey was used, and this browser stays who it was.
    const bare = await newDevice();
    await bare.page.goto(`${site}/link`);
    await bare.page.getByTestId('passkey-sign-in').click();
    await expect(bare.page.getByRole('alert').textContent()).resolves.toContain('No passkey was used');
    await expect(bare.page.getByTestId('linked').count()).resolves.toBe(0);
  });
});
