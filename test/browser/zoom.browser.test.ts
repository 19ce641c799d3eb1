/**
 * Zoom and pan in the paged reader (issue 18): on a 390 × 844 touch phone a
 * pinch (two touch points through the DevTools protocol), a double tap, a
 * one-finger pan, and a swipe that pans instead of turning while zoomed; on a
 * desktop `+`, `-`, `0` and ctrl+wheel. One Folio (the sample series) and one
 * Chromium for the whole file; each test is a fresh reader.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { SAMPLE } from '../server.js';
import { freshContext, launchChromium, screenshot } from './chromium.js';
import { type Folio, startFolio } from './folio.js';
import { displayed, touchscreen, waitForPages } from './helpers.js';

const S = 'moth-and-lantern';
// Reduced motion: turns are immediate, so "did not turn" needs only a short wait (the desktop test keeps the flip).
const PHONE_390 = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, reducedMotion: 'reduce' } as const;
/** Longer than a single tap waits for a second one (use-zoom.ts) before it turns. */
const TAP_SETTLE_MS = 400;
let folio: Folio;
let browser: Browser;
let open: Array<{ context: BrowserContext; problems: string[] }> = [];

beforeAll(async () => {
  [folio, browser] = await Promise.all([startFolio({ webDir: inject('webBuilds').sameOrigin, packs: [SAMPLE] }), launchChromium()]);
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

async function openReader(opts: Parameters<typeof freshContext>[1], at: string, expected: string): Promise<Page> {
  const c = await freshContext(browser, opts);
  open.push(c);
  const page = await c.context.newPage();
  await page.goto(`${folio.url}/read/${S}/${at}`);
  await waitForPages(page, expected);
  return page;
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
const rect = (page: Page, selector: string): Promise<Rect> =>
  page.locator(selector).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return { x: r.x, y: r.y, width: r.width, height: r.height };
  });
/** The book (page or spread) as drawn: the transform included. */
const book = (page: Page) => rect(page, '.book-frame');
const isZoomed = async (page: Page) => (await page.locator('.stage').getAttribute('data-zoomed')) !== null;
const centre = (r: Rect) => ({ x: Math.round(r.x + r.width / 2), y: Math.round(r.y + r.height / 2) });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('zoom on a phone (touch)', () => {
  it('a pinch zooms the page about the fingers, pinching back in returns to fit, and a page turn resets the zoom', async () => {
    const page = await openReader(PHONE_390, '1/1', '1');
    const fit = await book(page);
    const touch = touchscreen(await page.context().newCDPSession(page));
    await touch.pinch(centre(fit), 60, 180);
    await expect.poll(() => isZoomed(page)).toBe(true);
    const zoomed = await book(page);
    // Fingers three times as far apart: the page is drawn three times as large, about the same middle.
    expect(zoomed.width / fit.width).toBeCloseTo(3, 1);
    expect(centre(zoomed).x).toBeCloseTo(centre(fit).x, -1);
    await expect(page.locator('.book-frame').evaluate((el) => getComputedStyle(el).transform)).resolves.toMatch(/^matrix\(3(\.0*\d*)?, /);
    await screenshot(page, 'zoom-phone-pinched');
    // Pinch in past fit: back to fit, no transform left behind, and still page 1.
    await touch.pinch(centre(fit), 200, 40);
    await expect.poll(() => isZoomed(page)).toBe(false);
    expect(await book(page)).toEqual(fit);
    expect(await displayed(page)).toBe('1');

    // Zoomed again, then turned: swipes and zones do not turn a zoomed page, a key does (a hardware keyboard).
    await touch.pinch(centre(fit), 60, 150);
    await expect.poll(() => isZoomed(page)).toBe(true);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => displayed(page)).toBe('2');
    expect(await isZoomed(page)).toBe(false);
    await expect(page.locator('.book-frame').evaluate((el) => (el as HTMLElement).style.transform)).resolves.toBe('');
    expect((await book(page)).width).toBeCloseTo(fit.width);
  });

  it('double tap zooms in, one finger pans, a swipe pans instead of turning; double tap again fits, then a swipe turns and a tap zone turns', async () => {
    const page = await openReader(PHONE_390, '1/1', '1');
    const url = page.url();
    const fit = await book(page);
    const touch = touchscreen(await page.context().newCDPSession(page));

    await touch.doubleTap(centre(fit));
    await expect.poll(() => isZoomed(page)).toBe(true);
    const zoomed = await book(page);
    expect(zoomed.width / fit.width).toBeCloseTo(2.5, 1);
    // The first tap of the double tap is not a tap-zone turn (it waits for the second).
    await pause(TAP_SETTLE_MS);
    expect(await displayed(page)).toBe('1');

    // One finger drags the zoomed page along with it.
    const mid = centre(fit);
    await touch.drag(mid, { x: mid.x - 60, y: mid.y - 80 });
    const panned = await book(page);
    expect(panned.x - zoomed.x).toBeCloseTo(-60, -1);
    expect(panned.y - zoomed.y).toBeCloseTo(-80, -1);
    expect(panned.width).toBeCloseTo(zoomed.width);

    // A full swipe (the one that turns a page at fit) only pans, and stops at the page's edge.
    await touch.drag({ x: 300, y: mid.y }, { x: 60, y: mid.y + 5 });
    await pause(TAP_SETTLE_MS);
    expect(await displayed(page)).toBe('1');
    expect(page.url()).toBe(url);
    const atEdge = await book(page);
    const stage = await rect(page, '.stage');
    expect(atEdge.x + atEdge.width).toBeCloseTo(stage.x + stage.width, 0);
    // A tap on a zone while zoomed does not turn either.
    await touch.tap({ x: 360, y: mid.y });
    await pause(TAP_SETTLE_MS);
    expect(await displayed(page)).toBe('1');
    await screenshot(page, 'zoom-phone-panned');

    // Double tap again: fit.
    await touch.doubleTap(mid);
    await expect.poll(() => isZoomed(page)).toBe(false);
    expect(await book(page)).toEqual(fit);
    await pause(TAP_SETTLE_MS);
    expect(await displayed(page)).toBe('1');

    // At fit the same swipe turns the page, and a single tap on the right zone turns the next.
    await touch.drag({ x: 300, y: mid.y }, { x: 60, y: mid.y + 5 });
    await expect.poll(() => displayed(page)).toBe('2');
    await expect.poll(() => page.url()).toMatch(new RegExp(`/read/${S}/1/2$`));
    await touch.tap({ x: 360, y: mid.y });
    await expect.poll(() => displayed(page)).toBe('3');
  });
});

describe('zoom on a desktop', () => {
  it('+ and - zoom in steps about the middle, 0 fits; ctrl+wheel zooms about the pointer and does not zoom the browser', async () => {
    const page = await openReader({}, '1/1', '1,2');
    const fit = await book(page);
    const ratio = async () => (await book(page)).width / fit.width;

    await page.keyboard.press('+');
    await expect.poll(ratio).toBeCloseTo(1.5, 2);
    await page.keyboard.press('+');
    await expect.poll(ratio).toBeCloseTo(2.25, 2);
    // Keys zoom about the middle of the stage: the spread's middle stays there.
    const stage = await rect(page, '.stage');
    expect(centre(await book(page)).x).toBeCloseTo(stage.x + stage.width / 2, -1);
    await page.keyboard.press('-');
    await expect.poll(ratio).toBeCloseTo(1.5, 2);
    await page.keyboard.press('0');
    await expect.poll(() => isZoomed(page)).toBe(false);
    expect(await book(page)).toEqual(fit);
    // Arrow keys still turn the page while zoomed (and the turn fits it again).
    await page.keyboard.press('=');
    await expect.poll(() => isZoomed(page)).toBe(true);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => displayed(page)).toBe('3,4');
    expect(await isZoomed(page)).toBe(false);

    // ctrl+wheel up: zoomed about the pointer (the point under it stays; a point this near the
    // middle leaves no gap at the stage's edges for the bounds to correct).
    const at = { x: Math.round(fit.x + fit.width * 0.45), y: Math.round(fit.y + fit.height * 0.4) };
    await page.mouse.move(at.x, at.y);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -100);
    await expect.poll(() => isZoomed(page)).toBe(true);
    const wheeled = await book(page);
    expect(wheeled.width / fit.width).toBeGreaterThan(1.4);
    expect((at.x - wheeled.x) / wheeled.width).toBeCloseTo((at.x - fit.x) / fit.width, 2);
    // The browser's own zoom did not happen.
    expect(await page.evaluate(() => window.visualViewport?.scale ?? 1)).toBe(1);
    expect(await page.evaluate(() => window.innerWidth)).toBe(1440);
    // ctrl+wheel down zooms back out to fit.
    await page.mouse.wheel(0, 300);
    await page.keyboard.up('Control');
    await expect.poll(() => isZoomed(page)).toBe(false);
    expect(await book(page)).toEqual(fit);
  });
});
