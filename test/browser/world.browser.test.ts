/**
 * The world graph, the wiki and search in a real browser against a real Folio
 * (sample series, embedded database, production web build): what a reader
 * sees grows with their position and never runs ahead of it. The graph, the
 * chat and the markdown renderer load only when opened.
 * Screenshots: test-results/browser/world-*.png, wiki-*.png, search-*.png.
 */
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { SAMPLE } from '../server.js';
import { freshContext, launchChromium, PHONE, screenshot } from './chromium.js';
import { type Folio, startFolio } from './folio.js';
import { displayed, expectProgress, press, readerToken, waitForPages } from './helpers.js';

const S = 'moth-and-lantern';
/** Entities by debut: 1/1 ada, flit, wickmere · 1/2 great-lantern · 1/3 tobin · 2/2 undercroft · 2/3 dimmers · 3/5 ember-moths. */
const AT_1_2 = ['ada', 'flit', 'wickmere', 'great-lantern'];
const ALL = [...AT_1_2, 'tobin', 'undercroft', 'dimmers', 'ember-moths'];

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

async function newReader(opts: Parameters<typeof freshContext>[1] = {}): Promise<{ context: BrowserContext; page: Page }> {
  const c = await freshContext(browser, opts);
  open.push(c);
  return { context: c.context, page: await c.context.newPage() };
}

/** A reader whose progress is `at`: they read up to there in the browser (episode 1), or confirmed a skip (later). */
async function readerAt(at: { episode: number; page: number }, opts: Parameters<typeof freshContext>[1] = {}): Promise<{ context: BrowserContext; page: Page }> {
  const r = await newReader(opts);
  await r.page.goto(`${folio.url}/read/${S}/1/0`);
  await waitForPages(r.page);
  const token = await readerToken(r.context);
  const res = await folio.api(`/api/series/${S}/progress`, token, { method: 'POST', json: { ...at, confirmSkip: true } });
  expect(res.status).toBe(200);
  return r;
}

/** Slugs of the nodes React Flow draws (hidden ones are not in the DOM). */
const drawnNodes = (page: Page) => page.locator('.react-flow__node').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')).sort());
const graphNodes = async (page: Page) => ((await page.getByTestId('world-graph').getAttribute('data-nodes')) ?? '').split(',').sort();

describe('the world graph', () => {
  it('at an early and a late position: nodes that debut later are absent early; descriptions follow the position', async () => {
    // Early: read pages 1–2 of episode 1 in the reader, then open the world over it.
    const early = await newReader();
    await early.page.goto(`${folio.url}/read/${S}/1/1`);
    await waitForPages(early.page, '1,2');
    await expectProgress(folio, S, early.context, { episode: 1, page: 2 });
    await early.page.getByTestId('open-world').click();
    const overlay = early.page.getByTestId('world-overlay');
    await overlay.getByTestId('world-graph').waitFor();
    expect(await graphNodes(early.page)).toEqual([...AT_1_2].sort());
    // Focus mode first: the characters named on the current pages and their neighbours.
    await expect(overlay.getByTestId('world-focus').getAttribute('aria-pressed')).resolves.toBe('true');
    const focused = await drawnNodes(early.page);
    expect(focused.length).toBeGreaterThan(0);
    expect(focused.every((s) => AT_1_2.includes(s!))).toBe(true);
    await screenshot(early.page, 'world-early-focus');
    await overlay.getByTestId('world-focus').click();
    await expect.poll(() => drawnNodes(early.page)).toEqual([...AT_1_2].sort());
    const text = await overlay.innerText();
    for (const name of ['Tobin', 'Undercroft', 'Dimmers', 'ember moths']) expect(text).not.toContain(name);
    await screenshot(early.page, 'world-early');

    // Late: a reader at 3/5 sees everything, on the world page.
    const late = await readerAt({ episode: 3, page: 5 });
    await late.page.goto(`${folio.url}/series/${S}/world`);
    await late.page.getByTestId('world-graph').waitFor();
    expect(await graphNodes(late.page)).toEqual([...ALL].sort());
    await expect.poll(() => drawnNodes(late.page)).toEqual([...ALL].sort());
    await late.page.locator('.react-flow__node[data-id="tobin"]').click();
    const details = late.page.getByTestId('node-details');
    await expect.poll(() => details.innerText()).toContain("Ada's grandfather.");
    await screenshot(late.page, 'world-late');

    // The same node early (1/3): only what the reader knows then.
    const mid = await readerAt({ episode: 1, page: 3 });
    await mid.page.goto(`${folio.url}/series/${S}/world?node=tobin`);
    const midDetails = mid.page.getByTestId('node-details');
    await expect.poll(() => midDetails.innerText()).toContain('A travelling tinker');
    const midText = await mid.page.locator('main').innerText();
    for (const secret of ['grandfather', 'Orrin', 'Keeper of the Great Lantern']) expect(midText).not.toContain(secret);
    expect(await graphNodes(mid.page)).toEqual([...AT_1_2, 'tobin'].sort());
  });

  it('a node shows its description and asks the companion about it (the chat opens with "Who is Tobin?")', async () => {
    const { context, page } = await newReader();
    await page.goto(`${folio.url}/read/${S}/1/3`);
    await waitForPages(page, '3,4');
    await expectProgress(folio, S, context, { episode: 1, page: 4 });
    await page.getByTestId('open-world').click();
    const overlay = page.getByTestId('world-overlay');
    await overlay.getByTestId('world-graph').waitFor();
    await overlay.locator('.react-flow__node[data-id="tobin"]').click();
    const details = overlay.getByTestId('node-details');
    await expect.poll(() => details.innerText()).toContain('A travelling tinker with a wide hat');
    await expect(details.innerText()).resolves.toContain('ally of');
    await screenshot(page, 'world-node');
    await details.getByTestId('ask-about').click();
    await expect.poll(() => page.getByTestId('world-overlay').count()).toBe(0);
    const chat = page.locator('.chat');
    await chat.waitFor();
    await expect
      .poll(() =>
        chat
          .getByTestId('question')
          .first()
          .innerText()
          .catch(() => ''),
      )
      .toContain('Who is Tobin?');
    await expect.poll(() => chat.getAttribute('data-status'), { timeout: 15_000 }).toBe('ready');
    await expect(chat.getByTestId('answer').last().locator('.answer-body').innerText()).resolves.toContain('Tobin');
    await screenshot(page, 'world-asked');
  });

  it('"Ask" on the world page opens the reader at the reader\'s place with the question asked', async () => {
    const { page } = await readerAt({ episode: 1, page: 4 });
    await page.goto(`${folio.url}/series/${S}/world`);
    await page.getByTestId('world-graph').waitFor();
    await page.locator('.world-list-item[data-slug="flit"]').click();
    await page.getByTestId('ask-about').click();
    // Polling the URL (not waitForURL's navigation events) also names the page it went to instead, if any.
    await expect.poll(() => new URL(page.url()).pathname, { timeout: 30_000 }).toBe(`/read/${S}/1/4`);
    const chat = page.locator('.chat');
    await expect
      .poll(
        () =>
          chat
            .getByTestId('question')
            .first()
            .innerText()
            .catch(() => ''),
        { timeout: 15_000 },
      )
      .toContain('Who is Flit?');
  });

  it('before reading: an empty world that says to start reading', async () => {
    const { page } = await newReader();
    await page.goto(`${folio.url}/series/${S}/world`);
    await page.getByTestId('world-empty').waitFor();
    await expect(page.getByTestId('world-empty').innerText()).resolves.toContain('Start reading');
    await expect(page.locator('.react-flow__node').count()).resolves.toBe(0);
  });

  it('on a phone: the graph above, the details below', async () => {
    const { page } = await readerAt({ episode: 2, page: 4 }, { viewport: PHONE, isMobile: true, hasTouch: true });
    await page.goto(`${folio.url}/read/${S}/2/4`);
    await waitForPages(page, '4');
    await page.getByTestId('open-world').click();
    const overlay = page.getByTestId('world-overlay');
    await overlay.getByTestId('world-graph').waitFor();
    await screenshot(page, 'world-phone');
    await overlay.locator('.world-list-item').first().click();
    await overlay.getByTestId('node-details').waitFor();
    await screenshot(page, 'world-phone-details');
    // Esc closes the overlay and the reader is where it was.
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('world-overlay').count()).toBe(0);
    expect(await displayed(page)).toBe('4');
  });
});

describe('the wiki', () => {
  it('early: only unlocked articles; a section with a later debut is absent; late: it is there', async () => {
    const { page } = await readerAt({ episode: 1, page: 4 });
    await page.goto(`${folio.url}/series/${S}/wiki`);
    const index = page.getByTestId('wiki-index');
    await index.waitFor();
    const slugs = await index.locator('a[data-slug]').evaluateAll((els) => els.map((e) => e.getAttribute('data-slug')).sort());
    expect(slugs).toContain('tobin');
    expect(slugs).toContain('ada');
    expect(slugs).not.toContain('dimmers');
    expect(slugs).not.toContain('undercroft');
    await screenshot(page, 'wiki-index-early');
    await index.locator('a[data-slug="tobin"]').click();
    await page.waitForURL(`**/series/${S}/wiki/tobin`);
    const article = page.getByTestId('wiki-article');
    await article.waitFor();
    const headings = await article.locator('.wiki-section-title').allInnerTexts();
    expect(headings).toContain('Overview');
    expect(headings).toContain("Mending Ada's lantern");
    for (const later of ['Under the town', 'When the Lantern failed', 'True identity', 'Family']) expect(headings).not.toContain(later);
    const text = await page.locator('main').innerText();
    expect(text).not.toContain('Orrin');
    expect(text).not.toContain('grandfather');
    await screenshot(page, 'wiki-article-early');

    // Links between articles: Related (from the world graph) to Ada's article.
    await article.getByRole('navigation', { name: 'Related articles' }).getByRole('link', { name: 'Ada Quill' }).click();
    await page.waitForURL(`**/series/${S}/wiki/ada`);
    await expect.poll(() => page.getByTestId('wiki-article').getAttribute('data-slug')).toBe('ada');

    const late = await readerAt({ episode: 3, page: 5 });
    await late.page.goto(`${folio.url}/series/${S}/wiki/tobin`);
    await late.page.getByTestId('wiki-article').waitFor();
    const lateHeadings = await late.page.locator('.wiki-section-title').allInnerTexts();
    expect(lateHeadings).toEqual(expect.arrayContaining(['Under the town', 'True identity', 'Family']));
    await expect(late.page.locator('main').innerText()).resolves.toContain('Orrin Vale');
    await screenshot(late.page, 'wiki-article-late');
  });

  it('a locked article is "not found", like one that does not exist', async () => {
    const { page } = await readerAt({ episode: 1, page: 4 }, { expectedConsole: /status of 404/ });
    await page.goto(`${folio.url}/series/${S}/wiki/dimmers`);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    expect(await page.locator('main').innerText()).not.toContain('Dimmers');
  });

  it('in the reader: the Wiki tab lists articles and opens them in place', async () => {
    const { context, page } = await newReader();
    await page.goto(`${folio.url}/read/${S}/1/3`);
    await waitForPages(page, '3,4');
    await expectProgress(folio, S, context, { episode: 1, page: 4 });
    await page.getByTestId('toggle-panel').click();
    await page.getByRole('tab', { name: 'Wiki' }).click();
    await page.locator('.wiki-panel a[data-slug="great-lantern"]').click();
    await expect.poll(() => page.locator('.wiki-panel [data-testid=wiki-article]').getAttribute('data-slug')).toBe('great-lantern');
    expect(page.url()).toContain(`/read/${S}/1/3`);
    const text = await page.locator('.wiki-panel').innerText();
    expect(text).toContain('The Great Lantern');
    expect(text).not.toContain('went out');
    await screenshot(page, 'wiki-panel');
    await page.getByTestId('wiki-back').click();
    await page.locator('.wiki-panel [data-testid=wiki-index]').waitFor();
  });
});

describe('search', () => {
  it('on the series page: highlighted snippets of what was read; a result opens its page', async () => {
    const { page } = await readerAt({ episode: 1, page: 4 });
    await page.goto(`${folio.url}/series/${S}`);
    const input = page.getByTestId('search-input');
    await input.fill('lantern');
    const results = page.getByTestId('search-results');
    await results.locator('.search-result').first().waitFor();
    expect(await results.locator('mark').count()).toBeGreaterThan(0);
    for (const m of await results.locator('mark').allInnerTexts()) expect(m.toLowerCase()).toMatch(/^lantern/);
    const text = await results.innerText();
    for (const later of ['Orrin', 'Dimmers', 'Undercroft', 'grandfather']) expect(text).not.toContain(later);
    // Every page result is at or before 1/4.
    for (const href of await results.locator('a.search-link').evaluateAll((els) => els.map((e) => e.getAttribute('href')))) {
      const m = /^\/read\/moth-and-lantern\/(\d+)\/(\d+)$/.exec(href ?? '');
      if (m) expect(Number(m[1]) === 1 && Number(m[2]) <= 4, String(href)).toBe(true);
      else expect(href).toMatch(/^\/series\/moth-and-lantern\/wiki\/[a-z0-9-]+$/);
    }
    await screenshot(page, 'search-series');
    const first = results.locator('.search-result[data-kind="page"] a').first();
    const href = (await first.getAttribute('href'))!;
    await first.click();
    await page.waitForURL(`**${href}`);
    await waitForPages(page);
    expect((await displayed(page))!.split(',')).toContain(href.split('/').pop());

    // A word only later pages have finds nothing (and says so).
    await page.goto(`${folio.url}/series/${S}`);
    await page.getByTestId('search-input').fill('Orrin');
    await expect.poll(() => page.getByTestId('search-results').innerText()).toContain('Nothing you have read matches');
  });

  it('in the reader: a result turns the book to its page, a wiki result opens the Wiki tab', async () => {
    const { context, page } = await newReader();
    await page.goto(`${folio.url}/read/${S}/1/1`);
    await waitForPages(page, '1,2');
    await press(page, 'ArrowRight', '3,4');
    await expectProgress(folio, S, context, { episode: 1, page: 4 });
    await page.getByTestId('toggle-panel').click();
    await page.getByRole('tab', { name: 'Search' }).click();
    await page.getByTestId('search-input').fill('forty-one lamps');
    const results = page.getByTestId('search-results');
    const pageResult = results.locator('.search-result[data-kind="page"] a[href$="/1/1"]').first();
    await pageResult.waitFor();
    await screenshot(page, 'search-panel');
    await pageResult.click();
    await expect.poll(() => displayed(page)).toBe('1,2');
    await page.getByTestId('search-input').fill('tinker');
    const wikiResult = results.locator('.search-result[data-kind="wiki"] a').first();
    await wikiResult.waitFor();
    await wikiResult.click();
    await expect.poll(() => page.locator('.side-panel').getAttribute('data-panel')).toBe('wiki');
    await page.locator('.wiki-panel [data-testid=wiki-article]').waitFor();
  });
});

describe('loading on demand', () => {
  it('the library and the reader load no graph, chat or markdown code until those are opened', async () => {
    const { page } = await newReader();
    const scripts: string[] = [];
    const bodies: Array<Promise<string>> = [];
    page.on('response', (r: Response) => {
      if (r.url().includes('/assets/') && r.url().endsWith('.js')) {
        scripts.push(r.url());
        bodies.push(r.text().catch(() => ''));
      }
    });
    const loaded = async () => (await Promise.all(bodies)).join('\n');
    await page.goto(`${folio.url}/`);
    await page.locator('.series-card').first().waitFor();
    await page.goto(`${folio.url}/read/${S}/1/1`);
    await waitForPages(page, '1,2');
    let code = await loaded();
    expect(code).not.toContain('react-flow__node');
    expect(code).not.toContain('The response body is empty.');
    expect(code).not.toContain('syntax-tree/hast-util-to-jsx-runtime');
    await page.getByTestId('toggle-chat').click();
    await page.locator('.chat').waitFor();
    code = await loaded();
    expect(code).toContain('The response body is empty.');
    expect(code).not.toContain('react-flow__node');
    await page.getByTestId('open-world').click();
    await page.getByTestId('world-overlay').waitFor();
    await expect.poll(async () => (await loaded()).includes('react-flow__node')).toBe(true);
  });
});
