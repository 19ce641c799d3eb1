/**
 * Web reader benchmark: the size of what the first route loads, how fast the
 * first page image is visible on the embedded default (`folio serve`, PGlite,
 * the bundled sample), and how fast a page turn shows the next page. The
 * baseline, measured in the same run the same way: a bare static HTML page
 * with one <img> of the same page image, served by node:http.
 *
 *   npm run bench:web                   # build, then 5 cold-cache runs per figure
 *   npm run bench:web -- --quick        # 1 run
 *   npm run bench:web -- --json         # rows as JSON on stdout (progress on stderr)
 *   npm run bench:web -- --runs 9
 *
 * Timings come from the page itself: Folio's reader sets the performance marks
 * `folio:first-page-visible` (the first displayed page images have loaded) and
 * `folio:page-shown` (after each turn, once its images are loaded); the
 * baseline page sets the same first mark from its <img> onload. Times are
 * relative to navigation start (cold cache: a fresh browser context per run).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, SAMPLE_SERIES, startEmbeddedFolio, until } from './browser.js';
import { type Budget, cleanup, errorRow, formatTable, freePort, installCleanupHandlers, makeRow, type Row, runArgs } from './lib.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WEB = join(ROOT, 'dist', 'web');
const SERIES = SAMPLE_SERIES;
/** A story page, opened by a new visitor; the viewport makes it a single page. */
const READER_PATH = `/read/${SERIES}/1/1`;
const VIEWPORT = { width: 900, height: 1000 };

const BUDGET = {
  initialKb: { kind: 'max', limit: 250 },
  firstPageMs: { kind: 'max', limit: 1_500 },
  // Preloaded and decoded: without the animation the next page is up within a few frames.
  instantFlipMs: { kind: 'max', limit: 100 },
} satisfies Record<string, Budget>;

const parseArgs = (argv: string[]) => runArgs(argv, { runs: 5, usage: 'npm run bench:web -- [--json] [--quick] [--runs N]' });

const log = (msg: string) => process.stderr.write(`bench:web: ${msg}\n`);

// ---------------------------------------------------------------------------
// Bundle size of the initial route

/** Every JS and CSS file index.html loads up front (entry, its preloaded imports, stylesheets), gzip -9. */
function initialRoute(): { files: string[]; gzipKb: number; lazyGzipKb: number } {
  const html = readFileSync(join(WEB, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
  if (refs.length === 0) throw new Error('dist/web/index.html references no /assets/*.js or *.css');
  const gz = (f: string) => gzipSync(readFileSync(join(WEB, f)), { level: 9 }).length / 1024;
  const gzipKb = refs.reduce((sum, r) => sum + gz(r), 0) + gz('index.html');
  // The rest (lazy chunks: the flipbook) for information.
  const lazy = readdirSync(join(WEB, 'assets')).filter((f) => /\.(js|css)$/.test(f) && !refs.includes(`/assets/${f}`));
  const lazyGzipKb = lazy.reduce((sum, f) => sum + gz(join('assets', f)), 0);
  return { files: refs, gzipKb, lazyGzipKb };
}

// ---------------------------------------------------------------------------
// Servers

/** The baseline: one HTML page with one <img> of the same image, from node:http. */
async function startBaseline(image: { bytes: Buffer; width: number; height: number }): Promise<{ url: string; server: Server }> {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>baseline</title></head><body style="margin:0">
<img src="/page.webp" width="${image.width}" height="${image.height}" style="max-width:100%;height:auto" alt=""
 onload="performance.mark('folio:first-page-visible')"></body></html>`;
  const server = createServer((req, res) => {
    if (req.url === '/page.webp') {
      res.writeHead(200, { 'content-type': 'image/webp', 'content-length': image.bytes.length });
      res.end(image.bytes);
    } else {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    }
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}/`, server };
}

// ---------------------------------------------------------------------------
// Measurements in Chromium

async function firstMark(page: Page): Promise<number> {
  await until(page, "performance.getEntriesByName('folio:first-page-visible').length > 0");
  return (await page.evaluate("performance.getEntriesByName('folio:first-page-visible')[0].startTime")) as number;
}

/** A fresh context (cold cache), open the URL, ms from navigation start to the first page visible. */
async function coldFirstPage(browser: Browser, url: string): Promise<number> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'commit' });
    return await firstMark(page);
  } finally {
    await context.close();
  }
}

/** Open the reader, let it preload, then time key press → next page shown. */
async function flipTime(browser: Browser, url: string, reducedMotion: 'reduce' | 'no-preference'): Promise<{ ms: number; preloaded: boolean }> {
  const context = await browser.newContext({ viewport: VIEWPORT, reducedMotion });
  try {
    const page = await context.newPage();
    await page.goto(url);
    await firstMark(page);
    // The next page was requested with the first; give it time to arrive and decode.
    await page.waitForTimeout(1_000);
    const preloaded = (await page.evaluate(
      '(() => { const i = document.querySelector(\'.flip-page[data-page="2"] img\'); return !!i && i.complete && i.naturalWidth > 0; })()',
    )) as boolean;
    await page.evaluate(
      "window.addEventListener('keydown', () => { window.__flipT0 = performance.now(); performance.clearMarks('folio:page-shown'); }, { capture: true, once: true })",
    );
    await page.keyboard.press('ArrowRight');
    await until(page, "performance.getEntriesByName('folio:page-shown').some((m) => m.detail && m.detail.pages.includes(2))");
    const ms = (await page.evaluate("performance.getEntriesByName('folio:page-shown').find((m) => m.detail.pages.includes(2)).startTime - window.__flipT0")) as number;
    return { ms, preloaded };
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const { json, runs } = parseArgs(process.argv.slice(2));
  installCleanupHandlers();
  const loadBefore = loadavg()[0]!;
  const rows: Row[] = [];

  try {
    const size = initialRoute();
    rows.push(makeRow('web.initial.gzip', `initial route JS+CSS+HTML, gzip (${size.files.length} files)`, 'KB', [size.gzipKb], BUDGET.initialKb));
    rows.push(makeRow('web.lazy.gzip', 'reader chunk (lazy: flipbook, page-flip), gzip', 'KB', [size.lazyGzipKb]));
  } catch (err) {
    rows.push(errorRow('web.initial.gzip', 'initial route JS+CSS+HTML, gzip', 'KB', BUDGET.initialKb, (err as Error).message));
  }

  log('starting folio serve (first run: imports the sample)…');
  const folio = await startEmbeddedFolio('folio-bench-web-');
  const browser = await launchChromium();
  let baseline: { url: string; server: Server } | null = null;
  try {
    // The baseline serves the same display image the reader shows first.
    const ep = (await (await fetch(`${folio.url}/api/series/${SERIES}/episodes/1`)).json()) as {
      pages: Array<{ number: number; image: { url: string; width: number; height: number } | null }>;
    };
    const img = ep.pages.find((p) => p.number === 1)?.image;
    if (!img) throw new Error('the sample has no display image for 1/1');
    const bytes = Buffer.from(await (await fetch(folio.url + img.url)).arrayBuffer());
    baseline = await startBaseline({ bytes, width: img.width, height: img.height });

    const app: number[] = [];
    const base: number[] = [];
    const ratio: number[] = [];
    // Warm-up (Chromium's own first start, the server's first request), not counted.
    await coldFirstPage(browser, baseline.url);
    await coldFirstPage(browser, folio.url + READER_PATH);
    for (let i = 0; i < runs; i++) {
      log(`first page, run ${i + 1}/${runs}`);
      const b = await coldFirstPage(browser, baseline.url);
      const a = await coldFirstPage(browser, folio.url + READER_PATH);
      base.push(b);
      app.push(a);
      ratio.push(a / b);
    }
    rows.push(makeRow('web.first.baseline', 'baseline: bare HTML + one <img> (node:http), cold', 'ms', base));
    rows.push(makeRow('web.first.app', `first page visible, ${READER_PATH}, cold cache (folio serve, PGlite)`, 'ms', app, BUDGET.firstPageMs));
    rows.push(makeRow('web.first.ratio', 'first page visible ÷ baseline (same run)', 'x', ratio));

    const animated: number[] = [];
    const instant: number[] = [];
    let preloadedAll = true;
    for (let i = 0; i < runs; i++) {
      log(`page turn, run ${i + 1}/${runs}`);
      const a = await flipTime(browser, folio.url + READER_PATH, 'no-preference');
      const r = await flipTime(browser, folio.url + READER_PATH, 'reduce');
      animated.push(a.ms);
      instant.push(r.ms);
      preloadedAll &&= a.preloaded && r.preloaded;
    }
    const note = preloadedAll ? 'the next page was loaded and decoded before every turn' : 'the next page was NOT always preloaded before the turn';
    rows.push(
      makeRow(
        'web.flip.animated',
        'turn → next page shown, with the page-flip animation',
        'ms',
        animated,
        null,
        'includes the flip animation itself (FLIP_MS = 450 ms, shorter on narrow books)',
      ),
    );
    rows.push(makeRow('web.flip.instant', 'turn → next page shown, prefers-reduced-motion (no animation)', 'ms', instant, BUDGET.instantFlipMs, note));
  } finally {
    await browser.close();
    await folio.stop();
    if (baseline) await new Promise((r) => baseline!.server.close(r));
  }

  const machine = { cpus: availableParallelism(), load1Before: loadBefore, load1After: loadavg()[0]! };
  if (json) {
    process.stdout.write(`${JSON.stringify({ runs, node: process.version, machine, rows }, null, 2)}\n`);
  } else {
    const title =
      `Folio web reader benchmark: ${new Date().toISOString()}, node ${process.version}, ${machine.cpus} CPUs, ` +
      `1-min load ${machine.load1Before.toFixed(1)} → ${machine.load1After.toFixed(1)}, ${runs} run(s) per figure, median (min)`;
    process.stdout.write(`${formatTable(rows, title)}\n`);
  }
  if (rows.some((r) => r.error)) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench:web: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit(process.exitCode ?? 0);
