/**
 * Comics on a phone (issue 18): Chromium as a 390 × 844 touch phone with its CPU slowed 4× (DevTools'
 * "low-end mobile"), against `folio serve` on the embedded default with the bundled sample.
 *
 *   npm run bench:phone                   # build, then the table (5 runs per figure)
 *   npm run bench:phone -- --quick        # 1 run
 *   npm run bench:phone -- --json
 *
 * Figures, each from the page's own clock (requestAnimationFrame timestamps and event times):
 *  - frame times while a pinch zooms the page (two touch points moving apart through the DevTools protocol, one
 *    move per frame for 1 s), in the paged reader and in the vertical reader (a generated webtoon pack); the baseline is the same page's frames over the same time with no input, in the
 *    same run (what the throttled machine gives when nothing happens);
 *  - guided view: a tap → the next panel drawn (the frame after the view moved to it), and frame times during the
 *    transition to it;
 *  - a page turn by swipe and by tap → the next page shown (`folio:page-shown`), the next page preloaded; a tap
 *    waits for a possible second tap (double-tap zoom) before it turns, a swipe does not.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import sharp from 'sharp';
import { stringify } from 'yaml';
import { launchChromium, SAMPLE_SERIES, startEmbeddedFolio, until } from './browser.js';
import { type Budget, cleanup, errorRow, formatTable, installCleanupHandlers, makeRow, makeTempDir, percentile, type Row, runArgs } from './lib.js';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 } as const;
const CPU_SLOWDOWN = 4;
const READER_PATH = `/read/${SAMPLE_SERIES}/1/1`;
const VERTICAL_SERIES = 'bench-vertical';
const VERTICAL_PATH = `/read/${VERTICAL_SERIES}/1/1`;

/** A webtoon-style pack: six 800 × 2400 strips of noise (dense pixels, as drawn art is; a flat colour would flatter the raster). */
async function writeVerticalPack(): Promise<string> {
  const root = await makeTempDir('folio-bench-vertical-');
  await writeFile(join(root, 'series.yaml'), stringify({ id: VERTICAL_SERIES, title: 'Bench vertical', license: 'MIT', attribution: 'Folio bench', layout: 'vertical' }));
  const ep = join(root, 'episodes', 'ep1');
  await mkdir(join(ep, 'pages'), { recursive: true });
  const pages = [];
  for (let p = 1; p <= 6; p++) {
    const img = sharp({ create: { width: 800, height: 2400, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128 + p, sigma: 40 } } });
    await writeFile(join(ep, 'pages', `${p}.jpg`), await img.jpeg({ quality: 80 }).toBuffer());
    pages.push({ number: p, kind: 'story', image: `pages/${p}.jpg`, dialogue: `Strip ${p}\n` });
  }
  await writeFile(join(ep, 'episode.yaml'), stringify({ number: 1, title: 'Strips', summary: 'Tall pages', pages }));
  return root;
}
const BUDGET = {
  frameMs: { kind: 'max', limit: 20 },
  tapToPanelMs: { kind: 'max', limit: 100 },
} satisfies Record<string, Budget>;

const parseArgs = (argv: string[]) => runArgs(argv, { runs: 5, usage: 'npm run bench:phone -- [--json] [--quick] [--runs N]' });

const log = (m: string) => process.stderr.write(`bench:phone: ${m}\n`);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Point = { x: number; y: number };
const touch = (cdp: CDPSession, type: 'touchStart' | 'touchMove' | 'touchEnd', points: Point[]) =>
  cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points.map((p, id) => ({ x: p.x, y: p.y, id })) });

/** A phone: fresh context, the reader open at 1/1 with its images loaded and the next page preloaded, CPU slowed. */
async function openPhone(
  browser: Browser,
  url: string,
  opts: { guided?: boolean; path?: string } = {},
): Promise<{ page: Page; cdp: CDPSession; close(): Promise<void> }> {
  const context = await browser.newContext(PHONE);
  // Guided view is a per-device preference (web/src/reader/preferences.ts).
  if (opts.guided) await context.addInitScript("localStorage.setItem('folio:guided-view', 'on')");
  const page = await context.newPage();
  await page.goto(url + (opts.path ?? READER_PATH));
  await until(page, "performance.getEntriesByName('folio:first-page-visible').length > 0");
  await page.waitForTimeout(1_000);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
  return { page, cdp, close: () => context.close() };
}

/** Start recording frame times (ms between animation frames) in the page. */
const startFrames = (page: Page) =>
  page.evaluate(`(() => {
    window.__frames = [];
    window.__recording = true;
    let last = 0;
    const tick = (t) => { if (last) window.__frames.push(t - last); last = t; if (window.__recording) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  })()`);
const stopFrames = async (page: Page): Promise<number[]> => (await page.evaluate('(() => { window.__recording = false; return window.__frames; })()')) as number[];

/** Frame times over `ms` with no input: the baseline. */
async function idleFrames(browser: Browser, url: string, ms: number): Promise<number[]> {
  const phone = await openPhone(browser, url);
  try {
    await startFrames(phone.page);
    await pause(ms);
    return await stopFrames(phone.page);
  } finally {
    await phone.close();
  }
}

/**
 * Frame times during a pinch that zooms the page about 3×, one touch move per frame for about a second. The paged
 * reader zooms by a transform; the vertical reader's column (`vertical`) by its layout width.
 */
async function pinchFrames(browser: Browser, url: string, vertical = false): Promise<{ frames: number[]; zoomed: boolean }> {
  const phone = await openPhone(browser, url, vertical ? { path: VERTICAL_PATH } : {});
  try {
    const { page, cdp } = phone;
    const c = { x: 195, y: 400 };
    await startFrames(page);
    await touch(cdp, 'touchStart', [
      { x: c.x - 30, y: c.y },
      { x: c.x + 30, y: c.y },
    ]);
    for (let i = 1; i <= 60; i++) {
      const d = 30 + i * 1.5;
      await touch(cdp, 'touchMove', [
        { x: c.x - d, y: c.y },
        { x: c.x + d, y: c.y },
      ]);
      await pause(16);
    }
    await touch(cdp, 'touchEnd', []);
    await pause(100);
    const frames = await stopFrames(page);
    const zoomed = (await page.evaluate(`document.querySelector('${vertical ? '.vertical-reader' : '.stage'}')?.hasAttribute('data-zoomed') ?? false`)) as boolean;
    return { frames, zoomed };
  } finally {
    await phone.close();
  }
}

const GUIDED_TAPS = 12;

/**
 * Guided view: taps on the right third, one every 450 ms (the 300 ms transition and some). For each, the time from
 * the tap's touchend to the first animation frame after the view moved to the next panel (the frame that renders
 * it), and the frame times over the 400 ms after the tap.
 */
async function guidedTaps(browser: Browser, url: string): Promise<{ tapMs: number[]; frames: number[]; moved: number }> {
  const phone = await openPhone(browser, url, { guided: true });
  try {
    const { page, cdp } = phone;
    await until(page, "!!document.querySelector('.guided')");
    await page.evaluate(`(() => {
      window.__taps = [];
      let t0 = 0;
      document.addEventListener('touchend', (e) => { t0 = e.timeStamp; }, { capture: true });
      new MutationObserver(() => {
        const t = t0;
        if (t) requestAnimationFrame((ts) => window.__taps.push(ts - t));
        t0 = 0;
      }).observe(document.querySelector('.stage'), { attributes: true, subtree: true, attributeFilter: ['data-panel', 'data-page'] });
    })()`);
    const frames: number[] = [];
    for (let i = 0; i < GUIDED_TAPS; i++) {
      await startFrames(page);
      await touch(cdp, 'touchStart', [{ x: 330, y: 420 }]);
      await touch(cdp, 'touchEnd', []);
      await pause(400);
      frames.push(...(await stopFrames(page)));
      await pause(50);
    }
    const tapMs = (await page.evaluate('window.__taps')) as number[];
    return { tapMs, frames, moved: tapMs.length };
  } finally {
    await phone.close();
  }
}

/** A page turn by swipe or tap → `folio:page-shown` for page 2, from the input event's own time. */
async function turnTime(browser: Browser, url: string, how: 'swipe' | 'tap'): Promise<{ ms: number; preloaded: boolean }> {
  const phone = await openPhone(browser, url);
  try {
    const { page, cdp } = phone;
    const preloaded = (await page.evaluate(
      '(() => { const i = document.querySelector(\'.flip-page[data-page="2"] img\'); return !!i && i.complete && i.naturalWidth > 0; })()',
    )) as boolean;
    await page.evaluate(
      "window.addEventListener('pointerdown', (e) => { window.__t0 = e.timeStamp; performance.clearMarks('folio:page-shown'); }, { capture: true, once: true })",
    );
    if (how === 'tap') {
      await touch(cdp, 'touchStart', [{ x: 330, y: 420 }]);
      await touch(cdp, 'touchEnd', []);
    } else {
      await touch(cdp, 'touchStart', [{ x: 320, y: 420 }]);
      for (let x = 300; x >= 80; x -= 40) await touch(cdp, 'touchMove', [{ x, y: 420 }]);
      await touch(cdp, 'touchEnd', []);
    }
    await until(page, "performance.getEntriesByName('folio:page-shown').some((m) => m.detail && m.detail.pages.includes(2))");
    const ms = (await page.evaluate("performance.getEntriesByName('folio:page-shown').find((m) => m.detail.pages.includes(2)).startTime - window.__t0")) as number;
    return { ms, preloaded };
  } finally {
    await phone.close();
  }
}

async function main(): Promise<void> {
  const { json, runs } = parseArgs(process.argv.slice(2));
  installCleanupHandlers();
  const loadBefore = loadavg()[0]!;
  const rows: Row[] = [];
  log('starting folio serve (imports the sample and a vertical pack)…');
  const folio = await startEmbeddedFolio('folio-bench-phone-', { packs: [await writeVerticalPack()] });
  const browser = await launchChromium();
  try {
    // Warm-up: Chromium's first start and the server's first requests, not counted.
    await (await openPhone(browser, folio.url)).close();

    const idle: number[] = [];
    const pinch: number[] = [];
    let zoomedAll = true;
    for (let i = 0; i < runs; i++) {
      log(`pinch, run ${i + 1}/${runs}`);
      idle.push(...(await idleFrames(browser, folio.url, 1_200)));
      const p = await pinchFrames(browser, folio.url);
      pinch.push(...p.frames);
      zoomedAll &&= p.zoomed;
    }
    rows.push(makeRow('phone.idle.frame.p95', 'baseline: frame time with no input, p95 (same page, same run)', 'ms.1', [percentile(idle, 95)]));
    rows.push(
      makeRow(
        'phone.pinch.frame.p95',
        'frame time during a pinch zoom, p95',
        'ms.1',
        [percentile(pinch, 95)],
        BUDGET.frameMs,
        `${pinch.length} frames; ${(percentile(pinch, 95) / Math.max(1, percentile(idle, 95))).toFixed(2)}× the idle p95${zoomedAll ? '' : '; a pinch did NOT zoom'}`,
      ),
    );
    if (!zoomedAll) rows.push(errorRow('phone.pinch.zoomed', 'the pinch zoomed the page', 'count', null, 'a pinch left the page at fit'));

    const column: number[] = [];
    let columnZoomed = true;
    for (let i = 0; i < runs; i++) {
      log(`pinch in the vertical reader, run ${i + 1}/${runs}`);
      const p = await pinchFrames(browser, folio.url, true);
      column.push(...p.frames);
      columnZoomed &&= p.zoomed;
    }
    rows.push(
      makeRow(
        'phone.pinch.vertical.frame.p95',
        'frame time during a pinch zoom of the vertical reader (800 × 2400 strips), p95',
        'ms.1',
        [percentile(column, 95)],
        BUDGET.frameMs,
        `${column.length} frames; ${(percentile(column, 95) / Math.max(1, percentile(idle, 95))).toFixed(2)}× the idle p95${columnZoomed ? '' : '; a pinch did NOT zoom'}`,
      ),
    );
    if (!columnZoomed) rows.push(errorRow('phone.pinch.vertical.zoomed', 'the pinch zoomed the column', 'count', null, 'a pinch left the column at fit'));

    const tapMs: number[] = [];
    const guidedFrames: number[] = [];
    let missed = 0;
    for (let i = 0; i < runs; i++) {
      log(`guided view, run ${i + 1}/${runs}`);
      const g = await guidedTaps(browser, folio.url);
      tapMs.push(...g.tapMs);
      guidedFrames.push(...g.frames);
      missed += GUIDED_TAPS - g.moved;
    }
    rows.push(
      makeRow(
        'phone.guided.tap.p95',
        'guided view: tap → next panel rendered, p95',
        'ms.1',
        [percentile(tapMs, 95)],
        BUDGET.tapToPanelMs,
        `${tapMs.length} taps (p50 ${percentile(tapMs, 50).toFixed(1)} ms)${missed ? `; ${missed} tap(s) moved nothing` : ''}`,
      ),
    );
    rows.push(
      makeRow(
        'phone.guided.frame.p95',
        'guided view: frame time during the transition to the next panel, p95',
        'ms.1',
        [percentile(guidedFrames, 95)],
        BUDGET.frameMs,
        `${guidedFrames.length} frames; ${(percentile(guidedFrames, 95) / Math.max(1, percentile(idle, 95))).toFixed(2)}× the idle p95`,
      ),
    );
    if (missed > 0) rows.push(errorRow('phone.guided.moved', 'every guided tap moved to the next panel', 'count', null, `${missed} tap(s) moved nothing`));

    for (const how of ['swipe', 'tap'] as const) {
      const times: number[] = [];
      let preloadedAll = true;
      for (let i = 0; i < runs; i++) {
        log(`page turn by ${how}, run ${i + 1}/${runs}`);
        const t = await turnTime(browser, folio.url, how);
        times.push(t.ms);
        preloadedAll &&= t.preloaded;
      }
      rows.push(
        makeRow(
          `phone.turn.${how}`,
          `page turn by ${how} → next page shown (flip animation included)`,
          'ms',
          times,
          null,
          `${preloadedAll ? 'next page preloaded every time' : 'next page NOT always preloaded'}${how === 'tap' ? '; a tap first waits 0.3 s for a second tap' : ''}`,
        ),
      );
    }
  } finally {
    await browser.close();
    await folio.stop();
  }
  const machine = { cpus: availableParallelism(), load1Before: loadBefore, load1After: loadavg()[0]! };
  if (json) process.stdout.write(`${JSON.stringify({ runs, node: process.version, machine, rows }, null, 2)}\n`);
  else {
    const title = `Folio on a phone (390 × 844, touch, CPU ${CPU_SLOWDOWN}× slower): ${new Date().toISOString()}, ${machine.cpus} CPUs, 1-min load ${machine.load1Before.toFixed(1)} → ${machine.load1After.toFixed(1)}, ${runs} run(s)`;
    process.stdout.write(`${formatTable(rows, title)}\n`);
  }
  if (rows.some((r) => r.error)) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench:phone: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit(process.exitCode ?? 0);
