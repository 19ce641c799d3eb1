/**
 * The companion in the reader, end to end: real Chromium, the real Folio app
 * and database with the bundled sample, the production web build. Quote mode
 * (no model) is the default; other apps on the same database talk to fake
 * model servers (test/fakes/) through the real config contract, so answers
 * stream token by token, can be stopped, fail, and wake a cold model.
 * Screenshots: test-results/browser/companion-*.png.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { type FakeModelServer, UPSTREAM_SECRET_TEXT } from '../fakes/model-server.js';
import { startFakeOllama } from '../fakes/ollama.js';
import { startFakeOpenAI } from '../fakes/openai.js';
import { SAMPLE } from '../server.js';
import { freshContext, launchChromium, PHONE, screenshot } from './chromium.js';
import { type Folio, type FolioApp, startFolio } from './folio.js';
import { displayed, expectProgress, press, readerToken, waitForPages } from './helpers.js';

const S = 'moth-and-lantern';
/** Names and facts that only come later in the sample: never on screen before their debut. */
const LATER = ['Orrin', 'Undercroft', 'Dimmers', 'Mother Soot', 'grandfather'];

let folio: Folio;
let browser: Browser;
let ollama: FakeModelServer;
let openai: FakeModelServer;
/** The same Folio (database, media), answering with the fake Ollama. */
let modelApp: FolioApp;
/** The same Folio, answering with the fake OpenAI-compatible server. */
let openaiApp: FolioApp;
/** The same Folio, quote mode, one question per reader per minute. */
let limitedApp: FolioApp;
let open: Array<{ context: BrowserContext; problems: string[] }> = [];

beforeAll(async () => {
  [folio, browser, ollama, openai] = await Promise.all([
    startFolio({ webDir: inject('webBuilds').sameOrigin, packs: [SAMPLE] }),
    launchChromium(),
    startFakeOllama(),
    startFakeOpenAI(),
  ]);
  modelApp = await folio.withCompanion({
    FOLIO_MODEL: 'ollama',
    FOLIO_MODEL_BASE_URL: ollama.url,
    FOLIO_CHAT_MODEL: 'llama3.2:3b',
    FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS: '1500',
    FOLIO_MODEL_IDLE_TIMEOUT_MS: '3000',
    FOLIO_MODEL_TOTAL_TIMEOUT_MS: '30000',
  });
  limitedApp = await folio.withCompanion({ FOLIO_CHAT_RATE_PER_READER: '1' });
  openaiApp = await folio.withCompanion({
    FOLIO_MODEL: 'openai',
    FOLIO_MODEL_BASE_URL: `${openai.url}/v1`,
    FOLIO_MODEL_API_KEY: 'sk-test',
    FOLIO_CHAT_MODEL: 'fake-chat',
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await folio?.close();
  await ollama?.close();
  await openai?.close();
});

beforeEach(() => {
  ollama.reset();
  openai.reset();
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

/** Open the reader at episode 1 (pages 1–2 on a desktop), then turn to 3–4 and open the chat. */
async function readerWithChat(page: Page, context: BrowserContext, base: string, opts: { turn?: boolean } = {}): Promise<void> {
  await page.goto(`${base}/read/${S}/1/1`);
  await waitForPages(page, '1,2');
  if (opts.turn !== false) {
    await press(page, 'ArrowRight', '3,4');
    await expectProgress(folio, S, context, { episode: 1, page: 4 });
  } else await expectProgress(folio, S, context, { episode: 1, page: 2 });
  await page.getByTestId('toggle-chat').click();
  await page.locator('.chat').waitFor();
}

const chatInput = (page: Page) => page.getByLabel('Your question');
const answers = (page: Page) => page.getByTestId('answer');
const lastAnswer = (page: Page) => answers(page).last();

async function ask(page: Page, question: string): Promise<void> {
  await chatInput(page).fill(question);
  await chatInput(page).press('Enter');
}

/** Waits until the chat is idle again (the answer finished, stopped or failed). */
async function settled(page: Page): Promise<void> {
  await expect.poll(() => page.locator('.chat').getAttribute('data-status'), { timeout: 20_000 }).toMatch(/^(ready|error)$/);
}

describe('quote mode (no language model: the default)', () => {
  it('asks, streams the quotes with their label, cites pages (a click opens the page), offers chips, keeps conversations', async () => {
    const { context, page } = await newReader();
    const sent: Array<{ id: string; messages: unknown[]; trigger: string; viewing?: unknown }> = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith(`/api/series/${S}/chat`)) sent.push(r.postDataJSON() as (typeof sent)[number]);
    });
    await readerWithChat(page, context, folio.url);
    // The question box has focus when the chat opens; Shift+Enter is a new line, not a send.
    await expect.poll(() => page.evaluate('document.activeElement && document.activeElement.id')).toBe('chat-input');
    await chatInput(page).type('How many lamps');
    await chatInput(page).press('Shift+Enter');
    await chatInput(page).type('are on Tallow Street?');
    await expect(chatInput(page).inputValue()).resolves.toBe('How many lamps\nare on Tallow Street?');
    await expect(page.getByTestId('question').count()).resolves.toBe(0);
    await chatInput(page).press('Enter');

    await page.getByTestId('question').first().waitFor();
    await expect(chatInput(page).inputValue()).resolves.toBe('');
    const answer = lastAnswer(page);
    await answer.getByTestId('quote-label').waitFor();
    await expect(answer.getByTestId('quote-label').textContent()).resolves.toBe('Quotes from the pages (no language model configured)');
    await settled(page);
    const text = await answer.locator('.answer-body').innerText();
    expect(text).toContain('Forty-one lamps on Tallow Street');
    // The server's own "Quote mode (…)" line is replaced by the label.
    expect(text).not.toContain('Quote mode (');
    // The answer region is live for screen readers, and not busy once done.
    await expect(answer.locator('.answer-body').getAttribute('aria-live')).resolves.toBe('polite');
    await expect(answer.locator('.answer-body').getAttribute('aria-busy')).resolves.toBe('false');

    // Citations: inline [1/1] and in the sources, only pages at or before the position (1/4).
    const cites = answer.locator('a.cite');
    expect(await cites.count()).toBeGreaterThan(0);
    for (const href of await cites.evaluateAll((els) => els.map((e) => e.getAttribute('href')))) {
      const m = /^\/read\/moth-and-lantern\/(\d+)\/(\d+)$/.exec(href ?? '');
      expect(m, String(href)).not.toBeNull();
      expect(Number(m![1])).toBe(1);
      expect(Number(m![2])).toBeLessThanOrEqual(4);
    }
    const chips = answer.getByRole('group', { name: 'Suggested questions' }).getByRole('button');
    expect(await chips.count()).toBeGreaterThanOrEqual(2);
    expect(await chips.count()).toBeLessThanOrEqual(3);
    const panelText = await page.locator('.side-panel').innerText();
    for (const word of LATER) expect(panelText).not.toContain(word);
    await screenshot(page, 'companion-quote-answer');

    // A click on the citation of page 1 turns the book back to it (same episode, no reload).
    await answer.locator('a.cite[href$="/1/1"]').first().click();
    await expect.poll(() => displayed(page)).toBe('1,2');
    await page.waitForURL(`**/read/${S}/1/1`);
    // Progress does not go back; the chat is still open with its answer.
    await expectProgress(folio, S, context, { episode: 1, page: 4 });
    await expect(answers(page).count()).resolves.toBe(1);

    // A chip asks its question.
    const chip = (await chips.first().textContent())!;
    await chips.first().click();
    await expect.poll(() => page.getByTestId('question').count()).toBe(2);
    await expect(page.getByTestId('question').last().innerText()).resolves.toContain(chip);
    await settled(page);
    await expect(answers(page).count()).resolves.toBe(2);
    // Each request carried only the newest message (the server keeps the history) and the pages on screen.
    expect(sent).toHaveLength(2);
    expect(sent[1]!.id).toBe(sent[0]!.id);
    expect(sent.map((b) => b.messages.length)).toEqual([1, 1]);
    expect(sent[0]!.viewing).toEqual([
      { episode: 1, page: 3 },
      { episode: 1, page: 4 },
    ]);
    expect(sent[1]!.viewing).toEqual([
      { episode: 1, page: 1 },
      { episode: 1, page: 2 },
    ]);

    // The conversation is stored: a new one starts empty, the list brings the first one back.
    await page.getByTestId('new-conversation').click();
    await expect.poll(() => page.getByTestId('question').count()).toBe(0);
    await page.getByTestId('conversations-toggle').click();
    const item = page.getByTestId('conversations').getByRole('button', { name: /How many lamps/ });
    await item.waitFor();
    await expect(item.innerText()).resolves.toContain('4 messages');
    await screenshot(page, 'companion-conversations');
    await item.click();
    await expect.poll(() => page.getByTestId('question').count()).toBe(2);
    await expect(answers(page).first().getByTestId('quote-label').count()).resolves.toBe(1);
    await expect(answers(page).first().locator('.answer-body').innerText()).resolves.toContain('Forty-one lamps');
  });

  it('a question right after a page turn is answered from the new page (flushProgress before sending)', async () => {
    const { context, page } = await newReader();
    await readerWithChat(page, context, folio.url, { turn: false });
    // Turn to pages 3–4 and ask at once (progress writes are debounced): Tobin (page 3) must already count.
    await page.locator('.zone--right').click();
    await expect.poll(() => displayed(page)).toBe('3,4');
    await ask(page, 'Who mends lanterns?');
    // The question is sent once the progress write is flushed: until then the chat is still "ready".
    await expect.poll(() => page.getByTestId('question').count()).toBe(1);
    await settled(page);
    const text = await lastAnswer(page).locator('.answer-body').innerText();
    expect(text).toContain('Tobin');
    expect(await progressAfter(context)).toEqual({ episode: 1, page: 4 });
  });

  it('Esc in the question box closes the chat and focus returns to the Ask button', async () => {
    const { context, page } = await newReader();
    await readerWithChat(page, context, folio.url, { turn: false });
    await chatInput(page).press('Escape');
    await expect.poll(() => page.locator('.side-panel').count()).toBe(0);
    await expect.poll(() => page.evaluate('document.activeElement && document.activeElement.dataset.testid')).toBe('toggle-chat');
  });

  it('on a phone the chat is a bottom sheet (half height first); a citation closes it and shows the page', async () => {
    const { context, page } = await newReader({ viewport: PHONE, isMobile: true, hasTouch: true });
    await page.goto(`${folio.url}/read/${S}/1/4`);
    await waitForPages(page, '4');
    await expectProgress(folio, S, context, { episode: 1, page: 4 });
    // On a phone Ask is in the reading toolbar at the bottom (phone.browser.test.ts has the rest).
    await page.getByTestId('dock-ask').click();
    const sheet = page.locator('.side-panel');
    await sheet.waitFor();
    const box = (await sheet.boundingBox())!;
    expect(box.x).toBe(0);
    expect(box.y).toBeGreaterThan(PHONE.height / 2);
    expect(box.width).toBe(PHONE.width);
    expect(box.y + box.height).toBeCloseTo(PHONE.height, 0);
    await ask(page, 'How many lamps are on Tallow Street?');
    await settled(page);
    await screenshot(page, 'companion-phone');
    await lastAnswer(page).locator('.source-link[href$="/1/1"]').first().click();
    await expect.poll(() => page.locator('.side-panel').count()).toBe(0);
    await expect.poll(() => displayed(page)).toBe('1');
    await expect.poll(() => page.locator('.flip-page[data-page="1"] img').evaluate((img) => (img as unknown as { complete: boolean }).complete)).toBe(true);
    await screenshot(page, 'companion-phone-citation-opened');
  });

  it('before reading anything (peeking), the companion says to start reading first', async () => {
    const { page } = await newReader({ expectedConsole: /status of 409/ });
    // Peeking is chosen on the skip-ahead screen (a link cannot ask for it): a new reader opens episode 3 and peeks.
    await page.goto(`${folio.url}/read/${S}/3/0`);
    await page.getByTestId('skip-peek').click();
    await waitForPages(page, '0');
    await page.getByTestId('toggle-chat').click();
    await expect(page.locator('.chat-note').innerText()).resolves.toContain('peeking');
    await ask(page, 'Where are we?');
    const error = page.getByTestId('chat-error');
    await error.waitFor();
    await expect(error.getAttribute('data-code')).resolves.toBe('conflict:not_started');
    await expect(error.innerText()).resolves.toContain('Start reading first');
    await screenshot(page, 'companion-not-started');
  });

  it('too many questions: a 429 says when to try again, and the retry button waits for it', async () => {
    const { context, page } = await newReader({ expectedConsole: /status of 429/ });
    await readerWithChat(page, context, limitedApp.url, { turn: false });
    await ask(page, 'Where are we?');
    await settled(page);
    await expect(answers(page).count()).resolves.toBe(1);
    await ask(page, 'Who is Flit?');
    const error = page.getByTestId('chat-error');
    await error.waitFor();
    await expect(error.getAttribute('data-code')).resolves.toBe('rate_limit:chat');
    const retry = error.getByTestId('retry');
    await expect(retry.isDisabled()).resolves.toBe(true);
    await expect(retry.innerText()).resolves.toMatch(/^Try again in \d+ s$/);
    await screenshot(page, 'companion-rate-limited');
  });
});

async function progressAfter(context: BrowserContext): Promise<{ episode: number | null; page: number | null }> {
  const r = await folio.api<{ episode: number | null; page: number | null }>(`/api/series/${S}/progress`, await readerToken(context));
  return r.body;
}

describe('with a language model (fake Ollama and OpenAI-compatible servers)', () => {
  it('the answer streams sentence by sentence, cites the pages it used, and has no quote label', async () => {
    ollama.set({ persona: 'honest', tokensPerSecond: 25, tokenChars: 3 });
    const { context, page } = await newReader();
    await readerWithChat(page, context, modelApp.url);
    // Record every length the answer text had while it streamed.
    await page.evaluate(`(() => {
      window.__lengths = [];
      new MutationObserver(() => {
        const a = [...document.querySelectorAll('[data-testid=answer] .answer-body')].pop();
        if (a) window.__lengths.push(a.innerText.length);
      }).observe(document.querySelector('.chat-log'), { subtree: true, childList: true, characterData: true });
    })()`);
    await ask(page, 'What does Tobin say about the lantern?');
    await lastAnswer(page).locator('.caret').waitFor();
    await screenshot(page, 'companion-model-streaming');
    await settled(page);
    const lengths = (await page.evaluate('window.__lengths')) as number[];
    const distinct = [...new Set(lengths.filter((n) => n > 0))];
    // Each sentence is judged whole before it is sent (ADR 0020): the answer grows a sentence at a time, in
    // several steps, not all at once at the end.
    expect(distinct.length, `answer lengths seen: ${distinct.join(',')}`).toBeGreaterThanOrEqual(3);
    const answer = lastAnswer(page);
    await expect(answer.getAttribute('data-mode')).resolves.toBe('model');
    await expect(answer.getByTestId('quote-label').count()).resolves.toBe(0);
    await expect(answer.locator('.answer-body').innerText()).resolves.toMatch(/^From what you've read:/);
    expect(await answer.locator('a.cite').count()).toBeGreaterThan(0);
    expect(await answer.getByRole('group', { name: 'Suggested questions' }).getByRole('button').count()).toBeGreaterThanOrEqual(2);
    // The request carried only the newest message and the pages on screen.
    await screenshot(page, 'companion-model-answer');
  });

  it('Stop (and Esc) stops the answer: the text stops growing and the model request is aborted', async () => {
    ollama.set({ persona: 'fixed', text: 'Ada walks along the canal and lights the lamps one by one. '.repeat(20), tokensPerSecond: 8, tokenChars: 4 });
    const { context, page } = await newReader();
    await readerWithChat(page, context, modelApp.url);
    await ask(page, 'What is Ada doing?');
    const body = lastAnswer(page).locator('.answer-body');
    await expect.poll(async () => (await body.innerText()).length, { timeout: 10_000 }).toBeGreaterThan(12);
    await page.getByTestId('stop').click();
    await settled(page);
    const stoppedAt = await body.innerText();
    await expect(lastAnswer(page).locator('.answer-note').innerText()).resolves.toBe('Stopped.');
    await new Promise((r) => setTimeout(r, 700));
    expect(await body.innerText()).toBe(stoppedAt);
    expect(stoppedAt.length).toBeLessThan(400);
    await expect.poll(() => ollama.chatRequests().at(-1)?.aborted, { timeout: 5_000 }).toBe(true);
    await screenshot(page, 'companion-stopped');

    // Esc while an answer streams stops it too, and keeps the panel open. The new answer is waited for first: until
    // it exists, the last answer is the stopped one, whose text would let Esc go before anything streams.
    const before = await answers(page).count();
    await ask(page, 'And then?');
    await expect.poll(() => answers(page).count(), { timeout: 10_000 }).toBe(before + 1);
    await expect.poll(async () => (await lastAnswer(page).locator('.answer-body').innerText()).length, { timeout: 10_000 }).toBeGreaterThan(8);
    await chatInput(page).press('Escape');
    await settled(page);
    await expect(page.locator('.side-panel').count()).resolves.toBe(1);
    await expect(lastAnswer(page).locator('.answer-note').innerText()).resolves.toBe('Stopped.');
  });

  it('a failing model: a friendly error (no upstream detail), then Try again answers', async () => {
    ollama.set({ fault: 'server-error' });
    const { context, page } = await newReader();
    await readerWithChat(page, context, modelApp.url);
    await ask(page, 'Who is Flit?');
    const error = page.getByTestId('chat-error');
    await error.waitFor({ timeout: 15_000 });
    const text = await error.innerText();
    expect(text).not.toContain('UPSTREAM');
    expect(text).not.toContain(UPSTREAM_SECRET_TEXT);
    expect(text).toMatch(/could not answer|not set up right/);
    await screenshot(page, 'companion-model-error');
    ollama.set({ fault: 'none', persona: 'honest' });
    await error.getByTestId('retry').click();
    await expect.poll(() => page.getByTestId('chat-error').count(), { timeout: 15_000 }).toBe(0);
    await settled(page);
    await expect(lastAnswer(page).locator('.answer-body').innerText()).resolves.toMatch(/^From what you've read:/);
    // The question was asked once; its answer was replaced.
    await expect(page.getByTestId('question').count()).resolves.toBe(1);
    await expect(answers(page).count()).resolves.toBe(1);
  });

  it('a cold model: "Waking the model…" shows while it loads, then the answer streams', async () => {
    const { context, page } = await newReader();
    const warmup = page.waitForResponse((r) => r.url().endsWith('/chat/warmup'));
    await readerWithChat(page, context, modelApp.url);
    // Once the panel's warm-up call is through (it loads the model unless one went out in the last 30 s),
    // the next request hangs once (a cold GPU), and the retry takes a while to its first token.
    const { status } = (await (await warmup).json()) as { status: string };
    if (status === 'warming') await expect.poll(() => ollama.requests.some((r) => r.path === '/api/chat' && r.finished)).toBe(true);
    ollama.set({ fault: 'hang-once', ttftMs: 1_000 });
    await ask(page, 'Where is Ada?');
    const waking = page.getByTestId('waking');
    await waking.waitFor({ timeout: 10_000 });
    await expect(waking.innerText()).resolves.toContain('Waking the model');
    await screenshot(page, 'companion-waking');
    await settled(page);
    await expect(page.getByTestId('waking').count()).resolves.toBe(0);
    await expect(lastAnswer(page).locator('.answer-body').innerText()).resolves.toMatch(/^From what you've read:/);
  });

  it('a model that knows the story: its spoiling sentences become "…", the rest is shown, a note says what was left out (also when replayed)', async () => {
    // At 1/4 the Dimmers, the Undercroft, Mother Soot and Orrin have not appeared yet; Tobin, the lantern and the
    // lamps of Tallow Street have. Two spoiling sentences, each between sentences the reader may see.
    const kept = ["Tobin mended Ada's cracked lantern [1/4].", 'Only nine of the forty-one lamps on Tallow Street still take a flame [1/1].'];
    openai.set({
      persona: 'fixed',
      text: `${kept[0]} The Dimmers keep the stolen flames down in the Undercroft. ${kept[1]} Mother Soot and Orrin are waiting below.`,
      tokenChars: 3,
      tokensPerSecond: 60,
    });
    const { context, page } = await newReader();
    await readerWithChat(page, context, openaiApp.url);
    await ask(page, 'Who is the tinker, really?');
    await settled(page);
    const check = async (answer: ReturnType<typeof lastAnswer>) => {
      const note = answer.getByTestId('guard');
      await note.waitFor();
      await expect(note.innerText()).resolves.toBe('I left out 2 sentences about things you have not reached yet.');
      await expect(note.getAttribute('data-withheld')).resolves.toBe('2');
      const body = await answer.locator('.answer-body').innerText();
      // The kept sentences (citation labels become links, so compare without them), each withheld one as "…".
      for (const k of kept) expect(body).toContain(k.replace(/ \[\d+\/\d+\]\./, ''));
      expect(body.split('…').length - 1).toBe(2);
      expect(body.indexOf('Tobin mended')).toBeLessThan(body.indexOf('Only nine'));
      const all = await answer.innerText();
      for (const word of LATER) expect(all).not.toContain(word);
    };
    await check(lastAnswer(page));
    await expect(lastAnswer(page).getAttribute('data-mode')).resolves.toBe('guarded');
    await screenshot(page, 'companion-guarded');

    // The stored conversation replays the same way (GET /api/conversations/:id).
    await page.getByTestId('new-conversation').click();
    await expect.poll(() => page.getByTestId('question').count()).toBe(0);
    await page.getByTestId('conversations-toggle').click();
    const item = page.getByTestId('conversations').getByRole('button', { name: /Who is the tinker/ });
    await item.waitFor();
    await item.click();
    await expect.poll(() => page.getByTestId('question').count()).toBe(1);
    await check(lastAnswer(page));
  });
});
