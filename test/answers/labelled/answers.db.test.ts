/**
 * The labelled questions in CI (issue 16): every question asked at its position on this project's database, with
 * the evaluation bench/answers.ts reports (evaluate.ts), held to thresholds a little below the budgets so a
 * regression fails here. The figures are printed in one line.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEmbedder } from '../../../src/models/local-embedder.js';
import { PEPPER_CARROT } from '../../corpus.js';
import { backend, createTestDatabase, type TestDatabase } from '../../db.js';
import { buildOracle } from '../../spoilers/oracle.js';
import { DiskCachedEmbedder, evaluate, figures, prepareCorpus, type QuestionResult } from './evaluate.js';
import { loadQuestions } from './labelled.js';

/**
 * Thresholds a little below the figures of 2026-12-06 (both databases: recall@5 0.924, MRR 0.797; quote words 0.793,
 * quote mode's fourth round), so a regression fails here. Recall and MRR
 * meet their budgets (≥ 0.90, ≥ 0.75); quote mode does not yet (≥ 0.85): its threshold rises with it, to the
 * budget − 0.02 once it is met.
 */
const MIN_RECALL_AT_5 = 0.9;
const MIN_MRR = 0.77;
const MIN_QUOTE_WORDS = 0.8;
/** Questions beyond the position answered without a spoiler: all of them, always. */
const MIN_BEYOND_SAFE = 1;

/**
 * Quote mode answers every question on PGlite, only the beyond ones (safety) on PostgreSQL: a quote-mode answer is
 * made from the passages, and retrieval, the part that depends on the database, is checked on both. This keeps each
 * project near 90 s on a busy two-core machine (PostgreSQL's import is the slower one).
 */
const QUOTE_ALL = backend() === 'pglite';

let db: TestDatabase;
let mediaDir: string;
let local: LocalEmbedder;
let results: QuestionResult[];

beforeAll(async () => {
  const started = performance.now();
  db = await createTestDatabase();
  mediaDir = await mkdtemp(join(tmpdir(), 'folio-labelled-media-'));
  local = new LocalEmbedder();
  const embedder = new DiskCachedEmbedder(local);
  const questions = loadQuestions();
  const oracle = await buildOracle(PEPPER_CARROT);
  await prepareCorpus(db.database, embedder, { pack: PEPPER_CARROT, mediaDir });
  const prepared = performance.now();
  results = await evaluate(db.database, {
    embedder,
    oracle,
    questions,
    mediaDir,
    tag: backend(),
    quote: (q) => QUOTE_ALL || q.kind === 'beyond',
    concurrency: 4,
  });
  const seconds = (from: number, to = performance.now()) => `${((to - from) / 1000).toFixed(0)} s`;
  const f = figures(results);
  console.log(
    `labelled answers on ${backend()}: recall@5 ${f.recallAt5.toFixed(3)}, MRR ${f.mrr.toFixed(3)} (${f.answerable} answerable), ` +
      `quote words ${QUOTE_ALL ? f.quoteWords.toFixed(3) : 'not asked'} (${f.quoted}), beyond safe ${f.beyondSafe.toFixed(3)} (${f.beyond}), ` +
      `${f.failed.length} failed requests; import and vectors ${seconds(started, prepared)} (${embedder.computed} texts embedded), questions ${seconds(prepared)}`,
  );
}, 600_000);

afterAll(async () => {
  await local?.close();
  await db?.close();
  if (mediaDir) await rm(mediaDir, { recursive: true, force: true });
});

describe(`labelled questions for answers (${backend()})`, () => {
  it('every chat request succeeds', () => {
    const failed = figures(results).failed;
    expect(failed.map((r) => `${r.id}: ${r.error}`)).toEqual([]);
  });

  it(`retrieval finds the gold page: recall@5 ≥ ${MIN_RECALL_AT_5}, MRR ≥ ${MIN_MRR}`, () => {
    const f = figures(results);
    expect(f.recallAt5, `recall@5 ${f.recallAt5.toFixed(3)} is below ${MIN_RECALL_AT_5}`).toBeGreaterThanOrEqual(MIN_RECALL_AT_5);
    expect(f.mrr, `MRR ${f.mrr.toFixed(3)} is below ${MIN_MRR}`).toBeGreaterThanOrEqual(MIN_MRR);
  });

  it.runIf(QUOTE_ALL)(`quote mode answers with the required words ≥ ${MIN_QUOTE_WORDS}`, () => {
    const f = figures(results);
    expect(f.quoted).toBeGreaterThan(0);
    expect(f.quoteWords, `quote-mode answers with the required words ${f.quoteWords.toFixed(3)} is below ${MIN_QUOTE_WORDS}`).toBeGreaterThanOrEqual(MIN_QUOTE_WORDS);
  });

  it('questions beyond the position are answered without a spoiler (forbidden words, independent oracle)', () => {
    const f = figures(results);
    expect(f.beyond).toBeGreaterThan(0);
    const unsafe = f.unsafe.map((r) => `${r.id}: ${r.error ?? [...r.forbidden.map((w) => `forbidden "${w}"`), ...r.leaks].join(' + ')}`);
    expect(f.beyondSafe, `beyond safe ${f.beyondSafe.toFixed(3)} is below ${MIN_BEYOND_SAFE}: ${unsafe.join('; ')}`).toBeGreaterThanOrEqual(MIN_BEYOND_SAFE);
  });
});
