/** Small steps the browser tests share: reader identity, waiting for pages, progress from the API. */
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Folio } from './folio.js';

export interface Pos {
  episode: number | null;
  page: number | null;
}

/**
 * The reader token the API set as the HttpOnly cookie (visible to the test, never to the app). The app may
 * render pages before its `POST /api/readers` has answered, so wait for the cookie a little.
 */
export async function readerToken(context: BrowserContext, timeoutMs = 10_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const c = (await context.cookies()).find((x) => x.name === 'folio_reader');
    if (c) return c.value;
    if (Date.now() > until) throw new Error('no folio_reader cookie in this browser context');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Page numbers on display, as the reader's stage reports them ("3,4"). */
export const displayed = (page: Page): Promise<string | null> => page.locator('.stage').getAttribute('data-displayed', { timeout: 5_000 });

export async function waitForPages(page: Page, expected?: string): Promise<void> {
  await page.waitForSelector('.stage[data-displayed]:not([data-displayed=""])', { timeout: 20_000 });
  if (expected !== undefined) await expect.poll(() => displayed(page), { timeout: 10_000 }).toBe(expected);
}

/** Press a key and wait until the pages on display are `expected`. */
export async function press(page: Page, key: string, expected: string): Promise<void> {
  await page.keyboard.press(key);
  await expect.poll(() => displayed(page), { timeout: 10_000 }).toBe(expected);
}

export async function progressOf(folio: Folio, seriesId: string, token: string): Promise<Pos> {
  const r = await folio.api<Pos>(`/api/series/${seriesId}/progress`, token);
  expect(r.status).toBe(200);
  return r.body;
}

/** Progress is written debounced: poll the API until it says `expected`. */
export async function expectProgress(folio: Folio, seriesId: string, context: BrowserContext, expected: Pos): Promise<void> {
  await expect.poll(async () => progressOf(folio, seriesId, await readerToken(context)), { timeout: 10_000, interval: 200 }).toEqual(expected);
}

/** Thumbnails in the page strip: page number → has a real image (true) or only a placeholder (false). */
export async function stripImages(page: Page): Promise<Record<number, boolean>> {
  const items = page.locator('.strip-button');
  const out: Record<number, boolean> = {};
  for (let i = 0; i < (await items.count()); i++) {
    const item = items.nth(i);
    out[Number(await item.getAttribute('data-page'))] = (await item.locator('img').count()) > 0;
  }
  return out;
}

/** Touch input as a phone's touchscreen sends it (DevTools protocol). */
export function touchscreen(cdp: CDPSession) {
  type P = { x: number; y: number };
  const send = (type: 'touchStart' | 'touchMove' | 'touchEnd', points: P[]) =>
    cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points.map((p, id) => ({ x: p.x, y: p.y, id })) });
  return {
    async tap(p: P) {
      await send('touchStart', [p]);
      await send('touchEnd', []);
    },
    async doubleTap(p: P) {
      await this.tap(p);
      await this.tap(p);
    },
    /**
     * One finger from `from` to `to` in a few steps. `holdMs`: the finger stays still at `to` that long before it
     * lifts (a fast release is a fling, and Chromium then drops the click of the next tap).
     */
    async drag(from: P, to: P, opts: { steps?: number; holdMs?: number } = {}) {
      const steps = opts.steps ?? 5;
      await send('touchStart', [from]);
      for (let i = 1; i <= steps; i++) await send('touchMove', [{ x: from.x + ((to.x - from.x) * i) / steps, y: from.y + ((to.y - from.y) * i) / steps }]);
      if (opts.holdMs) {
        await new Promise((r) => setTimeout(r, opts.holdMs));
        await send('touchMove', [to]);
      }
      await send('touchEnd', []);
    },
    /** Two fingers about `at`, `from` px apart, moved to `to` px apart (horizontally). */
    async pinch(at: P, from: number, to: number, steps = 6) {
      const points = (d: number) => [
        { x: at.x - d / 2, y: at.y },
        { x: at.x + d / 2, y: at.y },
      ];
      await send('touchStart', points(from));
      for (let i = 1; i <= steps; i++) await send('touchMove', points(from + ((to - from) * i) / steps));
      await send('touchEnd', []);
    },
  };
}
