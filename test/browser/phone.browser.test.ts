/**
 * The reader on a 390 × 844 touch phone (issue 18), in one file so that one
 * Folio and one Chromium serve all of it (CI time). Zoom and pan: a pinch (two
 * touch points through the DevTools protocol), a double tap, a one-finger pan
 * and a swipe that pans instead of turning while zoomed; on a desktop `+`,
 * `-`, `0` and ctrl+wheel. Guided view: every panel of a sample episode by
 * taps, progress, the mode surviving a reload, no page image fetched beyond
 * page mode's, and a right-to-left pack with authored panels. The one-hand
 * layout with a notch (safe-area insets emulated): the sliding header, the
 * collapsed strip, the bottom sheet, 44 px touch targets. Those share one
 * page, in order; every other test is a fresh reader. Full-size images: on a
 * pack of 2400 px pages (1600 px display variants) at 3 device pixels per CSS
 * pixel, which image each page and panel shows, and which were fetched, at fit
 * and zoomed past the display variant. The vertical reader (a pack of tall
 * strips): the column zoomed by pinch, double tap, keys and ctrl+wheel, its
 * full-size image, a tap for the chrome, and guided view through it. Back
 * closes the bottom sheet and the world graph and stays on the page.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { EpisodeDetail, Panel } from '../../src/contract/index.js';
import { writeTinyPack } from '../packs.js';
import { SAMPLE } from '../server.js';
import { freshContext, launchChromium, screenshot } from './chromium.js';
import { type Folio, startFolio } from './folio.js';
import { displayed, progressOf, readerToken, touchscreen, waitForPages } from './helpers.js';

const S = 'moth-and-lantern';
/** Right to left, with authored panels on its first page. */
const RTL = 'guided-rtl';
/** Pages wider than their display variant: the API sends a full-size image for each. */
const FULL = 'phone-full';
/** Tall strips read as one column (layout: vertical), with authored panels on page 1. */
const VERTICAL = 'phone-vertical';
const W = 390;
const H = 844;
// Reduced motion: turns are immediate (so "did not turn" needs only a short wait), a guided move is drawn at once
// (its panel's box can be read straight after it), and the chrome and the sheet move without transitions.
const PHONE_390 = { viewport: { width: W, height: H }, isMobile: true, hasTouch: true, reducedMotion: 'reduce' } as const;
/** Longer than a single tap waits for a second one (use-zoom.ts) before it turns. */
const TAP_SETTLE_MS = 400;
const MARGIN = 8; // guided.ts PANEL_MARGIN_PX
const WHOLE: Panel = { x: 0, y: 0, w: 1, h: 1 };
/** The RTL pack's first page: panels in reading order, right to left (authored in episode.yaml). */
const RTL_PANELS: Panel[] = [
  { x: 0.5, y: 0, w: 0.5, h: 0.5 },
  { x: 0, y: 0, w: 0.5, h: 0.5 },
  { x: 0, y: 0.5, w: 1, h: 0.5 },
];
/** The full-size pack's page images (src/images.ts keeps pages at most DISPLAY_MAX_WIDTH wide for display, FULL_MAX_WIDTH at full size). */
const FULL_PAGE = { width: 2400, height: 3400 };
const DISPLAY_MAX_WIDTH = 1600;
/** Its page 1: the whole page, then its lower right quarter (a panel drawn larger than the display image on a phone). */
const FULL_PANELS: Panel[] = [WHOLE, { x: 0.5, y: 0.5, w: 0.5, h: 0.5 }];
/** The vertical pack's page 1 (wider than its display variant); pages 2–4 are 390 × 1400 strips, page 2 without panels. */
const VERTICAL_WIDE = { width: 2000, height: 5000 };
/** The vertical pack's page 1: three horizontal bands. */
const VERTICAL_PANELS: Panel[] = [
  { x: 0, y: 0, w: 1, h: 0.3 },
  { x: 0, y: 0.3, w: 1, h: 0.35 },
  { x: 0, y: 0.65, w: 1, h: 0.35 },
];

let folio: Folio;
let browser: Browser;
const packs: string[] = [];
let open: Array<{ context: BrowserContext; problems: string[] }> = [];

/** A tiny pack whose series.yaml and episode 1's pages get the given fields. */
async function tinyPack(opts: Parameters<typeof writeTinyPack>[0], series: Record<string, unknown>, pages: Array<Record<string, unknown>>): Promise<string> {
  const dir = await writeTinyPack(opts);
  packs.push(dir);
  const seriesFile = join(dir, 'series.yaml');
  await writeFile(seriesFile, stringify({ ...parse(await readFile(seriesFile, 'utf8')), ...series }));
  const epFile = join(dir, 'episodes', 'ep1', 'episode.yaml');
  const ep = parse(await readFile(epFile, 'utf8'));
  for (const [i, fields] of pages.entries()) Object.assign(ep.pages[i], fields);
  await writeFile(epFile, stringify(ep));
  return dir;
}

beforeAll(async () => {
  const writePacks = () =>
    Promise.all([
      tinyPack({ id: RTL, title: 'Guided RTL', episodes: 1, pagesPerEpisode: 2, seed: 5 }, { reading_direction: 'rtl' }, [{ panels: RTL_PANELS }, { panels: [] }]),
      tinyPack({ id: FULL, title: 'Full size', episodes: 1, pagesPerEpisode: 2, seed: 8, pageSize: () => FULL_PAGE }, {}, [{ panels: FULL_PANELS }, { panels: [] }]),
      tinyPack(
        { id: VERTICAL, title: 'Phone vertical', episodes: 1, pagesPerEpisode: 4, seed: 9, pageSize: (_, p) => (p === 1 ? VERTICAL_WIDE : { width: 390, height: 1400 }) },
        { layout: 'vertical' },
        [{ panels: VERTICAL_PANELS }, { panels: [] }],
      ),
    ]);
  const webDir = inject('webBuilds').sameOrigin;
  [folio, browser] = await Promise.all([writePacks().then((tiny) => startFolio({ webDir, packs: [SAMPLE, ...tiny] })), launchChromium()]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await folio?.close();
  for (const dir of packs) await rm(dir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const c of open) {
    await c.context.close();
    expect(c.problems, 'console errors, page errors or CSP violations').toEqual([]);
  }
  open = [];
});

/** A fresh reader (its own context) on the sample series, at `at`, once `expected` is on display. */
async function openReader(opts: Parameters<typeof freshContext>[1], at: string, expected: string): Promise<Page> {
  const c = await freshContext(browser, opts);
  open.push(c);
  const page = await c.context.newPage();
  await page.goto(`${folio.url}/read/${S}/${at}`);
  await waitForPages(page, expected);
  return page;
}

/** A fresh reader on a phone, with its touchscreen, nothing opened yet. */
async function newPhone(opts: Parameters<typeof freshContext>[1] = PHONE_390): Promise<{ context: BrowserContext; page: Page; touch: ReturnType<typeof touchscreen> }> {
  const c = await freshContext(browser, opts);
  open.push(c);
  const page = await c.context.newPage();
  return { context: c.context, page, touch: touchscreen(await c.context.newCDPSession(page)) };
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

interface Shown {
  page: number;
  panel: number;
  /** The panel's rectangle as drawn, relative to the guided stage; the stage's size. */
  box: { x: number; y: number; w: number; h: number };
  stage: { width: number; height: number };
}

/** What guided view shows, and where the given panel of it is drawn (the image's box includes its transform). */
const shown = (page: Page, panel: Panel): Promise<Shown> =>
  page.locator('.guided').evaluate((el, p) => {
    const s = el.getBoundingClientRect();
    const img = el.querySelector('.guided-img');
    const r = img ? img.getBoundingClientRect() : s;
    return {
      page: Number(el.getAttribute('data-page')),
      panel: Number(el.getAttribute('data-panel')),
      box: { x: r.x - s.x + p.x * r.width, y: r.y - s.y + p.y * r.height, w: p.w * r.width, h: p.h * r.height },
      stage: { width: s.width, height: s.height },
    };
  }, panel);

/** The panel fills the stage (less the margin) along one axis, fits along the other, and is centred. */
function expectFitted(s: Shown) {
  const { box, stage } = s;
  expect(box.x + box.w / 2).toBeCloseTo(stage.width / 2, 0);
  expect(box.y + box.h / 2).toBeCloseTo(stage.height / 2, 0);
  expect(box.w).toBeLessThanOrEqual(stage.width - 2 * MARGIN + 1);
  expect(box.h).toBeLessThanOrEqual(stage.height - 2 * MARGIN + 1);
  expect(Math.max(box.w / (stage.width - 2 * MARGIN), box.h / (stage.height - 2 * MARGIN))).toBeCloseTo(1, 2);
}

/** The episode as this reader's app sees it (same cookie), so the panels are the ones the reader was sent. */
const episodeOf = (page: Page, series: string, n: number): Promise<EpisodeDetail> =>
  page.evaluate(async ([s, e]) => (await fetch(`/api/series/${s}/episodes/${e}`, { credentials: 'include' })).json(), [series, n] as const);

const panelsOf = (p: EpisodeDetail['pages'][number]): Panel[] => (p.panels && p.panels.length > 0 ? p.panels : [WHOLE]);

describe('guided view on a phone', () => {
  it('steps through every panel of a sample episode by taps, moving progress only with the page shown, fetching no page image page mode would not', async () => {
    const { context, page, touch } = await newPhone();
    await page.goto(`${folio.url}/read/${S}/1/0`);
    await waitForPages(page, '0');
    await page.getByTestId('toggle-guided').tap();
    await expect.poll(() => page.locator('.guided').getAttribute('data-page')).toBe('0');
    expect(await page.getByTestId('toggle-guided').getAttribute('aria-pressed')).toBe('true');
    // Screen readers hear what a turn moves by.
    expect(await page.locator('.zone--right').getAttribute('aria-label')).toBe('Next panel');
    expect(await page.getByTestId('dock-next').getAttribute('aria-label')).toBe('Next panel');

    // Remembered per device: a reload opens guided view again. Requests are watched from this fresh load on.
    const requests: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    await page.reload();
    await waitForPages(page, '0');
    await expect.poll(() => page.locator('.guided').getAttribute('data-page')).toBe('0');
    expect(await page.locator('.book-frame').count()).toBe(0);

    // From each touch's end to the panel changing on the page: no wait for a possible second tap (page mode waits 300 ms).
    await page.evaluate(() => {
      const w = window as unknown as { tapLags: number[] };
      w.tapLags = [];
      let touchEnd = 0;
      document.addEventListener('touchend', () => (touchEnd = performance.now()), true);
      new MutationObserver(() => w.tapLags.push(performance.now() - touchEnd)).observe(document.body, {
        subtree: true,
        attributes: true,
        attributeFilter: ['data-page', 'data-panel'],
      });
    });
    const detail = await episodeOf(page, S, 1);
    const steps = detail.pages.flatMap((p, i) => panelsOf(p).map((panel, j) => ({ index: i, number: p.number, panel: j, rect: panel })));
    // The sample's pages are cut into panels at import (title strips stay whole): more steps than pages.
    expect(steps.length).toBeGreaterThan(detail.pages.length);
    const imageOwner = new Map<string, number>();
    detail.pages.forEach((p, i) => {
      if (p.image) imageOwner.set(p.image.url, i);
      if (p.image?.full) imageOwner.set(p.image.full.url, i);
    });
    const token = await readerToken(context);
    const tapNext = () => touch.tap({ x: 330, y: 500 });
    const tapPrev = () => touch.tap({ x: 60, y: 500 });

    let furthest = 0;
    for (const [k, step] of steps.entries()) {
      if (k > 0) await tapNext();
      await expect
        .poll(async () => ((await shown(page, step.rect)).page === step.number && (await shown(page, step.rect)).panel === step.panel) || `${step.number}/${step.panel}`)
        .toBe(true);
      expectFitted(await shown(page, step.rect));
      furthest = Math.max(furthest, step.index);
      // Progress is the page shown: reached with its first panel, not moved by its later ones, never ahead.
      await expect.poll(() => displayed(page)).toBe(String(step.number));
      await expect.poll(async () => (await progressOf(folio, S, token)).page, { timeout: 5_000, interval: 100 }).toBe(step.number);
      // Page images: none beyond the page shown and the next one (page mode loads three ahead).
      const beyond = requests.filter((u) => (imageOwner.get(u) ?? -1) > furthest + 1);
      expect(beyond).toEqual([]);
      // Once: back a panel with the other half, and forward again.
      if (k === 2) {
        await tapPrev();
        await expect.poll(async () => (await shown(page, steps[1]!.rect)).panel).toBe(steps[1]!.panel);
        expect((await shown(page, steps[1]!.rect)).page).toBe(steps[1]!.number);
        await tapNext();
        await expect.poll(async () => (await shown(page, step.rect)).panel).toBe(step.panel);
      }
    }
    await screenshot(page, 'guided-phone-last-panel');
    const lags = await page.evaluate(() => (window as unknown as { tapLags: number[] }).tapLags);
    expect(lags.length).toBeGreaterThanOrEqual(steps.length - 1);
    expect(Math.max(...lags)).toBeLessThan(200);
    // Every page of the episode was fetched once it was shown (or ahead of it): page mode's own set.
    expect(new Set(requests.filter((u) => imageOwner.has(u)).map((u) => imageOwner.get(u)))).toEqual(new Set(detail.pages.map((_, i) => i)));

    // Past the last panel: the next episode's first panel, as page mode turns to it.
    await tapNext();
    await page.waitForURL(`**/read/${S}/2/*`);
    const next = await episodeOf(page, S, 2);
    await expect.poll(() => page.locator('.guided').getAttribute('data-page')).toBe(String(next.pages[0]!.number));
    expect(await page.locator('.guided').getAttribute('data-panel')).toBe('0');
    await tapNext();
    const second = steps.length > 0 && panelsOf(next.pages[0]!).length > 1 ? { page: next.pages[0]!.number, panel: 1 } : { page: next.pages[1]!.number, panel: 0 };
    await expect
      .poll(async () => `${await page.locator('.guided').getAttribute('data-page')}/${await page.locator('.guided').getAttribute('data-panel')}`)
      .toBe(`${second.page}/${second.panel}`);

    // Leaving guided view: page mode opens on the page that was shown.
    await page.getByTestId('toggle-guided').tap();
    await expect.poll(() => page.locator('.book-frame').count()).toBe(1);
    expect(await page.locator('.guided').count()).toBe(0);
    expect(await displayed(page)).toBe(String(second.page));
    expect(await page.locator('.zone--right').getAttribute('aria-label')).toBe('Next page');
  });

  it('on a right-to-left series: the panels in the API order, a swipe in the series direction and the left half advance', async () => {
    const { page, touch } = await newPhone();
    await page.goto(`${folio.url}/read/${RTL}/1/1`);
    await waitForPages(page, '1');
    await page.getByTestId('toggle-guided').tap();
    await expect.poll(() => page.locator('.guided').getAttribute('data-panel')).toBe('0');
    const detail = await episodeOf(page, RTL, 1);
    expect(detail.series.readingDirection).toBe('rtl');
    expect(detail.pages[0]!.panels).toEqual(RTL_PANELS);

    const s = await shown(page, RTL_PANELS[0]!);
    expect([s.page, s.panel]).toEqual([1, 0]);
    expectFitted(s);
    // Right to left: the page moves to the right to advance (a swipe toward the right).
    await touch.drag({ x: 80, y: 500 }, { x: 320, y: 505 });
    await expect.poll(async () => (await shown(page, RTL_PANELS[1]!)).panel).toBe(1);
    expectFitted(await shown(page, RTL_PANELS[1]!));
    // The left half advances, the right half goes back.
    await touch.tap({ x: 60, y: 500 });
    await expect.poll(async () => (await shown(page, RTL_PANELS[2]!)).panel).toBe(2);
    expectFitted(await shown(page, RTL_PANELS[2]!));
    await touch.tap({ x: 330, y: 500 });
    await expect.poll(async () => (await shown(page, RTL_PANELS[1]!)).panel).toBe(1);
    // The arrow toward the reading direction (left) advances too; past page 1's panels: page 2, shown whole.
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(async () => (await shown(page, WHOLE)).page).toBe(2);
    expectFitted(await shown(page, WHOLE));
    expect(await displayed(page)).toBe('2');
    await screenshot(page, 'guided-phone-rtl');
  });
});

/**
 * One page for all these tests, in order (each goes on from where the last left the reader), on a phone with a notch:
 * safe-area insets emulated through the DevTools protocol.
 */
describe('the one-hand phone layout', () => {
  const INSET = { top: 47, bottom: 34 };
  const RIGHT_THIRD = { x: W - 40, y: H / 2 };
  const MIDDLE = { x: W / 2, y: H / 2 };
  let context: BrowserContext;
  let problems: string[];
  let page: Page;
  let cdp: CDPSession;
  let touch: ReturnType<typeof touchscreen>;
  let insetsEmulated = false;

  beforeAll(async () => {
    ({ context, problems } = await freshContext(browser, PHONE_390));
    page = await context.newPage();
    cdp = await context.newCDPSession(page);
    touch = touchscreen(cdp);
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
  });

  afterAll(async () => {
    await context?.close();
    expect(problems, 'console errors, page errors or CSP violations').toEqual([]);
  });

  const box = async (selector: string) => (await page.locator(selector).first().boundingBox())!;
  const chrome = () => page.locator('.reader').getAttribute('data-chrome');
  /** The header is on screen (not slid away above the top edge). */
  const headerOnScreen = async () => {
    const b = await box('.reader-bar');
    return b.y + b.height > 1;
  };
  /** A finger dragged and held still before it lifts (a fast release is a fling, and Chromium drops the click of the next tap). */
  const drag = (from: { x: number; y: number }, to: { x: number; y: number }) => touch.drag(from, to, { steps: 6, holdMs: 150 });

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
    await touch.tap(centre(await box('[data-testid=dock-pages]')));
    await page.locator('.strip').waitFor();
    expect(await page.getByTestId('dock-pages').getAttribute('aria-expanded')).toBe('true');
    const strip = await box('.strip');
    expect(strip.y + strip.height).toBeLessThanOrEqual((await box('.dock-bar')).y + 1);
    expect(await page.locator('.strip-button[aria-current=page]').getAttribute('data-page')).toBe('1');
    await screenshot(page, 'phone-strip-open');
    // The stage did not shrink for it either.
    expect((await box('.stage')).height).toBeCloseTo(stage.height, 0);
    await touch.tap(centre(await box('[data-testid=dock-pages]')));
    await expect.poll(() => page.locator('.strip').count()).toBe(0);
  });

  it('the header hides after a page turn; a tap on the page middle brings it back without turning, a swipe down from the top edge too', async () => {
    expect(await chrome()).toBe('shown');
    expect(await headerOnScreen()).toBe(true);
    await touch.tap(RIGHT_THIRD);
    await expect.poll(() => displayed(page)).toBe('2');
    await expect.poll(chrome).toBe('hidden');
    expect(await headerOnScreen()).toBe(false);
    // The toolbar went with it.
    expect((await box('.dock-inner')).y).toBeGreaterThanOrEqual((await box('.reader-credit')).y - 1);
    await screenshot(page, 'phone-reading');

    await touch.tap(MIDDLE);
    await expect.poll(chrome).toBe('shown');
    expect(await headerOnScreen()).toBe(true);
    await pause(TAP_SETTLE_MS);
    expect(await displayed(page)).toBe('2');

    await touch.tap(RIGHT_THIRD);
    await expect.poll(() => displayed(page)).toBe('3');
    await expect.poll(chrome).toBe('hidden');
    await drag({ x: W / 2, y: (insetsEmulated ? INSET.top : 0) + 10 }, { x: W / 2 + 5, y: 260 });
    await expect.poll(chrome).toBe('shown');
    await pause(TAP_SETTLE_MS);
    expect(await displayed(page)).toBe('3');
  });

  it('the companion opens as a bottom sheet below the middle; the handle expands it to full height; dragging it down closes it', async () => {
    await touch.tap(centre(await box('[data-testid=dock-ask]')));
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
    await touch.tap({ x: W - 40, y: 250 });
    await expect.poll(() => displayed(page)).toBe('4');
    expect(await chrome()).toBe('shown');
    await screenshot(page, 'phone-sheet-half');

    await touch.tap(centre(await box('[data-testid=sheet-handle]')));
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
    await touch.tap(RIGHT_THIRD);
    await expect.poll(() => displayed(page)).toBe('5');
    await expect.poll(chrome).toBe('hidden');

    // The other panels are the same sheet; the close button closes it too.
    await touch.tap(MIDDLE);
    await expect.poll(chrome).toBe('shown');
    await page.getByTestId('toggle-panel').click();
    await sheet.waitFor();
    expect((await sheet.boundingBox())!.y).toBeGreaterThan(H / 2);
    await page.getByTestId('close-panel').click();
    await expect.poll(() => sheet.count()).toBe(0);
  });
});

/** A phone's screen: 3 device pixels per CSS pixel, so a page fitted to 390 px shows about 1170 of the display image's 1600. */
const PHONE_DPR3 = { ...PHONE_390, deviceScaleFactor: 3 } as const;

/** What an <img> shows: its source's path, its decoded width, its layout box (CSS px, no transform). */
const imageState = (page: Page, selector: string) =>
  page.locator(selector).evaluate((el) => {
    const img = el as HTMLImageElement;
    return { src: new URL(img.src).pathname, naturalWidth: img.naturalWidth, clientWidth: img.clientWidth, clientHeight: img.clientHeight };
  });

describe('full-size images once zoomed past the display variant (issue 18)', () => {
  /** The full-size pack's pages as the API sends them: a display image, and a larger full-size one (checked here). */
  async function fullPages(): Promise<Array<{ display: string; full: string; height: number }>> {
    const r = await folio.api<EpisodeDetail>(`/api/series/${FULL}/episodes/1`);
    expect(r.status).toBe(200);
    return r.body.pages.map((p) => {
      const image = p.image!;
      expect(image.width).toBe(DISPLAY_MAX_WIDTH);
      expect(image.full).toMatchObject(FULL_PAGE);
      expect(image.full!.url).not.toBe(image.url);
      return { display: image.url, full: image.full!.url, height: image.height };
    });
  }

  /** Every full-size image this page fetches, from now on. */
  function fullFetches(page: Page, pages: Array<{ full: string }>): () => Set<string> {
    const fulls = new Set(pages.map((p) => p.full));
    const fetched: string[] = [];
    page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
    return () => new Set(fetched.filter((u) => fulls.has(u)));
  }

  it('page mode: at fit and a little zoomed the display image; zoomed past its pixels the page swaps to its full-size image; a turn fetches no other page at full size', async () => {
    const pages = await fullPages();
    const { page, touch } = await newPhone(PHONE_DPR3);
    const fullFetched = fullFetches(page, pages);
    const img = (n: number) => imageState(page, `.flip-page-img[data-page="${n}"]`);
    await page.goto(`${folio.url}/read/${FULL}/1/1`);
    await waitForPages(page, '1');
    expect(await page.evaluate(() => window.devicePixelRatio)).toBe(3);
    await expect.poll(async () => (await img(1)).naturalWidth).toBe(DISPLAY_MAX_WIDTH);
    const atFit = await img(1);
    expect(atFit.src).toBe(pages[0]!.display);
    // The image's width on screen (object-fit: contain) in device pixels: fewer than the display image has.
    const onScreen = 3 * Math.min(atFit.clientWidth, (atFit.clientHeight * DISPLAY_MAX_WIDTH) / pages[0]!.height);
    expect(onScreen).toBeLessThan(DISPLAY_MAX_WIDTH);
    const fit = await book(page);

    // A small pinch (about ×1.3): still within the display image's pixels (and zoom.ts wantsFullImage's 10 % slack).
    await touch.pinch(centre(fit), 60, 80);
    await expect.poll(() => isZoomed(page)).toBe(true);
    const small = (await book(page)).width / fit.width;
    expect(onScreen * small).toBeLessThan(DISPLAY_MAX_WIDTH * 1.1);
    await pause(300);
    expect(fullFetched()).toEqual(new Set());
    expect((await img(1)).src).toBe(pages[0]!.display);

    // Pinched on to about ×3.3: past them. The page's full-size image is fetched, and swapped in once decoded.
    await touch.pinch(centre(fit), 60, 150);
    const large = (await book(page)).width / fit.width;
    expect(onScreen * large).toBeGreaterThan(DISPLAY_MAX_WIDTH * 1.1);
    await expect.poll(() => img(1), { timeout: 10_000 }).toMatchObject({ src: pages[0]!.full, naturalWidth: FULL_PAGE.width });
    expect(fullFetched()).toEqual(new Set([pages[0]!.full]));
    await screenshot(page, 'phone-full-size-zoomed');

    // Turned while zoomed (a key): page 2 at fit shows its display image, and its full-size image is not fetched.
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => displayed(page)).toBe('2');
    expect(await isZoomed(page)).toBe(false);
    await expect.poll(async () => (await img(2)).naturalWidth).toBe(DISPLAY_MAX_WIDTH);
    expect((await img(2)).src).toBe(pages[1]!.display);
    await pause(TAP_SETTLE_MS);
    expect(fullFetched()).toEqual(new Set([pages[0]!.full]));

    // A double tap (×2.5) on page 2: past its display image too, so its own full-size image.
    await touch.doubleTap(centre(fit));
    await expect.poll(() => isZoomed(page)).toBe(true);
    expect(onScreen * 2.5).toBeGreaterThan(DISPLAY_MAX_WIDTH * 1.1);
    await expect.poll(() => img(2), { timeout: 10_000 }).toMatchObject({ src: pages[1]!.full, naturalWidth: FULL_PAGE.width });
    expect(fullFetched()).toEqual(new Set([pages[0]!.full, pages[1]!.full]));
    // Back to fit, and back a page: a full-size image once shown stays (no swap back to the display image).
    await touch.doubleTap(centre(fit));
    await expect.poll(() => isZoomed(page)).toBe(false);
    expect((await img(2)).src).toBe(pages[1]!.full);
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => displayed(page)).toBe('1');
    expect(await img(1)).toMatchObject({ src: pages[0]!.full, naturalWidth: FULL_PAGE.width });
  });

  it('guided view at 390 px: the whole page from the display image; a quarter-page panel from the full-size image; the next page not at full size', async () => {
    const pages = await fullPages();
    const { page, touch } = await newPhone(PHONE_DPR3);
    const fullFetched = fullFetches(page, pages);
    const img = () => imageState(page, '.guided-img');
    await page.goto(`${folio.url}/read/${FULL}/1/1`);
    await waitForPages(page, '1');
    await page.getByTestId('toggle-guided').tap();
    await expect.poll(() => page.locator('.guided').getAttribute('data-panel')).toBe('0');
    expect(await page.locator('.guided').getAttribute('data-panels')).toBe(String(FULL_PANELS.length));

    // The whole page: about 374 CSS px wide, 1122 device px of the display image's 1600.
    await expect.poll(async () => (await img()).naturalWidth).toBe(DISPLAY_MAX_WIDTH);
    expect((await img()).src).toBe(pages[0]!.display);
    const whole = await shown(page, WHOLE);
    expectFitted(whole);
    expect(3 * whole.box.w).toBeLessThan(DISPLAY_MAX_WIDTH);
    await pause(300);
    expect(fullFetched()).toEqual(new Set());

    // Its lower right quarter, fitted to the stage: about 2.2 device px per display pixel, so the full-size image.
    await touch.tap({ x: 330, y: 500 });
    await expect.poll(async () => (await shown(page, FULL_PANELS[1]!)).panel).toBe(1);
    const quarter = await shown(page, FULL_PANELS[1]!);
    expectFitted(quarter);
    expect(3 * quarter.box.w).toBeGreaterThan(FULL_PANELS[1]!.w * DISPLAY_MAX_WIDTH * 1.1);
    await expect.poll(img, { timeout: 10_000 }).toMatchObject({ src: pages[0]!.full, naturalWidth: FULL_PAGE.width });
    expect(fullFetched()).toEqual(new Set([pages[0]!.full]));
    // Laid out at the display image's size still: the panel is where it was.
    expect(await shown(page, FULL_PANELS[1]!)).toEqual(quarter);
    await screenshot(page, 'guided-phone-full-size');

    // Page 2, shown whole: its display image, and no full-size image of it.
    await touch.tap({ x: 330, y: 500 });
    await expect.poll(async () => (await shown(page, WHOLE)).page).toBe(2);
    await expect.poll(async () => (await img()).naturalWidth).toBe(DISPLAY_MAX_WIDTH);
    expect((await img()).src).toBe(pages[1]!.display);
    await pause(300);
    expect(fullFetched()).toEqual(new Set([pages[0]!.full]));
  });
});

/** The vertical reader's column: its width as drawn, its scroll, whether it is zoomed. */
const column = (page: Page) =>
  page.locator('.vertical-reader').evaluate((el) => {
    const first = el.querySelector<HTMLElement>('.vertical-page')!;
    return { width: first.getBoundingClientRect().width, scrollLeft: el.scrollLeft, scrollTop: el.scrollTop, zoomed: el.hasAttribute('data-zoomed') };
  });

describe('vertical reader on a phone', () => {
  it('a pinch zooms the column about the fingers, the column pans by scrolling, a double tap returns to fit and zooms in again', async () => {
    const { page, touch } = await newPhone();
    await page.goto(`${folio.url}/read/${VERTICAL}/1/2`);
    await waitForPages(page);
    const fit = await column(page);
    expect(fit.width).toBeCloseTo(390, 0);
    const box = (await page.locator('.vertical-reader').boundingBox())!;
    const at = { x: Math.round(box.x + 290), y: Math.round(box.y + 400) };
    // The content point under the fingers before the pinch…
    const before = await page.locator('.vertical-reader').evaluate((el, y) => el.scrollTop + y, at.y - box.y);
    await touch.pinch(at, 60, 180);
    const z = await column(page);
    expect(z.zoomed).toBe(true);
    expect(z.width / fit.width).toBeCloseTo(3, 1);
    // …is under them after it: three times as far down the content, three times as far across the column.
    expect(z.scrollTop + (at.y - box.y)).toBeCloseTo(before * 3, -1);
    expect(z.scrollLeft + 290).toBeCloseTo(290 * 3, -1);
    await screenshot(page, 'vertical-pinched');
    await touch.doubleTap({ x: 200, y: 400 });
    await expect.poll(async () => (await column(page)).zoomed).toBe(false);
    expect((await column(page)).width).toBeCloseTo(390, 0);
    await touch.doubleTap({ x: 100, y: 400 });
    await expect.poll(async () => (await column(page)).width).toBeCloseTo(390 * 2.5, 0);
  });

  it('zoomed past the display image, a page gets its full-size image; at fit it does not', async () => {
    const { page, touch } = await newPhone({ ...PHONE_390, deviceScaleFactor: 3 });
    const ep = (await folio.api<EpisodeDetail>(`/api/series/${VERTICAL}/episodes/1`)).body;
    expect(ep.series.layout).toBe('vertical');
    expect(ep.pages[0]!.panels).toEqual(VERTICAL_PANELS);
    expect(ep.pages.map((p) => p.image?.full?.width ?? null)).toEqual([VERTICAL_WIDE.width, null, null, null]);
    const full = ep.pages[0]!.image!.full!;
    const requests: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    await page.goto(`${folio.url}/read/${VERTICAL}/1/1`);
    await waitForPages(page);
    await pause(500);
    expect(requests.filter((u) => u === full.url || u.endsWith(full.url))).toEqual([]);
    const src = () => page.locator('.vertical-page[data-page="1"] img').getAttribute('src');
    expect(await src()).not.toContain(full.url);
    await touch.doubleTap({ x: 195, y: 300 });
    await expect.poll(src).toContain(full.url);
    expect(await page.locator('.vertical-page[data-page="1"] img').evaluate((i: HTMLImageElement) => i.naturalWidth)).toBe(2000);
  });

  it('a single tap shows and hides the chrome; keys zoom on a desktop', async () => {
    const { page, touch } = await newPhone();
    await page.goto(`${folio.url}/read/${VERTICAL}/1/2`);
    await waitForPages(page);
    const chrome = () => page.locator('.reader').getAttribute('data-chrome');
    const before = await chrome();
    await touch.tap({ x: 195, y: 500 });
    await expect.poll(chrome).not.toBe(before);
    await touch.tap({ x: 60, y: 500 });
    await expect.poll(chrome).toBe(before);
    expect((await column(page)).zoomed).toBe(false);

    const c = await freshContext(browser, {});
    open.push(c);
    const desk = await c.context.newPage();
    await desk.goto(`${folio.url}/read/${VERTICAL}/1/2`);
    await waitForPages(desk);
    const w0 = (await column(desk)).width;
    await desk.keyboard.press('+');
    await expect.poll(async () => (await column(desk)).width).toBeCloseTo(w0 * 1.5, 0);
    await desk.keyboard.press('0');
    await expect.poll(async () => (await column(desk)).width).toBeCloseTo(w0, 0);
    await desk.mouse.move(700, 400);
    await desk.keyboard.down('Control');
    await desk.mouse.wheel(0, -100);
    await desk.keyboard.up('Control');
    await expect.poll(async () => (await column(desk)).width).toBeGreaterThan(w0 * 1.3);
  });

  it('guided view steps through a vertical series: authored panels, then a tall strip in bands, by tap and swipe up', async () => {
    const { page, touch } = await newPhone();
    await page.goto(`${folio.url}/read/${VERTICAL}/1/1`);
    await waitForPages(page, '1');
    await page.getByTestId('toggle-guided').tap();
    const at = async () => `${await page.locator('.guided').getAttribute('data-page')}/${await page.locator('.guided').getAttribute('data-panel')}`;
    await expect.poll(at).toBe('1/0');
    expect(await page.locator('.guided').getAttribute('data-panels')).toBe('3');
    await touch.tap({ x: 350, y: 500 });
    await expect.poll(at).toBe('1/1');
    await touch.drag({ x: 195, y: 600 }, { x: 195, y: 300 });
    await expect.poll(at).toBe('1/2');
    await touch.tap({ x: 350, y: 500 });
    await expect.poll(at).toBe('2/0');
    // Page 2 (390 × 1400, no panels) is read in three bands, top to bottom.
    expect(await page.locator('.guided').getAttribute('data-panels')).toBe('3');
    await expect.poll(() => displayed(page)).toBe('2');
    await screenshot(page, 'vertical-guided');
  });
});

describe('Back closes the sheet on a phone', () => {
  it('Back closes the companion sheet and stays on the page; closing by its button leaves no extra history', async () => {
    const { page, touch } = await newPhone();
    await page.goto(`${folio.url}/series/${S}`);
    await page.goto(`${folio.url}/read/${S}/1/1`);
    await waitForPages(page, '1');
    await touch.tap({ x: 370, y: 420 });
    await pause(TAP_SETTLE_MS);
    await expect.poll(() => displayed(page)).toBe('2');
    // The turn slid the chrome away: a tap on the middle brings it back.
    await touch.tap({ x: 195, y: 420 });
    await expect.poll(() => page.locator('.reader').getAttribute('data-chrome')).toBe('shown');
    await page.getByTestId('dock-ask').tap();
    const sheet = page.locator('.side-panel');
    await sheet.waitFor();
    await page.goBack();
    await expect.poll(() => sheet.count()).toBe(0);
    expect(new URL(page.url()).pathname).toBe(`/read/${S}/1/2`);
    expect(await displayed(page)).toBe('2');

    // Open, turn a page while it is open (the page above the sheet), close by its button: on that page, and Back leaves the reader.
    await page.getByTestId('dock-ask').tap();
    await sheet.waitFor();
    await touch.tap({ x: 370, y: 200 });
    await expect.poll(() => displayed(page)).toBe('3');
    await page.getByTestId('close-panel').tap();
    await expect.poll(() => sheet.count()).toBe(0);
    await pause(300);
    expect(new URL(page.url()).pathname).toBe(`/read/${S}/1/3`);
    expect(await displayed(page)).toBe('3');

    // The world graph is a sheet too.
    if ((await page.locator('.reader').getAttribute('data-chrome')) !== 'shown') await touch.tap({ x: 195, y: 420 });
    await expect.poll(() => page.locator('.reader').getAttribute('data-chrome')).toBe('shown');
    await page.getByTestId('open-world').tap();
    await page.locator('.world-overlay').waitFor();
    await page.goBack();
    await expect.poll(() => page.locator('.world-overlay').count()).toBe(0);
    expect(new URL(page.url()).pathname).toBe(`/read/${S}/1/3`);
    await page.goBack();
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/series/${S}`);
  });
});
