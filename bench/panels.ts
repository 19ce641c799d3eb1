/**
 * Panel detection (src/panels) on Pepper&Carrot's page images (issue 18).
 *
 *   node --import tsx bench/panels.ts                       # the table
 *   node --import tsx bench/panels.ts --out /tmp/panels     # and sheets of 30 pages with their panels drawn, to check by eye
 *   node --import tsx bench/panels.ts --json                # rows and every page's result
 *
 * Pages: every page image of /work/shared/data/pepper-carrot (FOLIO_BENCH_PACK). For each, the decode at
 * detection size is done first (it is shared with the image pipeline), then `detectPanels` + `orderPanels`
 * are timed alone, after a warm-up on the first page (V8 compiling the loops, once per process): the budget is
 * ≤ 50 ms per page. The image pipeline's own cost with and without detection
 * (`makeVariants`, the import's image step, measured in the same run) gives what detection adds to an import.
 * Counts are compared with the pack's `panels_detected` (an estimate the pack's authors made, not gold; a page
 * found unsure, shown whole, counts as 0 panels). The 30 pages drawn for the eye are every fifth story page.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import YAML from 'yaml';
import { makeVariants } from '../src/images.js';
import { DETECT_WIDTH, detectPanels, orderPanels, type Panel } from '../src/panels/index.js';
import { PEPPER_CARROT } from '../test/corpus.js';
import { type Budget, formatTable, makeRow, percentile, type Row } from './lib.js';

const PACK = process.env.FOLIO_BENCH_PACK ?? PEPPER_CARROT;
const BUDGET = { detectMs: { kind: 'max', limit: 50 } } satisfies Record<string, Budget>;
const EYE_PAGES = 30;

const args = process.argv.slice(2);
if (args.includes('--help')) {
  process.stdout.write('usage: node --import tsx bench/panels.ts [--out DIR] [--json]\n');
  process.exit(0);
}
const json = args.includes('--json');
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? args[outIndex + 1] : undefined;
if (outIndex >= 0 && !out) throw new Error('--out needs a directory');
const log = (s: string) => process.stderr.write(`${s}\n`);

interface PageFile {
  episode: number;
  page: number;
  kind: string;
  path: string;
  prior: number | null;
}

function loadPages(): PageFile[] {
  const root = join(PACK, 'episodes');
  const pages: PageFile[] = [];
  for (const dir of readdirSync(root).sort()) {
    const e = YAML.parse(readFileSync(join(root, dir, 'episode.yaml'), 'utf8')) as {
      number: number;
      pages: Array<{ number: number; kind?: string; image?: string; panels_detected?: number }>;
    };
    for (const p of e.pages) {
      if (!p.image) continue;
      pages.push({ episode: e.number, page: p.number, kind: p.kind ?? 'story', path: join(root, dir, p.image), prior: p.panels_detected ?? null });
    }
  }
  return pages.sort((a, b) => a.episode - b.episode || a.page - b.page);
}

/** The page with its panels drawn and numbered in reading order, 360 px wide. */
async function drawn(path: string, label: string, panels: Panel[]): Promise<Buffer> {
  const meta = await sharp(path).metadata();
  const W = 360;
  const H = Math.round((W * (meta.height ?? 1)) / (meta.width ?? 1));
  const rects = panels
    .map(
      (r, i) =>
        `<rect x="${r.x * W}" y="${r.y * H}" width="${r.w * W}" height="${r.h * H}" fill="none" stroke="red" stroke-width="3"/>` +
        `<text x="${r.x * W + 8}" y="${r.y * H + 32}" font-size="28" font-family="sans-serif" fill="red" stroke="white" stroke-width="1">${i + 1}</text>`,
    )
    .join('');
  const svg = `<svg width="${W}" height="${H}"><rect width="${W}" height="22" fill="black"/><text x="4" y="17" font-size="16" fill="yellow" font-family="sans-serif">${label}</text>${rects}</svg>`;
  return sharp(path)
    .resize({ width: W, height: H })
    .composite([{ input: Buffer.from(svg) }])
    .png()
    .toBuffer();
}

async function sheet(tiles: Buffer[], file: string): Promise<void> {
  const metas = await Promise.all(tiles.map((t) => sharp(t).metadata()));
  const height = Math.max(...metas.map((m) => m.height ?? 0));
  let left = 0;
  const placed = tiles.map((input, i) => {
    const at = { input, left, top: 0 };
    left += (metas[i]!.width ?? 0) + 8;
    return at;
  });
  await sharp({ create: { width: left - 8, height, channels: 3, background: '#333333' } })
    .composite(placed)
    .png()
    .toFile(file);
}

const pages = loadPages();
log(`bench:panels: ${pages.length} page images`);
const detectMs: number[] = [];
const results: Array<{ episode: number; page: number; kind: string; panels: number; unsure: boolean; prior: number | null; ms: number }> = [];
const detected = new Map<string, Panel[]>();
// The first calls in a process run before V8 has compiled the loops (30-70 ms instead of 2-10): an import pays
// that once, on its first page, so the timed pages start warm.
const gray = (path: string) =>
  sharp(path).resize({ width: DETECT_WIDTH, withoutEnlargement: true }).flatten({ background: '#ffffff' }).grayscale().raw().toBuffer({ resolveWithObject: true });
{
  const { data, info } = await gray(pages[0]!.path);
  for (let i = 0; i < 20; i++) detectPanels({ data, width: info.width, height: info.height });
}
for (const p of pages) {
  const { data, info } = await gray(p.path);
  const t0 = performance.now();
  const d = detectPanels({ data, width: info.width, height: info.height });
  const ordered = orderPanels(d.panels, 'ltr');
  const ms = performance.now() - t0;
  detectMs.push(ms);
  detected.set(`${p.episode}/${p.page}`, ordered);
  results.push({ episode: p.episode, page: p.page, kind: p.kind, panels: ordered.length, unsure: d.unsure, prior: p.prior, ms });
}

// The import's image step with and without detection, alternating page by page so load drifts hit both alike.
const withMs: number[] = [];
const withoutMs: number[] = [];
for (const p of pages) {
  const bytes = readFileSync(p.path);
  for (const panels of [false, true]) {
    const t0 = performance.now();
    await makeVariants(bytes, { displayMaxWidth: 1600, thumbWidth: 240, panels });
    (panels ? withMs : withoutMs).push(performance.now() - t0);
  }
}
const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

const withPrior = results.filter((r) => r.prior !== null);
const matches = withPrior.filter((r) => r.panels === r.prior).length;
const story = results.filter((r) => r.kind === 'story');
const rows: Row[] = [
  makeRow('detect.p50', 'detection + ordering per page, p50', 'ms.1', [percentile(detectMs, 50)]),
  makeRow('detect.p95', 'detection + ordering per page, p95', 'ms.1', [percentile(detectMs, 95)], BUDGET.detectMs, `${pages.length} pages at ${DETECT_WIDTH} px wide`),
  makeRow('detect.max', 'detection + ordering per page, slowest', 'ms.1', [Math.max(...detectMs)], BUDGET.detectMs),
  makeRow('variants.baseline', 'image step per page without detection (baseline), mean', 'ms.1', [total(withoutMs) / pages.length]),
  makeRow(
    'variants.ratio',
    'image step with detection / without',
    'x',
    [total(withMs) / total(withoutMs)],
    null,
    `${(total(withMs) / pages.length).toFixed(1)} ms per page with detection`,
  ),
  makeRow(
    'prior.match',
    "pages whose panel count matches the pack's panels_detected",
    '%',
    [(100 * matches) / Math.max(1, withPrior.length)],
    null,
    `${matches} of ${withPrior.length}; a rough prior, not gold`,
  ),
  makeRow(
    'story.unsure',
    'story pages found unsure (shown whole)',
    '%',
    [(100 * story.filter((r) => r.unsure).length) / Math.max(1, story.length)],
    null,
    `of ${story.length}`,
  ),
];

if (out) {
  mkdirSync(out, { recursive: true });
  const eye = story.filter((_, i) => i % 5 === 0).slice(0, EYE_PAGES);
  for (let i = 0; i < eye.length; i += 5) {
    const tiles = await Promise.all(
      eye.slice(i, i + 5).map((r) => {
        const p = pages.find((x) => x.episode === r.episode && x.page === r.page)!;
        return drawn(p.path, `${r.episode}/${r.page} ${r.unsure ? 'whole page' : `${r.panels} panels`}`, detected.get(`${r.episode}/${r.page}`) ?? []);
      }),
    );
    await sheet(tiles, join(out, `sheet-${String(i / 5 + 1).padStart(2, '0')}.png`));
  }
  writeFileSync(join(out, 'pages.txt'), `${eye.map((r) => `${r.episode}/${r.page}`).join('\n')}\n`);
  log(`bench:panels: ${eye.length} pages drawn in ${out}/sheet-*.png`);
}

if (json) process.stdout.write(`${JSON.stringify({ rows, results }, null, 2)}\n`);
else process.stdout.write(formatTable(rows, 'Panel detection (issue 18)'));
