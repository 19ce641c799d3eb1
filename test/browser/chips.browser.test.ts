/**
 * Quote mode and its suggestion chips in the reader (issue 16): real Chromium, the real Folio app with the bundled
 * sample, no model configured. A question asked in the companion panel is answered with quotes that cite reached
 * pages; the chips are questions a reader would ask (no page numbers), and a click on one asks it.
 * Screenshot: test-results/browser/chips-quote-mode.png.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SAMPLE } from '../server.js';
import { freshContext, launchChromium, screenshot } from './chromium.js';
import { type Folio, startFolio } from './folio.js';
import { expectProgress, press, waitForPages } from './helpers.js';

const S = 'moth-and-lantern';
/** Names that only come later in the sample. */
const LATER = ['Orrin', 'Undercroft', 'Dimmers', 'Mother Soot'];

let folio: Folio;
let browser: Browser;

beforeAll(async () => {
  [folio, browser] = await Promise.all([startFolio({ webDir: inject('webBuilds').sameOrigin, packs: [SAMPLE] }), launchChromium()]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await folio?.close();
});

const answers = (page: Page) => page.getByTestId('answer');
const settled = (page: Page) => expect.poll(() => page.locator('.chat').getAttribute('data-status'), { timeout: 20_000 }).toMatch(/^(ready|error)$/);

/** Every citation of an answer opens a page of episode 1 at or before page 4 (the reader's progress). */
async function citedPages(answer: ReturnType<typeof answers>): Promise<number[]> {
  const hrefs = await answer.locator('a.cite').evaluateAll((els) => els.map((e) => e.getAttribute('href')));
  return hrefs.map((href) => {
    const m = /^\/read\/moth-and-lantern\/1\/(\d+)$/.exec(href ?? '');
    expect(m, String(href)).not.toBeNull();
    return Number(m![1]);
  });
}

describe('quote mode and chips on the sample series', () => {
  it('answers with quotes citing a reached page; the chips are natural questions, and a click asks one', async () => {
    const { context, problems } = await freshContext(browser);
    try {
      const page = await context.newPage();
      await page.goto(`${folio.url}/read/${S}/1/1`);
      await waitForPages(page, '1,2');
      await press(page, 'ArrowRight', '3,4');
      await expectProgress(folio, S, context, { episode: 1, page: 4 });
      await page.getByTestId('toggle-chat').click();
      await page.locator('.chat').waitFor();

      await page.getByLabel('Your question').fill('Who mends the cracked lantern?');
      await page.getByLabel('Your question').press('Enter');
      const first = answers(page).first();
      await first.getByTestId('quote-label').waitFor();
      await settled(page);
      const cited = await citedPages(first);
      expect(cited.length).toBeGreaterThan(0);
      for (const p of cited) expect(p).toBeLessThanOrEqual(4);
      expect(await first.locator('.answer-body').innerText()).toMatch(/Tobin/);

      const chips = first.getByRole('group', { name: 'Suggested questions' }).getByRole('button');
      const texts = (await chips.allTextContents()).map((t) => t.trim());
      expect(texts.length).toBeGreaterThanOrEqual(2);
      expect(texts.length).toBeLessThanOrEqual(3);
      for (const t of texts) {
        // A question a reader types: no page numbers or fractions ("What happens on page 1/4?").
        expect(t).toMatch(/^\p{Lu}[^/\d]{6,88}\?$/u);
        expect(t).not.toMatch(/\bpage\b/i);
      }
      // About who is on the pages in view (Ada and Tobin are there).
      expect(
        texts.some((t) => /\b(Ada|Tobin|Flit)\b/.test(t)),
        texts.join(' | '),
      ).toBe(true);
      const panel = await page.locator('.side-panel').innerText();
      for (const word of LATER) expect(panel).not.toContain(word);
      await screenshot(page, 'chips-quote-mode');

      // A chip asks its question, and the answer again cites reached pages.
      await chips.first().click();
      await expect.poll(() => page.getByTestId('question').count()).toBe(2);
      await expect(page.getByTestId('question').last().innerText()).resolves.toContain(texts[0]!);
      await settled(page);
      await expect(answers(page).count()).resolves.toBe(2);
      const second = answers(page).last();
      await second.getByTestId('quote-label').waitFor();
      for (const p of await citedPages(second)) expect(p).toBeLessThanOrEqual(4);
      expect(problems, 'console errors, page errors or CSP violations').toEqual([]);
    } finally {
      await context.close();
    }
  });
});
