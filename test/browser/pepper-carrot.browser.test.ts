/**
 * The real corpus: Pepper&Carrot (23 episodes, CC BY 4.0), imported by path
 * from ../shared/data/pepper-carrot (never copied). Reading episode 1 to its
 * blank last page and on into episode 2, the per-episode credit line, and the
 * skip-ahead question deep in the series.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { PEPPER_CARROT } from '../server.js';
import { freshContext, launchChromium, PHONE, screenshot } from './chromium.js';
import { startFolio, type Folio } from './folio.js';
import { expectProgress, press, waitForPages } from './helpers.js';

const S = 'pepper-carrot';
let folio: Folio;
let browser: Browser;

beforeAll(async () => {
  [folio, browser] = await Promise.all([startFolio({ webDir: inject('webBuilds').sameOrigin, packs: [PEPPER_CARROT] }), launchChromium()]);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await folio?.close();
});

it('library, series, and episode 1 into episode 2, with the CC BY credit always on screen', async () => {
  const { context, problems } = await freshContext(browser);
  const page = await context.newPage();
  await page.goto(`${folio.url}/`);
  const card = page.locator('.series-card', { hasText: 'Pepper&Carrot' });
  await card.waitFor();
  await expect(card.locator('[data-testid=series-progress]').textContent()).resolves.toBe('Not started');
  const license = card.getByRole('link', { name: 'CC BY 4.0' });
  await expect(license.getAttribute('href')).resolves.toBe('https://creativecommons.org/licenses/by/4.0/');
  await screenshot(page, 'pc-library');

  await page.goto(`${folio.url}/series/${S}`);
  await expect.poll(() => page.locator('.episode').count()).toBe(23);
  await expect(page.locator('.episode[data-episode="1"] .episode-title').textContent()).resolves.toBe('The Potion of Flight');
  await expect(page.locator('.episode[data-state="unread"] img').count()).resolves.toBe(0);
  await expect(page.locator('.episode[data-state="unread"] canvas[data-placeholder]').count()).resolves.toBe(22);
  expect(await page.locator('main').innerText()).not.toContain('Rainbow potions');
  await screenshot(page, 'pc-series');

  await page.locator('.episode[data-episode="1"] a').click();
  await waitForPages(page, '0');
  const credit = page.locator('.reader-credit [data-testid=credit]');
  await expect(credit.textContent()).resolves.toContain('Pepper&Carrot by David Revoy, https://www.peppercarrot.com - English translation: David Revoy');
  await expect(credit.getByRole('link', { name: 'CC BY 4.0' }).isVisible()).resolves.toBe(true);
  await press(page, 'ArrowRight', '1,2');
  await screenshot(page, 'pc-reader-spread');
  // Pages 3 and 4; 4 is the blank page (no image), shown as an empty page.
  await press(page, 'ArrowRight', '3,4');
  await expect(page.locator('.flip-page[data-page="4"]').getAttribute('aria-label')).resolves.toBe('Page 4 (blank)');
  await expectProgress(folio, S, context, { episode: 1, page: 4 });
  await page.keyboard.press('ArrowRight');
  await page.waitForURL(`**/read/${S}/2/0`);
  await waitForPages(page, '0');
  await expectProgress(folio, S, context, { episode: 2, page: 0 });
  await expect(page.locator('.reader-title h1').textContent()).resolves.toBe('Episode 2: Rainbow potions');
  await context.close();
  expect(problems).toEqual([]);
});

it('deep in the series: the skip-ahead question, then a peek on a phone', async () => {
  const { context, problems } = await freshContext(browser, { viewport: PHONE, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await page.goto(`${folio.url}/read/${S}/1/1`);
  await waitForPages(page, '1');
  await expectProgress(folio, S, context, { episode: 1, page: 1 });
  await page.goto(`${folio.url}/read/${S}/6/1`);
  const dialog = page.getByRole('dialog', { name: 'Have you read episodes 1–5?' });
  await dialog.waitFor();
  await expect(dialog.textContent()).resolves.not.toContain('The Potion Contest');
  await dialog.getByTestId('skip-peek').click();
  await waitForPages(page, '1');
  await expect(page.locator('.reader-title h1').textContent()).resolves.toBe('Episode 6');
  await screenshot(page, 'pc-phone-peek');
  await page.waitForTimeout(1_200);
  await expectProgress(folio, S, context, { episode: 1, page: 1 });
  await context.close();
  expect(problems).toEqual([]);
});
