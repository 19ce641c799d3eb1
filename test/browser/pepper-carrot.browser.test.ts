/**
 * The real corpus: Pepper&Carrot (23 episodes, CC BY 4.0), imported by path
 * from ../shared/data/pepper-carrot (never copied). Reading episode 1 to its
 * blank last page and on into episode 2, the per-episode credit line, and the
 * skip-ahead question deep in the series. Then the world graph, the wiki,
 * search and the companion (quote mode) on it, early and late in the series.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { PEPPER_CARROT } from '../server.js';
import { freshContext, launchChromium, PHONE, screenshot } from './chromium.js';
import { type Folio, startFolio } from './folio.js';
import { expectProgress, press, readerToken, waitForPages } from './helpers.js';

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

describe('the world, wiki, search and companion on Pepper&Carrot', () => {
  type Entity = { slug: string; episode_debut: number; page_debut: number; image_url: string | null };
  let entities: Entity[];
  beforeAll(async () => {
    entities = (parse(await readFile(join(PEPPER_CARROT, 'world', 'entities.yaml'), 'utf8')) as { entities: Entity[] }).entities;
  });
  /** The pack's own answer (not the API's): entities whose debut is at or before the position. */
  const debutedBy = (episode: number, page: number) =>
    entities
      .filter((e) => e.episode_debut < episode || (e.episode_debut === episode && e.page_debut <= page))
      .map((e) => e.slug)
      .sort();

  async function readerAt(episode: number, page: number): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const { context, problems } = await freshContext(browser);
    const p = await context.newPage();
    await p.goto(`${folio.url}/read/${S}/1/0`);
    await waitForPages(p);
    const r = await folio.api(`/api/series/${S}/progress`, await readerToken(context), { method: 'POST', json: { episode, page, confirmSkip: true } });
    expect(r.status).toBe(200);
    return { context, page: p, problems };
  }
  const graphNodes = async (page: Page) => ((await page.getByTestId('world-graph').getAttribute('data-nodes')) ?? '').split(',').sort();

  it('the world graph early (2/1) and late (23/8): later entities are absent early; avatars where the pack has images', async () => {
    const early = await readerAt(2, 1);
    await early.page.goto(`${folio.url}/series/${S}/world`);
    await early.page.getByTestId('world-graph').waitFor();
    const earlyNodes = await graphNodes(early.page);
    expect(earlyNodes).toEqual(debutedBy(2, 1));
    expect(earlyNodes).not.toContain('thyme');
    // Pepper has an image in the pack; Carrot does not (a drawn fallback with his initial).
    await expect(early.page.locator('.react-flow__node[data-id="pepper"] img.entity-avatar').count()).resolves.toBe(1);
    await expect(early.page.locator('.react-flow__node[data-id="carrot"] .entity-avatar--fallback').innerText()).resolves.toBe('C');
    await screenshot(early.page, 'pc-world-early');

    const late = await readerAt(23, 8);
    await late.page.goto(`${folio.url}/series/${S}/world`);
    await late.page.getByTestId('world-graph').waitFor();
    const lateNodes = await graphNodes(late.page);
    expect(lateNodes).toEqual(debutedBy(23, 8));
    expect(lateNodes.length).toBeGreaterThan(earlyNodes.length);
    expect(lateNodes).not.toContain('torreya');
    await screenshot(late.page, 'pc-world-late');
    for (const r of [early, late]) {
      await r.context.close();
      expect(r.problems).toEqual([]);
    }
  });

  it('wiki and search early: only what was reached; pack images and other sites are links, never loaded', async () => {
    const r = await readerAt(2, 1);
    const { page } = r;
    await page.goto(`${folio.url}/series/${S}/wiki`);
    await page.getByTestId('wiki-index').waitFor();
    const slugs = await page
      .getByTestId('wiki-index')
      .locator('a[data-slug]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-slug')));
    expect(slugs).toContain('pepper');
    expect(slugs).not.toContain('thyme');
    expect(slugs).not.toContain('characters');
    await page.goto(`${folio.url}/series/${S}`);
    await page.getByTestId('search-input').fill('potion');
    const results = page.getByTestId('search-results');
    await results.locator('.search-result').first().waitFor();
    for (const href of await results.locator('a.search-link').evaluateAll((els) => els.map((e) => e.getAttribute('href')))) {
      const m = /^\/read\/pepper-carrot\/(\d+)\/(\d+)$/.exec(href ?? '');
      if (m) expect(Number(m[1]) < 2 || (Number(m[1]) === 2 && Number(m[2]) <= 1), String(href)).toBe(true);
    }
    await screenshot(page, 'pc-search-early');

    // At the end of the corpus the upstream articles open; their images are links, not requests to another site.
    const late = await readerAt(23, 8);
    const offsite: string[] = [];
    late.page.on('request', (req) => {
      if (!req.url().startsWith(folio.url)) offsite.push(req.url());
    });
    await late.page.goto(`${folio.url}/series/${S}/wiki/characters`);
    const article = late.page.getByTestId('wiki-article');
    await article.waitFor();
    await expect(article.locator('img').count()).resolves.toBe(0);
    const external = article.locator('a.md-external');
    expect(await external.count()).toBeGreaterThan(0);
    await expect(external.first().getAttribute('rel')).resolves.toContain('noopener');
    expect(offsite).toEqual([]);
    await screenshot(late.page, 'pc-wiki-late');
    for (const x of [r, late]) {
      await x.context.close();
      expect(x.problems).toEqual([]);
    }
  });

  it('the companion (quote mode) on episode 1: quotes with their pages, nothing past the position', async () => {
    const { context, problems } = await freshContext(browser);
    const page = await context.newPage();
    await page.goto(`${folio.url}/read/${S}/1/1`);
    await waitForPages(page, '1,2');
    await expectProgress(folio, S, context, { episode: 1, page: 2 });
    await page.getByTestId('toggle-chat').click();
    await page.getByLabel('Your question').fill('What is Pepper brewing?');
    await page.getByLabel('Your question').press('Enter');
    const chat = page.locator('.chat');
    await expect.poll(() => chat.getAttribute('data-status'), { timeout: 20_000 }).toBe('ready');
    const answer = chat.getByTestId('answer').last();
    await answer.getByTestId('quote-label').waitFor();
    for (const href of await answer.locator('a').evaluateAll((els) => els.map((e) => e.getAttribute('href')))) {
      const m = /^\/read\/pepper-carrot\/(\d+)\/(\d+)$/.exec(href ?? '');
      if (m) expect(Number(m[1]) === 1 && Number(m[2]) <= 2, String(href)).toBe(true);
    }
    const text = await chat.innerText();
    for (const later of ['Coriander', 'Saffron', 'Thyme', 'Torreya', 'Qualicity']) expect(text).not.toContain(later);
    await screenshot(page, 'pc-chat');
    await context.close();
    expect(problems).toEqual([]);
  });
});
