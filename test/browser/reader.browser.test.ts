/**
 * The web reader end to end: real Chromium, the real Folio app on a loopback
 * port with an embedded database, the bundled sample series and two tiny packs
 * (right-to-left, and vertical), and the production web build. Every test uses
 * a fresh browser context (a new reader) and fails on any console error, page
 * error or CSP violation. Screenshots: test-results/browser/.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { writeTinyPack } from '../packs.js';
import { SAMPLE } from '../server.js';
import { freshContext, launchChromium, PHONE, screenshot } from './chromium.js';
import { type Folio, startFolio } from './folio.js';
import { displayed, expectProgress, press, progressOf, readerToken, stripImages, waitForPages } from './helpers.js';

const S = 'moth-and-lantern';
let folio: Folio;
let browser: Browser;
let open: Array<{ context: BrowserContext; problems: string[] }> = [];

async function tinyPack(id: string, extra: Record<string, unknown>): Promise<string> {
  const dir = await writeTinyPack({ id, title: `Tiny ${id}`, episodes: 2, pagesPerEpisode: 4 });
  const file = join(dir, 'series.yaml');
  await writeFile(file, stringify({ ...(parse(await readFile(file, 'utf8')) as object), ...extra }));
  return dir;
}

beforeAll(async () => {
  const packs = [SAMPLE, await tinyPack('tiny-rtl', { reading_direction: 'rtl' }), await tinyPack('tiny-vertical', { layout: 'vertical' })];
  [folio, browser] = await Promise.all([startFolio({ webDir: inject('webBuilds').sameOrigin, packs }), launchChromium()]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await folio?.close();
});

/** A new browser context = a new reader. */
async function newReader(opts: Parameters<typeof freshContext>[1] = {}): Promise<{ context: BrowserContext; page: Page }> {
  const c = await freshContext(browser, opts);
  open.push(c);
  return { context: c.context, page: await c.context.newPage() };
}

afterEach(async () => {
  for (const c of open) {
    await c.context.close();
    expect(c.problems, 'console errors, page errors or CSP violations').toEqual([]);
  }
  open = [];
});

describe('reading the sample series', () => {
  it('library → series → reader; keyboard flips advance progress (checked in the API); the strip shows only reached pages; reload resumes', async () => {
    const { context, page } = await newReader();
    await page.goto(`${folio.url}/`);
    const card = page.locator('.series-card', { hasText: 'Moth and Lantern' });
    await card.locator('[data-testid=series-progress]', { hasText: 'Not started' }).waitFor();
    await expect(card.locator('[data-testid=credit]').textContent()).resolves.toContain('Moth and Lantern by the Folio contributors');
    await screenshot(page, 'library-new-reader');

    await card.getByRole('link', { name: 'Episodes', exact: true }).click();
    await page.waitForURL(`**/series/${S}`);
    await page.locator('.episode').first().waitFor();
    // Episode 1 is next: title and cover. 2 and 3 are past it: neutral titles, blurhash placeholders, no image at all.
    await expect(page.locator('.episode[data-episode="1"] .episode-title').textContent()).resolves.toBe('The Last Lamp on Tallow Street');
    await expect(page.locator('.episode[data-episode="1"] img').count()).resolves.toBe(1);
    for (const n of [2, 3]) {
      const ep = page.locator(`.episode[data-episode="${n}"]`);
      await expect(ep.getAttribute('data-state')).resolves.toBe('unread');
      await expect(ep.locator('.episode-title').textContent()).resolves.toBe(`Episode ${n}`);
      await expect(ep.locator('canvas[data-placeholder]').count()).resolves.toBe(1);
      await expect(ep.locator('img').count()).resolves.toBe(0);
    }
    const text = await page.locator('main').innerText();
    expect(text).not.toContain('Beneath the Grate');
    expect(text).not.toContain("The Keeper's Light");
    await screenshot(page, 'series-new-reader');

    await page.locator('.episode[data-episode="1"] a').click();
    await page.waitForURL(`**/read/${S}/1/0`);
    await waitForPages(page, '0');
    await expectProgress(folio, S, context, { episode: 1, page: 0 });

    // Wide viewport: a spread. Forward twice: [1,2], then [3,4]; progress is the rightmost page.
    await press(page, 'ArrowRight', '1,2');
    await press(page, 'ArrowRight', '3,4');
    await expectProgress(folio, S, context, { episode: 1, page: 4 });
    expect(page.url()).toMatch(new RegExp(`/read/${S}/1/3$`));
    // Back does not lower progress.
    await press(page, 'ArrowLeft', '1,2');
    await press(page, 'ArrowRight', '3,4');

    // The strip: thumbnails for pages 0–4 (once the API has the new position), placeholders for 5 and 6.
    await expect.poll(() => stripImages(page), { timeout: 10_000 }).toEqual({ 0: true, 1: true, 2: true, 3: true, 4: true, 5: false, 6: false });
    const unreachedThumb = page.locator('.strip-button[data-page="5"]');
    await expect(unreachedThumb.getAttribute('data-reached')).resolves.toBe('false');
    await expect(unreachedThumb.locator('canvas[data-placeholder]').count()).resolves.toBe(1);
    await screenshot(page, 'reader-spread-1-3');

    await page.reload();
    await waitForPages(page, '3,4');
    await expectProgress(folio, S, context, { episode: 1, page: 4 });

    await page.goto(`${folio.url}/`);
    await card.locator('[data-testid=series-progress]', { hasText: 'Episode 1 of 3, page 4' }).waitFor();
    await card.getByTestId('continue').click();
    await page.waitForURL(`**/read/${S}/1/4`);
    await waitForPages(page, '3,4');
  });

  it('a second tab and another browser with the same reader token resume at the same place', async () => {
    const { context, page } = await newReader();
    await page.goto(`${folio.url}/read/${S}/1/0`);
    await waitForPages(page, '0');
    await press(page, 'End', '5,6');
    await expectProgress(folio, S, context, { episode: 1, page: 6 });

    const tab = await context.newPage();
    await tab.goto(`${folio.url}/`);
    await tab.getByTestId('continue').click();
    await tab.waitForURL(`**/read/${S}/1/6`);
    await waitForPages(tab, '5,6');

    const other = await newReader();
    await other.context.addCookies([{ name: 'folio_reader', value: await readerToken(context), url: folio.url }]);
    await other.page.goto(`${folio.url}/series/${S}`);
    await other.page.locator('[data-testid=series-progress]', { hasText: 'Episode 1 of 3, page 6' }).waitFor();
    // Episode 1 is finished: episode 2 is next and revealed now, 3 still hidden.
    await expect(other.page.locator('.episode[data-episode="1"]').getAttribute('data-state')).resolves.toBe('read');
    await expect(other.page.locator('.episode[data-episode="2"] .episode-title').textContent()).resolves.toBe('Beneath the Grate');
    await expect(other.page.locator('.episode[data-episode="3"] .episode-title').textContent()).resolves.toBe('Episode 3');
    await other.page.getByTestId('continue').click();
    await waitForPages(other.page, '5,6');
  });

  it('turning past the last page opens the next episode; Home, End and Esc', async () => {
    const { context, page } = await newReader();
    await page.goto(`${folio.url}/read/${S}/1/0`);
    await waitForPages(page, '0');
    await press(page, 'End', '5,6');
    await page.keyboard.press('ArrowRight');
    await page.waitForURL(`**/read/${S}/2/0`);
    await waitForPages(page, '0');
    await expectProgress(folio, S, context, { episode: 2, page: 0 });
    await press(page, 'End', '5,6');
    await press(page, 'Home', '0');
    // Back from the first page: the end of the previous episode.
    await page.keyboard.press('ArrowLeft');
    await page.waitForURL(`**/read/${S}/1/5`);
    await waitForPages(page, '5,6');
    await page.keyboard.press('Escape');
    await page.waitForURL(`**/series/${S}`);
  });

  it('skip-ahead: "just peek" changes no progress, "start from the beginning" goes to episode 1, "yes" moves progress', async () => {
    const { context, page } = await newReader();
    await page.goto(`${folio.url}/`);
    // A reader without any progress yet (so "no progress change" below is checkable): a browser that has a
    // reader keeps it (POST /api/readers answers 409), so this one forgets its reader first.
    await context.clearCookies();
    expect(await page.evaluate("fetch('/api/readers', { method: 'POST' }).then((r) => r.status)")).toBe(201);
    const token = await readerToken(context);
    await page.goto(`${folio.url}/read/${S}/3/0`);
    const dialog = page.getByRole('dialog', { name: 'Have you read episodes 1–2?' });
    await dialog.waitFor();
    await screenshot(page, 'skip-ahead-dialog');

    await dialog.getByTestId('skip-peek').click();
    await waitForPages(page, '0');
    await page.locator('.peek-banner').waitFor();
    // The peek is this tab's choice, not part of the address: a copied link asks again.
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe(`/read/${S}/3/0`);
    await press(page, 'ArrowRight', '1,2');
    await screenshot(page, 'skip-ahead-peeking');
    // Longer than the progress debounce: peeking wrote nothing.
    await page.waitForTimeout(1_500);
    expect(await readerToken(context)).toBe(token);
    expect(await progressOf(folio, S, token)).toEqual({ episode: null, page: null });

    // A crafted link that says "peek" opens the question, not the pages, and loses the parameter.
    await page.goto(`${folio.url}/read/${S}/3/0?peek=true`);
    await dialog.waitFor();
    expect(await page.locator('.peek-banner').count()).toBe(0);
    expect(new URL(page.url()).search).toBe('');

    await page.goto(`${folio.url}/read/${S}/3/0`);
    await dialog.waitFor();
    await dialog.getByTestId('skip-back').click();
    await page.waitForURL(`**/read/${S}/1/0`);
    await waitForPages(page, '0');
    await expectProgress(folio, S, context, { episode: 1, page: 0 });

    await page.goto(`${folio.url}/read/${S}/3/2`);
    await dialog.waitFor();
    await dialog.getByTestId('skip-yes').click();
    await waitForPages(page, '1,2');
    await expectProgress(folio, S, context, { episode: 3, page: 2 });
    await expect(page.locator('.reader-title h1').textContent()).resolves.toBe("Episode 3: The Keeper's Light");
  });

  it('reset progress asks first, then moves the place back', async () => {
    const { context, page } = await newReader();
    await page.goto(`${folio.url}/read/${S}/1/0`);
    await waitForPages(page, '0');
    await press(page, 'End', '5,6');
    await expectProgress(folio, S, context, { episode: 1, page: 6 });
    await page.goto(`${folio.url}/series/${S}`);
    await page.getByTestId('reset-progress').click();
    const dialog = page.getByRole('dialog', { name: 'Reset your progress?' });
    await dialog.waitFor();
    await screenshot(page, 'reset-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(progressOf(folio, S, await readerToken(context))).resolves.toEqual({ episode: 1, page: 6 });

    await page.getByTestId('reset-progress').click();
    await dialog.getByTestId('confirm-reset').click();
    await page.locator('[data-testid=series-progress]', { hasText: 'Episode 1 of 3, page 0' }).waitFor();
    await expect(progressOf(folio, S, await readerToken(context))).resolves.toEqual({ episode: 1, page: 0 });
    await expect(page.locator('.episode[data-episode="1"]').getAttribute('data-state')).resolves.toBe('current');
    await expect(page.locator('.episode[data-episode="3"] .episode-title').textContent()).resolves.toBe('Episode 3');
  });
});

describe('layouts and input', () => {
  it('spread on a wide viewport, single on a phone; the switch overrides both', async () => {
    const wide = await newReader();
    await wide.page.goto(`${folio.url}/read/${S}/1/1`);
    await waitForPages(wide.page, '1,2');
    await expect(wide.page.locator('.reader').getAttribute('data-mode')).resolves.toBe('spread');
    await wide.page.getByTestId('mode-single').click();
    await expect.poll(() => wide.page.locator('.reader').getAttribute('data-mode')).toBe('single');
    await waitForPages(wide.page, '2');
    await screenshot(wide.page, 'wide-single');

    const phone = await newReader({ viewport: PHONE, isMobile: true, hasTouch: true });
    await phone.page.goto(`${folio.url}/read/${S}/1/1`);
    await waitForPages(phone.page, '1');
    await expect(phone.page.locator('.reader').getAttribute('data-mode')).resolves.toBe('single');
    await screenshot(phone.page, 'phone-single');
    await phone.page.getByTestId('mode-spread').click();
    await waitForPages(phone.page, '1,2');
    await screenshot(phone.page, 'phone-spread');
    await phone.page.getByTestId('mode-auto').click();
    await waitForPages(phone.page, '2');

    // Nothing on the phone page is wider than the viewport.
    const overflow = await phone.page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBe(0);
    for (const path of ['/', `/series/${S}`]) {
      await phone.page.goto(folio.url + path);
      await phone.page.locator('.series-card, .episode').first().waitFor();
      // Left within a second of opening: the first displayed page was still stored (it is written at once).
      await phone.page.locator('[data-testid=series-progress]', { hasText: 'Episode 1 of 3, page' }).first().waitFor();
      expect(await phone.page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBe(0);
      await screenshot(phone.page, `phone${path === '/' ? '-library' : '-series'}`);
    }
  });

  it('touch: a swipe and the click zones turn pages', async () => {
    const { page } = await newReader({ viewport: PHONE, isMobile: true, hasTouch: true });
    await page.goto(`${folio.url}/read/${S}/1/1`);
    await waitForPages(page, '1');
    const cdp = await page.context().newCDPSession(page);
    const touch = async (type: 'touchStart' | 'touchMove' | 'touchEnd', x: number, y: number) =>
      cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y }] });
    // Finger from right to left across the page: forward.
    await touch('touchStart', 300, 400);
    for (const x of [260, 200, 140, 90]) await touch('touchMove', x, 405);
    await touch('touchEnd', 90, 405);
    await expect.poll(() => displayed(page)).toBe('2');
    await page.locator('.zone--right').click();
    await expect.poll(() => displayed(page)).toBe('3');
    await page.locator('.zone--left').click();
    await expect.poll(() => displayed(page)).toBe('2');
  });

  it('prefers-reduced-motion: pages turn without the flip animation', async () => {
    /** Turn one page; did page-flip draw a turning page (clip-path on a page) on the way? */
    const turnAnimated = async (page: Page, expected: string): Promise<boolean> => {
      await page.evaluate(`(() => {
        window.__turning = false;
        new MutationObserver((ms) => {
          if (ms.some((m) => (m.target.getAttribute('style') || '').includes('clip-path'))) window.__turning = true;
        }).observe(document.querySelector('.stf__block'), { attributes: true, subtree: true, attributeFilter: ['style'] });
      })()`);
      await page.keyboard.press('ArrowRight');
      await expect.poll(() => displayed(page)).toBe(expected);
      return (await page.evaluate('window.__turning')) as boolean;
    };
    const still = await newReader({ viewport: PHONE, reducedMotion: 'reduce' });
    await still.page.goto(`${folio.url}/read/${S}/1/1`);
    await waitForPages(still.page, '1');
    expect(await turnAnimated(still.page, '2')).toBe(false);

    const moving = await newReader({ viewport: PHONE, reducedMotion: 'no-preference' });
    await moving.page.goto(`${folio.url}/read/${S}/1/1`);
    await waitForPages(moving.page, '1');
    expect(await turnAnimated(moving.page, '2')).toBe(true);
  });

  it('right-to-left series: ← turns forward, → back; progress follows reading order', async () => {
    const { context, page } = await newReader();
    await page.goto(`${folio.url}/read/tiny-rtl/1/1`);
    await waitForPages(page, '1');
    await expect(page.locator('.reader').getAttribute('data-direction')).resolves.toBe('rtl');
    await press(page, 'ArrowLeft', '2,3');
    await expectProgress(folio, 'tiny-rtl', context, { episode: 1, page: 3 });
    // Page 2 is on the right of page 3.
    const x2 = await page.locator('.flip-page[data-page="2"]').boundingBox();
    const x3 = await page.locator('.flip-page[data-page="3"]').boundingBox();
    expect(x2!.x).toBeGreaterThan(x3!.x);
    await press(page, 'ArrowRight', '1');
    await page.locator('.zone--left').click();
    await expect.poll(() => displayed(page)).toBe('2,3');
    await screenshot(page, 'rtl-spread');
  });

  it('vertical (webtoon) series: one column, scrolling advances progress', async () => {
    const { context, page } = await newReader({ viewport: { width: 800, height: 600 } });
    await page.goto(`${folio.url}/read/tiny-vertical/1/1`);
    await waitForPages(page);
    await expect(page.locator('.reader').getAttribute('data-mode')).resolves.toBe('vertical');
    await expect(page.locator('.vertical-page img').count()).resolves.toBe(4);
    await page.locator('.vertical-page[data-page="4"]').scrollIntoViewIfNeeded();
    await expect.poll(() => displayed(page)).toContain('4');
    await expectProgress(folio, 'tiny-vertical', context, { episode: 1, page: 4 });
    await screenshot(page, 'vertical');
  });
});

describe('quality', () => {
  it('images carry alt text and their size; the credit line is always visible; the panel shows reached page text', async () => {
    const { context, page } = await newReader();
    await page.goto(`${folio.url}/read/${S}/1/1`);
    await waitForPages(page, '1,2');
    const img = page.locator('.flip-page[data-page="1"] img');
    // The description (alt text) arrives once the page is part of the reader's progress; before that, "Page 1".
    await expect.poll(() => img.getAttribute('alt'), { timeout: 10_000 }).toMatch(/^Dusk on a canal street/);
    await expect(page.locator('.flip-page[data-page="3"] img').getAttribute('alt')).resolves.toBe('Page 3');
    await expect(img.getAttribute('width')).resolves.toBe('800');
    await expect(img.getAttribute('height')).resolves.toBe('1130');
    const credit = page.locator('.reader-credit [data-testid=credit]');
    expect(await credit.isVisible()).toBe(true);
    await expect(credit.textContent()).resolves.toContain('MIT');

    await expectProgress(folio, S, context, { episode: 1, page: 2 });
    await page.getByTestId('toggle-panel').click();
    await page.getByRole('tab', { name: 'Page text' }).click();
    await expect.poll(() => page.locator('.page-text').innerText(), { timeout: 10_000 }).toContain('Forty-one lamps on Tallow Street');
    await screenshot(page, 'reader-panel');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('.side-panel').count()).toBe(0);
  });

  it('keyboard focus is visible and reaches the page controls', async () => {
    const { page } = await newReader();
    await page.goto(`${folio.url}/read/${S}/1/1`);
    await waitForPages(page, '1,2');
    let reached = false;
    for (let i = 0; i < 15 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = (await page.evaluate('document.activeElement && document.activeElement.classList.contains("zone")')) as boolean;
    }
    expect(reached).toBe(true);
    const outline = (await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')) as string;
    expect(outline).not.toBe('none');
    await page.keyboard.press('Enter');
    await expect.poll(() => displayed(page)).toMatch(/^(0|3,4)$/);
    await screenshot(page, 'focus-visible');
  });

  it('a slow API shows skeletons; a down API shows a clear message and Try again works', async () => {
    const { page } = await newReader();
    await page.route('**/api/series', async (route) => {
      await new Promise((r) => setTimeout(r, 1_500));
      await route.continue();
    });
    await page.goto(`${folio.url}/`);
    await page.locator('.skeleton').first().waitFor({ timeout: 1_400 });
    await screenshot(page, 'library-slow');
    await page.locator('.series-card h2').first().waitFor();
    await page.unrouteAll({ behavior: 'wait' });

    await page.route('**/api/**', (route) => route.abort('connectionrefused'));
    await page.goto(`${folio.url}/series/${S}`);
    const alert = page.getByRole('alert');
    await alert.getByRole('heading', { name: 'Folio is offline' }).waitFor();
    await screenshot(page, 'series-api-down');
    await page.unrouteAll({ behavior: 'wait' });
    await alert.getByRole('button', { name: 'Try again' }).click();
    await page.locator('.episode').first().waitFor();
  });

  it('an unknown reader cookie: the app gets a new reader and goes on', async () => {
    const { context, page } = await newReader();
    await context.addCookies([{ name: 'folio_reader', value: 'A'.repeat(43), url: folio.url }]);
    const created: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/readers')) created.push(r.method());
    });
    await page.goto(`${folio.url}/`);
    await page.locator('.series-card h2').first().waitFor();
    expect(created).toEqual(['POST']);
    expect(await readerToken(context)).not.toBe('A'.repeat(43));
  });

  it('deep links are served by the server; unknown paths stay 404', async () => {
    const { page } = await newReader();
    const res = await page.goto(`${folio.url}/series/${S}/world`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByRole('heading', { name: 'World graph' }).waitFor();
    const missing = await fetch(`${folio.url}/nothing-here`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found:route');
  });
});
