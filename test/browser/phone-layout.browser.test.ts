/**
 * The one-hand phone layout (issue 18, item 4) on a 390 × 844 touch phone
 * with a notch (safe-area insets emulated through the DevTools protocol): the
 * header slides away while reading and a tap on the page's middle brings it
 * back, the page strip stays collapsed until tapped, the panels open as a
 * bottom sheet (half height, expand, drag down to close), and every control
 * of the reading chrome is a 44 × 44 px touch target. One Folio, one Chromium,
 * one page for the whole file (CI time).
 */
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { SAMPLE } from '../server.js';
import { freshContext, launchChromium, screenshot } from './chromium.js';
import { type Folio, startFolio } from './folio.js';
import { displayed, waitForPages } from './helpers.js';

const S = 'moth-and-lantern';
const W = 390;
const H = 844;
// Reduced motion: the chrome and the sheet move without transitions, so their boxes can be read at once.
const PHONE_390 = { viewport: { width: W, height: H }, isMobile: true, hasTouch: true, reducedMotion: 'reduce' } as const;
const INSET = { top: 47, bottom: 34 };
/** Longer than a single tap waits for a second one (use-zoom.ts). */
const TAP_SETTLE_MS = 400;

let folio: Folio;
let browser: Browser;
let context: BrowserContext;
let problems: string[];
let page: Page;
let cdp: CDPSession;
let insetsEmulated = false;

beforeAll(async () => {
  [folio, browser] = await Promise.all([startFolio({ webDir: inject('webBuilds').sameOrigin, packs: [SAMPLE] }), launchChromium()]);
  ({ context, problems } = await freshContext(browser, PHONE_390));
  page = await context.newPage();
  cdp = await context.newCDPSession(page);
  try {
    await cdp.send(
      'Emulation.setSafeAreaInsetsOverride' as 'Emulation.setDeviceMetricsOverride',
      {
        insets: { top: INSET.top, topMax: INSET.top, bottom: INSET.bottom, bottomMax: INSET.bottom, left: 0, leftMax: 0, right: 0, rightMax: 0 },
      } as never,
    );
    insetsEmulated = true;
  } catch {
    // An older Chromium: the test then checks the env() declarations instead of their values.
  }
}, 180_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await folio?.close();
  expect(problems, 'console errors, page errors or CSP violations').toEqual([]);
});

type P = { x: number; y: number };
const send = (type: 'touchStart' | 'touchMove' | 'touchEnd', points: P[]) =>
  cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points.map((p, id) => ({ x: p.x, y: p.y, id })) });
async function tap(p: P): Promise<void> {
  await send('touchStart', [p]);
  await send('touchEnd', []);
}
/** A finger dragged and held still before it lifts (a fast release is a fling, and Chromium drops the click of the next tap). */
async function drag(from: P, to: P, steps = 6): Promise<void> {
  await send('touchStart', [from]);
  for (let i = 1; i <= steps; i++) await send('touchMove', [{ x: from.x + ((to.x - from.x) * i) / steps, y: from.y + ((to.y - from.y) * i) / steps }]);
  await pause(150);
  await send('touchMove', [to]);
  await send('touchEnd', []);
}
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const box = async (selector: string) => (await page.locator(selector).first().boundingBox())!;
const centre = (b: { x: number; y: number; width: number; height: number }): P => ({ x: Math.round(b.x + b.width / 2), y: Math.round(b.y + b.height / 2) });
const chrome = () => page.locator('.reader').getAttribute('data-chrome');
/** The header is on screen (not slid away above the top edge). */
const headerOnScreen = async () => {
  const b = await box('.reader-bar');
  return b.y + b.height > 1;
};
const RIGHT_THIRD: P = { x: W - 40, y: H / 2 };
const MIDDLE: P = { x: W / 2, y: H / 2 };

it('uses the safe areas: viewport-fit=cover, and the header, toolbar, sheet, credit and tap zones pad by env()', async () => {
  await page.goto(`${folio.url}/read/${S}/1/1`);
  await waitForPages(page, '1');
  expect(await page.locator('meta[name=viewport]').getAttribute('content')).toMatch(/viewport-fit=cover/);
  if (insetsEmulated) {
    const px = (selector: string, prop: string) =>
      page
        .locator(selector)
        .first()
        .evaluate((el, p) => Number.parseFloat(getComputedStyle(el).getPropertyValue(p)), prop);
    // The header's content starts below the notch, the credit line above the home indicator.
    expect(await px('.reader-bar', 'padding-top')).toBeGreaterThanOrEqual(INSET.top);
    expect(await px('.reader-credit', 'padding-bottom')).toBeGreaterThanOrEqual(INSET.bottom);
    expect(await px('.stage', 'padding-top')).toBeGreaterThanOrEqual(INSET.top);
    expect((await box('.zone--right')).y).toBeGreaterThanOrEqual(INSET.top);
    const credit = await box('.reader-credit');
    expect(credit.y + credit.height).toBe(H);
  } else {
    const css = await page.evaluate(() => [...document.styleSheets].flatMap((s) => [...s.cssRules].map((r) => r.cssText)).join('\n'));
    expect(css).toMatch(/\.reader-bar[^}]*safe-area-inset-top/);
    expect(css).toMatch(/\.side-panel[^}]*safe-area-inset/);
  }
});

it('every control of the reading chrome is at least 44 × 44 px, and the reading toolbar is in the lower part of the screen', async () => {
  const controls = page.locator('.reader-bar a, .reader-bar button, .dock-bar button');
  const sizes: string[] = [];
  for (let i = 0; i < (await controls.count()); i++) {
    const c = controls.nth(i);
    if (!(await c.isVisible())) continue;
    const b = (await c.boundingBox())!;
    if (b.width < 44 || b.height < 44) sizes.push(`${await c.evaluate((el) => el.getAttribute('aria-label') ?? el.textContent)}: ${b.width}×${b.height}`);
  }
  expect(sizes).toEqual([]);
  for (const id of ['dock-prev', 'dock-next', 'dock-ask', 'dock-pages']) {
    const b = (await page.getByTestId(id).boundingBox())!;
    expect(b.y, id).toBeGreaterThan(H * 0.75);
  }
  // Ask and Pages live in the toolbar on a phone; the header does not repeat them.
  expect(await page.getByTestId('toggle-chat').isVisible()).toBe(false);
});

it('the page strip is collapsed while reading (the page keeps its height) and expands on a tap', async () => {
  await expect(page.locator('.strip').count()).resolves.toBe(0);
  expect(await page.getByTestId('dock-pages').getAttribute('aria-expanded')).toBe('false');
  // The stage runs from the top of the screen to the credit line: neither the strip nor the toolbar takes height from it.
  const stage = await box('.stage');
  expect(stage.y).toBe(0);
  expect(stage.y + stage.height).toBeCloseTo((await box('.reader-credit')).y, 0);
  await tap(centre(await box('[data-testid=dock-pages]')));
  await page.locator('.strip').waitFor();
  expect(await page.getByTestId('dock-pages').getAttribute('aria-expanded')).toBe('true');
  const strip = await box('.strip');
  expect(strip.y + strip.height).toBeLessThanOrEqual((await box('.dock-bar')).y + 1);
  expect(await page.locator('.strip-button[aria-current=page]').getAttribute('data-page')).toBe('1');
  await screenshot(page, 'phone-strip-open');
  // The stage did not shrink for it either.
  expect((await box('.stage')).height).toBeCloseTo(stage.height, 0);
  await tap(centre(await box('[data-testid=dock-pages]')));
  await expect.poll(() => page.locator('.strip').count()).toBe(0);
});

it('the header hides after a page turn; a tap on the page middle brings it back without turning, a swipe down from the top edge too', async () => {
  expect(await chrome()).toBe('shown');
  expect(await headerOnScreen()).toBe(true);
  await tap(RIGHT_THIRD);
  await expect.poll(() => displayed(page)).toBe('2');
  await expect.poll(chrome).toBe('hidden');
  expect(await headerOnScreen()).toBe(false);
  // The toolbar went with it.
  expect((await box('.dock-inner')).y).toBeGreaterThanOrEqual((await box('.reader-credit')).y - 1);
  await screenshot(page, 'phone-reading');

  await tap(MIDDLE);
  await expect.poll(chrome).toBe('shown');
  expect(await headerOnScreen()).toBe(true);
  await pause(TAP_SETTLE_MS);
  expect(await displayed(page)).toBe('2');

  await tap(RIGHT_THIRD);
  await expect.poll(() => displayed(page)).toBe('3');
  await expect.poll(chrome).toBe('hidden');
  await drag({ x: W / 2, y: (insetsEmulated ? INSET.top : 0) + 10 }, { x: W / 2 + 5, y: 260 });
  await expect.poll(chrome).toBe('shown');
  await pause(TAP_SETTLE_MS);
  expect(await displayed(page)).toBe('3');
});

it('the companion opens as a bottom sheet below the middle; the handle expands it to full height; dragging it down closes it', async () => {
  await tap(centre(await box('[data-testid=dock-ask]')));
  const sheet = page.locator('.side-panel');
  await sheet.waitFor();
  await page.locator('.chat-input').waitFor();
  let b = (await sheet.boundingBox())!;
  // Half height: the page stays visible above it.
  expect(b.y).toBeGreaterThan(H / 2);
  expect(b.y + b.height).toBeCloseTo(H, 0);
  expect(b.width).toBe(W);
  // The question box is at the foot of the sheet, in thumb reach, above the home indicator.
  const input = (await page.locator('.chat-input').boundingBox())!;
  expect(input.y).toBeGreaterThan(H * 0.75);
  if (insetsEmulated) expect(input.y + input.height).toBeLessThanOrEqual(H - INSET.bottom);
  // The page above the sheet still turns, and the chrome does not hide while a panel is open.
  await tap({ x: W - 40, y: 250 });
  await expect.poll(() => displayed(page)).toBe('4');
  expect(await chrome()).toBe('shown');
  await screenshot(page, 'phone-sheet-half');

  await tap(centre(await box('[data-testid=sheet-handle]')));
  await expect.poll(() => sheet.getAttribute('data-sheet')).toBe('full');
  b = (await sheet.boundingBox())!;
  expect(b.y).toBeLessThanOrEqual((insetsEmulated ? INSET.top : 0) + 1);
  expect(b.y + b.height).toBeCloseTo(H, 0);
  await screenshot(page, 'phone-sheet-full');

  // Down once: back to half; down again: closed, and reading goes on.
  let handle = centre(await box('[data-testid=sheet-handle]'));
  await drag(handle, { x: handle.x, y: handle.y + 200 });
  await expect.poll(() => sheet.getAttribute('data-sheet')).toBe('half');
  expect((await sheet.boundingBox())!.y).toBeGreaterThan(H / 2);
  handle = centre(await box('[data-testid=sheet-handle]'));
  await drag(handle, { x: handle.x, y: handle.y + 200 });
  await expect.poll(() => sheet.count()).toBe(0);
  await tap(RIGHT_THIRD);
  await expect.poll(() => displayed(page)).toBe('5');
  await expect.poll(chrome).toBe('hidden');

  // The other panels are the same sheet; the close button closes it too.
  await tap(MIDDLE);
  await expect.poll(chrome).toBe('shown');
  await page.getByTestId('toggle-panel').click();
  await sheet.waitFor();
  expect((await sheet.boundingBox())!.y).toBeGreaterThan(H / 2);
  await page.getByTestId('close-panel').click();
  await expect.poll(() => sheet.count()).toBe(0);
});
