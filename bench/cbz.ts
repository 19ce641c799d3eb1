/**
 * Any comic in, a companion out, end to end: Pepper&Carrot's page images made into one CBZ per episode (images
 * only, no text), then the commands an operator types on a fresh data folder, timed:
 *
 *   folio import <folder of .cbz>   (validate, image variants, transcribe offline, draft the world)
 *   folio embed                     (vectors for every chunk, the built-in offline embedder)
 *
 * and, in the same run as the baseline, `folio import` of the same images as a pack with the authored text
 * (no transcription, nothing drafted), so the cost of transcribing and drafting reads as a ratio.
 *
 * Then, from what the import stored (opened read-only afterwards), against the pack's own text and world:
 * - transcription: word recall and precision, bag of words, lower case, summed over every page whose gold
 *   `dialogue` is not empty (the metric of bench/transcription.ts);
 * - drafted world: recall (of gold entities whose name or an alias is in the gold lettering, the share a drafted
 *   entity matches), precision (of drafted entities, the share matching a gold one), debuts at or after the first
 *   page whose gold lettering names them (src/drafting/evaluate.ts, as bench/draft.ts);
 * - peak RSS of the import process.
 *
 *   node --import tsx bench/cbz.ts [--json] [--episodes N] [--degraded] [--small]
 *
 * `--small`: the commands run as on a 512 MB Fly machine or a Raspberry Pi (FOLIO_IMPORT_CONCURRENCY=1,
 * NODE_OPTIONS=--max-old-space-size=160, MALLOC_ARENA_MAX=2); without it, Node's defaults on this machine, whose
 * garbage collector lets the heap grow far past what the import needs (compare the baseline's peak).
 * `--degraded`: images downscaled to 75 % and re-encoded at JPEG quality 70, as real CBZ rips are.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { parse, stringify } from 'yaml';
import { seriesForExport } from '../src/content/queries.js';
import { openPglite } from '../src/db/pglite.js';
import type { DraftPage } from '../src/drafting/draft.js';
import { readGoldEntities, scoreDraft } from '../src/drafting/evaluate.js';
import { cbzOfImages, comicInfo } from '../test/cbz.js';
import { PEPPER_CARROT } from '../test/corpus.js';
import { type Budget, cleanup, formatTable, installCleanupHandlers, makeRow, makeTempDir, type Row, spawnTracked } from './lib.js';

const json = process.argv.includes('--json');
const degraded = process.argv.includes('--degraded');
/** The small-box shape (deploy/fly/fly.toml, deploy/systemd): one page at a time, a 160 MB heap, two malloc arenas. */
const small = process.argv.includes('--small');
const SMALL_ENV = small ? { FOLIO_IMPORT_CONCURRENCY: '1', NODE_OPTIONS: '--max-old-space-size=160', MALLOC_ARENA_MAX: '2' } : {};
const episodesArg = process.argv.indexOf('--episodes');
const MAX_EPISODES = episodesArg > 0 ? Number(process.argv[episodesArg + 1]) : Number.POSITIVE_INFINITY;
const BIN = join(import.meta.dirname, '..', 'bin', 'folio.js');

const BUDGET = {
  pipelineS: { kind: 'max', limit: 180 },
  recall: { kind: 'min', limit: degraded ? 0.75 : 0.8 },
  precision: { kind: 'min', limit: degraded ? 0.85 : 0.9 },
  worldRecall: { kind: 'min', limit: 0.8 },
  worldPrecision: { kind: 'min', limit: 0.7 },
  debutsPct: { kind: 'min', limit: 100 },
} satisfies Record<string, Budget>;

interface GoldPage {
  number: number;
  kind?: string;
  image?: string | null;
  dialogue?: string | null;
}
interface GoldEpisode {
  dir: string;
  number: number;
  title: string;
  pages: GoldPage[];
}

function goldEpisodes(): GoldEpisode[] {
  const dirs = readdirSync(join(PEPPER_CARROT, 'episodes')).sort();
  return dirs
    .map((dir) => {
      const y = parse(readFileSync(join(PEPPER_CARROT, 'episodes', dir, 'episode.yaml'), 'utf8')) as Omit<GoldEpisode, 'dir'>;
      return { dir, number: y.number, title: y.title, pages: y.pages };
    })
    .sort((a, b) => a.number - b.number)
    .slice(0, MAX_EPISODES);
}

/** The pages that go into an episode's CBZ (with an image, not blank), in order: CBZ page n is the n-th. */
const cbzPages = (e: GoldEpisode) => e.pages.filter((p) => p.image && p.kind !== 'blank');

async function imageBytes(e: GoldEpisode, p: GoldPage): Promise<Buffer> {
  const raw = await readFile(join(PEPPER_CARROT, 'episodes', e.dir, p.image!));
  if (!degraded) return raw;
  const meta = await sharp(raw).metadata();
  return sharp(raw)
    .resize({ width: Math.round((meta.width ?? 800) * 0.75) })
    .jpeg({ quality: 70 })
    .toBuffer();
}

/** Run a folio command on a data folder; wall time and the process's peak RSS (VmHWM, polled). */
async function folio(args: string[], dataDir: string): Promise<{ ms: number; peakMb: number; out: string }> {
  const started = performance.now();
  const p = spawnTracked(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...SMALL_ENV, FOLIO_DATA_DIR: dataDir, FOLIO_SAMPLE: 'false', FOLIO_MODEL: 'none', LOG_LEVEL: 'warn' },
  });
  let peakKb = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p.child.pid}/status`, 'utf8'));
      if (m) peakKb = Math.max(peakKb, Number(m[1]));
    } catch {
      // The process has exited.
    }
  }, 100);
  const code = await new Promise<number | null>((r) => p.child.on('exit', (c) => r(c)));
  clearInterval(poll);
  if (code !== 0) throw new Error(`folio ${args.join(' ')} exited ${code}:\n${p.output().slice(-2000)}`);
  return { ms: performance.now() - started, peakMb: peakKb / 1024, out: p.output() };
}

const words = (s: string) => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
function bag(s: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const w of words(s)) m.set(w, (m.get(w) ?? 0) + 1);
  return m;
}

async function main(): Promise<void> {
  installCleanupHandlers();
  const episodes = goldEpisodes();
  const tmp = await makeTempDir('folio-bench-cbz-');
  const cbzDir = join(tmp, 'cbz');
  const packDir = join(tmp, 'pack');
  await mkdir(cbzDir);
  await mkdir(join(packDir, 'episodes'), { recursive: true });
  await writeFile(join(packDir, 'series.yaml'), stringify({ id: 'potion-tales', title: 'Potion Tales', language: 'en' }));
  let pages = 0;
  for (const e of episodes) {
    const list = cbzPages(e);
    const images = await Promise.all(list.map(async (p, i) => ({ name: `p${String(i + 1).padStart(3, '0')}.jpg`, bytes: await imageBytes(e, p) })));
    pages += images.length;
    await writeFile(
      join(cbzDir, `potion-tales-${String(e.number).padStart(2, '0')}.cbz`),
      await cbzOfImages(images, comicInfo({ Series: 'Pepper&Carrot', Number: e.number, Title: e.title })),
    );
    // The baseline: the same images as a pack with the authored text.
    const dir = join(packDir, 'episodes', String(e.number).padStart(3, '0'));
    await mkdir(join(dir, 'pages'), { recursive: true });
    for (const img of images) await writeFile(join(dir, 'pages', img.name), img.bytes);
    await writeFile(
      join(dir, 'episode.yaml'),
      stringify({
        number: e.number,
        title: e.title,
        pages: list.map((p, i) => ({ number: i + 1, kind: 'story', image: `pages/${images[i]!.name}`, dialogue: p.dialogue ?? '' })),
      }),
    );
  }
  process.stderr.write(`bench:cbz: ${episodes.length} episodes, ${pages} pages${degraded ? ' (75 %, JPEG q70)' : ''}\n`);

  const baseline = await folio(['import', packDir], join(tmp, 'data-pack'));
  process.stderr.write(`bench:cbz: baseline pack import ${(baseline.ms / 1000).toFixed(1)} s\n`);
  const data = join(tmp, 'data-cbz');
  const imported = await folio(['import', cbzDir], data);
  process.stderr.write(`bench:cbz: CBZ import ${(imported.ms / 1000).toFixed(1)} s\n${imported.out.split('\n').slice(-3).join('\n')}\n`);
  const embedded = await folio(['embed'], data);
  process.stderr.write(`bench:cbz: embed ${(embedded.ms / 1000).toFixed(1)} s\n`);

  // What the import stored, against the gold text and world.
  const db = await openPglite(join(data, 'pglite'));
  const stored = await seriesForExport(db.db, 'pepper-carrot');
  await db.close();
  if (!stored) throw new Error('the series was not imported');
  let matched = 0;
  let goldWords = 0;
  let ocrWords = 0;
  const draftPages: DraftPage[] = [];
  for (const e of episodes) {
    for (const [i, p] of cbzPages(e).entries()) {
      const got = stored.pages.find((x) => x.episode === e.number && x.number === i + 1)?.dialogue ?? '';
      draftPages.push({ episode: e.number, page: i + 1, kind: 'story', text: p.dialogue ?? '' });
      if (!(p.dialogue ?? '').trim()) continue;
      const want = bag(p.dialogue ?? '');
      const have = bag(got);
      for (const [w, n] of want) matched += Math.min(n, have.get(w) ?? 0);
      goldWords += [...want.values()].reduce((a, b) => a + b, 0);
      ocrWords += [...have.values()].reduce((a, b) => a + b, 0);
    }
  }
  // The drafted world as stored, judged against the gold lettering (renumbered like the CBZ pages).
  const gold = readGoldEntities(PEPPER_CARROT);
  const world = {
    entities: stored.entities.map((x) => ({
      slug: x.slug,
      name: x.name,
      kind: x.kind,
      aliases: x.aliases,
      episode_debut: x.episode,
      page_debut: x.page,
      descriptions: [],
    })),
    relationships: [],
    summaries: [],
  };
  const score = scoreDraft(draftPages, world, gold);
  const transcribed = stored.pages.filter((p) => p.dialogueSource === 'ocr').length;

  const pipelineS = (imported.ms + embedded.ms) / 1000;
  const rows: Row[] = [
    makeRow('pipeline', `CBZ import + transcribe + draft + embed, ${pages} pages`, 's', [pipelineS], BUDGET.pipelineS),
    makeRow('import', 'of which folio import (transcribe, draft)', 's', [imported.ms / 1000]),
    makeRow('embed', 'of which folio embed', 's', [embedded.ms / 1000]),
    makeRow('baseline', 'baseline: the same images as a pack with authored text', 's', [baseline.ms / 1000]),
    makeRow('ratio', 'CBZ import ÷ baseline import', 'x', [imported.ms / baseline.ms]),
    makeRow('rate', 'pages transcribed per second of import', 'pages/s', [transcribed / (imported.ms / 1000)]),
    makeRow('recall', 'transcription word recall', 'fraction', [matched / goldWords], BUDGET.recall),
    makeRow('precision', 'transcription word precision', 'fraction', [matched / Math.max(1, ocrWords)], BUDGET.precision),
    makeRow('world-recall', 'drafted world recall (gold entities named in the lettering)', 'fraction', [score.recall], BUDGET.worldRecall),
    makeRow('world-precision', 'drafted world precision', 'fraction', [score.precision], BUDGET.worldPrecision),
    makeRow('debuts', 'drafted debuts at or after the first gold mention', '%', [score.debutShare * 100], BUDGET.debutsPct),
    // The ≤ 600 MB budget while transcribing is the OCR engine's, measured alone by bench/transcription.ts; the
    // whole import process peaks where the pack import without any reading does (images, the database).
    makeRow('rss', 'peak RSS of folio import', 'MB', [imported.peakMb]),
    makeRow('rss-baseline', 'baseline: peak RSS of the pack import', 'MB', [baseline.peakMb]),
    makeRow('rss-added', 'peak RSS added by transcribing and drafting (import − baseline)', 'MB', [imported.peakMb - baseline.peakMb]),
    makeRow('entities', 'entities drafted', 'count', [stored.entities.length]),
  ];
  if (json)
    process.stdout.write(
      `${JSON.stringify({ degraded, episodes: episodes.length, pages, rows, missed: score.missed, unmatched: score.unmatched, earlyDebuts: score.earlyDebuts }, null, 2)}\n`,
    );
  else {
    process.stdout.write(
      `${formatTable(rows, `bench:cbz — Pepper&Carrot as CBZ${degraded ? ' (75 %, JPEG q70)' : ''}${small ? ', small-box shape' : ''}, ${episodes.length} episodes`)}\n`,
    );
    process.stdout.write(
      `missed gold entities: ${score.missed.join(', ') || 'none'}\nunmatched drafted: ${score.unmatched.join(', ') || 'none'}\n` +
        `debuts before the first gold mention: ${score.earlyDebuts.join(', ') || 'none'}\n`,
    );
  }
  await cleanup();
}

main().catch(async (err: unknown) => {
  process.stderr.write(`bench:cbz failed: ${(err as Error).stack ?? String(err)}\n`);
  await cleanup();
  process.exit(1);
});
