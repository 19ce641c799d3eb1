/**
 * Offline OCR of comic pages (src/transcription/ocr.ts) against the Pepper&Carrot lettering.
 *
 *   node --import tsx bench/transcription.ts            # every page with dialogue, the table
 *   node --import tsx bench/transcription.ts --quick    # every third episode (1, 4, 7, ... 22)
 *   node --import tsx bench/transcription.ts --json     # rows and every page's figures as JSON
 *
 * Pages: every page of /work/shared/data/pepper-carrot (FOLIO_BENCH_PACK) whose gold `dialogue` is not empty.
 * Score: bag of words (lower case, words = runs of letters / digits, multiplicity counted; a word matches up to
 * the smaller of its two counts), summed over the pages: recall = matched / gold words, precision =
 * matched / OCR words. Two passes over the same engine: (a) the page images as they are, (b) downscaled to
 * 75 % and re-encoded at JPEG quality 70 in memory (like a CBZ rip). Pages/s is the wall time of a pass with
 * two pages in flight (the engine's two tesseract workers busy), engine start excluded (reported on its own).
 * Peak RSS is the largest process RSS sampled every 50 ms while transcribing. When the Debian `tesseract`
 * binary is installed, its `--psm 3` on the raw pages is the anchor of the issue (two processes at a time).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import sharp from 'sharp';
import YAML from 'yaml';
import { openOcrEngine, transcriptText } from '../src/transcription/ocr.js';
import { PEPPER_CARROT } from '../test/corpus.js';
import { type Budget, formatTable, makeRow, type Row } from './lib.js';

const PACK = process.env.FOLIO_BENCH_PACK ?? PEPPER_CARROT;
const IN_FLIGHT = 2;
const WORKERS = 2;

const BUDGET = {
  recall: { kind: 'min', limit: 0.8 },
  precision: { kind: 'min', limit: 0.9 },
  pagesPerSecond: { kind: 'min', limit: 3 },
  peakRssMb: { kind: 'max', limit: 600 },
  degradedRecall: { kind: 'min', limit: 0.75 },
  degradedPrecision: { kind: 'min', limit: 0.85 },
} satisfies Record<string, Budget>;

interface Page {
  episode: number;
  page: number;
  path: string;
  gold: string;
}

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
if (args.includes('--help')) {
  process.stdout.write('usage: node --import tsx bench/transcription.ts [--quick] [--json]\n');
  process.exit(0);
}
const log = (s: string) => process.stderr.write(`${s}\n`);

function loadPages(): Page[] {
  const root = join(PACK, 'episodes');
  if (!existsSync(root)) throw new Error(`${root} is missing: set FOLIO_BENCH_PACK to the Pepper&Carrot corpus`);
  const out: Page[] = [];
  for (const dir of readdirSync(root).sort()) {
    const y = YAML.parse(readFileSync(join(root, dir, 'episode.yaml'), 'utf8')) as {
      number: number;
      pages: Array<{ number: number; image?: string; dialogue?: string }>;
    };
    if (quick && (y.number - 1) % 3 !== 0) continue;
    for (const p of y.pages) {
      if (p.image && p.dialogue?.trim()) out.push({ episode: y.number, page: p.number, path: join(root, dir, p.image), gold: p.dialogue });
    }
  }
  return out;
}

const words = (s: string): string[] => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/** Matched words (multiplicity: the smaller count), gold words, OCR words. */
export function bagMatch(gold: string, ocr: string): { matched: number; gold: number; ocr: number } {
  const g = words(gold);
  const o = words(ocr);
  const counts = new Map<string, number>();
  for (const w of o) counts.set(w, (counts.get(w) ?? 0) + 1);
  const gc = new Map<string, number>();
  for (const w of g) gc.set(w, (gc.get(w) ?? 0) + 1);
  let matched = 0;
  for (const [w, n] of gc) matched += Math.min(n, counts.get(w) ?? 0);
  return { matched, gold: g.length, ocr: o.length };
}

interface PassResult {
  recall: number;
  precision: number;
  pagesPerSecond: number;
  peakRssMb: number;
  seconds: number;
  pages: Array<{ episode: number; page: number; matched: number; gold: number; ocr: number; text: string }>;
}

/** Runs `read` over every image with IN_FLIGHT pages at a time, timing the wall clock and sampling RSS. */
async function runPass(pages: Page[], images: Buffer[], read: (img: Buffer, i: number) => Promise<string>): Promise<PassResult> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const texts: string[] = new Array(pages.length);
  let next = 0;
  const t0 = performance.now();
  try {
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < pages.length) {
          const i = next++;
          texts[i] = await read(images[i]!, i);
        }
      }),
    );
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - t0) / 1000;
  peak = Math.max(peak, process.memoryUsage().rss);
  let m = 0;
  let g = 0;
  let o = 0;
  const per = pages.map((p, i) => {
    const s = bagMatch(p.gold, texts[i]!);
    m += s.matched;
    g += s.gold;
    o += s.ocr;
    return { episode: p.episode, page: p.page, ...s, text: texts[i]! };
  });
  return { recall: g ? m / g : 0, precision: o ? m / o : 0, pagesPerSecond: pages.length / seconds, peakRssMb: peak / 1e6, seconds, pages: per };
}

async function tesseractCli(): Promise<string | null> {
  try {
    await promisify(execFile)('tesseract', ['--version']);
    return 'tesseract';
  } catch {
    return null;
  }
}

const pages = loadPages();
log(`${pages.length} pages with dialogue${quick ? ' (quick: episodes 1, 4, 7, ...)' : ''}`);
const raw = pages.map((p) => readFileSync(p.path));
const degraded = await Promise.all(
  raw.map(async (b) => {
    const meta = await sharp(b).metadata();
    return sharp(b)
      .resize({ width: Math.round((meta.width ?? 800) * 0.75) })
      .jpeg({ quality: 70 })
      .toBuffer();
  }),
);

const t0 = performance.now();
const engine = await openOcrEngine({ languages: ['eng'], workers: WORKERS });
const initMs = performance.now() - t0;
log(`engine ${engine.id}: started in ${Math.round(initMs)} ms`);

const readWith = async (img: Buffer) => transcriptText(await engine.read(img, { direction: 'ltr' }));
const asIs = await runPass(pages, raw, readWith);
log(`as-is: recall ${asIs.recall.toFixed(3)}, precision ${asIs.precision.toFixed(3)}, ${asIs.pagesPerSecond.toFixed(2)} pages/s`);
const deg = await runPass(pages, degraded, readWith);
log(`degraded: recall ${deg.recall.toFixed(3)}, precision ${deg.precision.toFixed(3)}, ${deg.pagesPerSecond.toFixed(2)} pages/s`);
await engine.close();

let anchor: PassResult | null = null;
const cli = await tesseractCli();
if (cli) {
  log('anchor: tesseract CLI --psm 3 on the raw pages...');
  const run = promisify(execFile);
  anchor = await runPass(pages, raw, async (_img, i) => {
    const { stdout } = await run(cli, [pages[i]!.path, 'stdout', '--psm', '3'], { env: { ...process.env, OMP_THREAD_LIMIT: '1' }, maxBuffer: 1 << 24 });
    return stdout;
  });
} else {
  log('anchor: no `tesseract` binary (apt-get install tesseract-ocr), skipped');
}

const rows: Row[] = [
  makeRow('init', 'engine start (2 workers)', 'ms', [initMs]),
  makeRow('recall', 'recall, pages as they are', 'fraction', [asIs.recall], BUDGET.recall),
  makeRow('precision', 'precision, pages as they are', 'fraction', [asIs.precision], BUDGET.precision),
  makeRow('pages_per_s', 'pages/s (2 workers)', 'pages/s', [asIs.pagesPerSecond], BUDGET.pagesPerSecond),
  makeRow('peak_rss', 'peak RSS while transcribing', 'MB', [Math.max(asIs.peakRssMb, deg.peakRssMb)], BUDGET.peakRssMb),
  makeRow('degraded_recall', 'recall, 75 % + JPEG q70', 'fraction', [deg.recall], BUDGET.degradedRecall),
  makeRow('degraded_precision', 'precision, 75 % + JPEG q70', 'fraction', [deg.precision], BUDGET.degradedPrecision),
  makeRow('degraded_pages_per_s', 'pages/s, 75 % + JPEG q70', 'pages/s', [deg.pagesPerSecond]),
];
if (anchor) {
  rows.push(
    makeRow('anchor_recall', 'anchor: tesseract CLI --psm 3 recall', 'fraction', [anchor.recall]),
    makeRow('anchor_precision', 'anchor: tesseract CLI --psm 3 precision', 'fraction', [anchor.precision]),
    makeRow('anchor_pages_per_s', 'anchor: tesseract CLI pages/s (2 processes)', 'pages/s', [anchor.pagesPerSecond]),
  );
}

if (json) {
  process.stdout.write(
    `${JSON.stringify(
      {
        node: process.version,
        engine: engine.id,
        pages: pages.length,
        quick,
        rows,
        asIs: asIs.pages,
        degraded: deg.pages,
        ...(anchor ? { anchor: anchor.pages } : {}),
      },
      null,
      2,
    )}\n`,
  );
} else {
  process.stdout.write(`${formatTable(rows, `Offline OCR (${engine.id}), ${pages.length} Pepper&Carrot pages${quick ? ', quick' : ''}`)}\n`);
}
process.exitCode = rows.some((r) => r.pass === false) ? 1 : 0;
