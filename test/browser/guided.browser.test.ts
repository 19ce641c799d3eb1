/**
 * Guided view (issue 18, item 3) on a 390 × 844 touch phone: every panel of an
 * episode of the sample series by taps, in the API's order, each fitted to the
 * stage; progress moving to a page exactly when its first panel is shown; the
 * mode surviving a reload; no page image fetched beyond what page mode would;
 * and on a right-to-left pack with authored panels, the API's order, a swipe
 * in the series' direction and the mirrored tap halves. One Folio, one Chromium.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { EpisodeDetail, Panel } from '../../src/contract/index.js';
import { writeTinyPack } from '../packs.js';
import { SAMPLE } from '../server.js';
import { freshContext, launchChromium, screenshot } from './chromium.js';
import { type Folio, startFolio } from './folio.js';
import { displayed, progressOf, readerToken, touchscreen, waitForPages } from './helpers.js';

const S = 'moth-and-lantern';
const RTL = 'guided-rtl';
// Reduced motion: a move is drawn at once, so the panel's box can be read straight after it.
const PHONE_390 = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, reducedMotion: 'reduce' } as const;
const MARGIN = 8; // guided.ts PANEL_MARGIN_PX
const WHOLE: Panel = { x: 0, y: 0, w: 1, h: 1 };
/** The RTL pack's first page: panels in reading order, right to left (authored in episode.yaml). */
const RTL_PANELS: Panel[] = [
  { x: 0.5, y: 0, w: 0.5, h: 0.5 },
  { x: 0, y: 0, w: 0.5, h: 0.5 },
  { x: 0, y: 0.5, w: 1, h: 0.5 },
];

let folio: Folio;
let browser: Browser;
let rtlPack: string;
let open: Array<{ context: BrowserContext; problems: string[] }> = [];

beforeAll(async () => {
  rtlPack = await writeTinyPack({ id: RTL, title: 'Guided RTL', episodes: 1, pagesPerEpisode: 2, seed: 5 });
  const seriesFile = join(rtlPack, 'series.yaml');
  await writeFile(seriesFile, stringify({ ...parse(await readFile(seriesFile, 'utf8')), reading_direction: 'rtl' }));
  const epFile = join(rtlPack, 'episodes', 'ep1', 'episode.yaml');
  const ep = parse(await readFile(epFile, 'utf8'));
  ep.pages[0].panels = RTL_PANELS;
  ep.pages[1].panels = [];
  await writeFile(epFile, stringify(ep));
  [folio, browser] = await Promise.all([startFolio({ webDir: inject('webBuilds').sameOrigin, packs: [SAMPLE, rtlPack] }), launchChromium()]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await folio?.close();
  if (rtlPack) await rm(rtlPack, { recursive: true, force: true });
});

afterEach(async () => {
  for (const c of open) {
    await c.context.close();
    expect(c.problems, 'console errors, page errors or CSP violations').toEqual([]);
  }
  open = [];
});

async function newPhone(): Promise<{ context: BrowserContext; page: Page; touch: ReturnType<typeof touchscreen> }> {
  const c = await freshContext(browser, PHONE_390);
  open.push(c);
  const page = await c.context.newPage();
  return { context: c.context, page, touch: touchscreen(await c.context.newCDPSession(page)) };
}

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
