/**
 * Spoiler guard benchmark: how well and how fast the guard judges a model's answer sentences.
 *
 *   npm run bench:guard            # table
 *   npm run bench:guard -- --json  # rows as JSON (plus the whole paraphrase precision–recall curve)
 *   npm run bench:guard -- --quick # one timing pass instead of three, fewer name-matching samples
 *
 * Figures:
 *  - the labelled set (test/spoilers/labelled/pepper-carrot.yaml, 4 classes × 80+ sentences at 25 positions):
 *    per spoiler class the share withheld (recall) and the precision against the safe `reached` sentences; the
 *    share of `reached` sentences withheld; precision and recall over the whole set. Each sentence goes through
 *    `redactGenerated` of a guard loaded for its position, as chat would send it.
 *  - the paraphrase check's precision–recall curve over its threshold (paraphrase sentences against reached ones),
 *    from the scores the check gives each sentence.
 *  - guard cost per answer sentence, p50/p99 (budget p99 ≤ 15 ms), PGlite with Pepper&Carrot imported and its
 *    chunks embedded with the local model; baseline: one warm local embedding of the same sentence.
 *  - name matching with 1,250 … 10,000 names sharing a 28-letter prefix on a 3,200-character answer (budget ≤ 20 ms
 *    at 5,000, growth to 10,000 at most linear); baseline: one `indexOf` pass over the same answer. With 5,000 and
 *    20,000 such names, also building a guard from them and its whole word-level redaction of that answer
 *    (names, references, sentence redaction; no database).
 *  - adversarial text: the same guard's whole redaction of 50,000-character texts built to make a backtracking
 *    splitter or detector quadratic (runs of end punctuation with nothing after them, of line breaks, of
 *    abbreviations, of reference-like tokens): the slowest (budget ≤ 50 ms), and its growth from 25,000 to 100,000
 *    characters (4× the text: linear is 4×, quadratic 16×); baseline: one indexOf pass over the same text.
 */
import { mkdtemp } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { importPack } from '../src/content/importer.js';
import { type Database, openDatabase } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { readers } from '../src/db/schema.js';
import { LocalEmbedder } from '../src/models/local-embedder.js';
import type { Embedder } from '../src/models/types.js';
import { embedPending } from '../src/retrieval/embeddings.js';
import { LocalStorage } from '../src/storage/local.js';
import { comparePositions, LABEL_CLASSES, type LabelClass, type LabelledItem, loadLabelled } from '../test/spoilers/labelled/labelled.js';
import {
  embeddingService,
  judgeSentence,
  nameGuard,
  nameMatcher,
  openGuard,
  PARAPHRASE_THRESHOLD,
  paraphraseScores,
  type ReaderScope,
  type ScoredSentence,
  type SpoilerHitKind,
} from './guard-api.js';
import { type Budget, cleanup, errorRow, formatTable, installCleanupHandlers, makeRow, onCleanup, percentile, type Row } from './lib.js';

const PACK = process.env.FOLIO_BENCH_PACK ?? '/work/shared/data/pepper-carrot';
const SERIES = 'pepper-carrot';
const READER = '66666666-6666-6666-6666-666666666666';

const BUDGET = {
  sentenceP99Ms: { kind: 'max', limit: 15 },
  names5kMs: { kind: 'max', limit: 20 },
  // 1,250 → 10,000 names is 8× the names: linear is 8×, and a little noise is allowed on top.
  namesGrowth: { kind: 'max', limit: 10 },
  adversarialMs: { kind: 'max', limit: 50 },
  // 25,000 → 100,000 characters is 4× the text: linear is 4×, quadratic 16×.
  adversarialGrowth: { kind: 'max', limit: 6 },
} satisfies Record<string, Budget>;

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const PASSES = quick ? 1 : 3;
const NAME_SAMPLES = quick ? 9 : 31;
const NAME_COUNTS = [1_250, 2_500, 5_000, 10_000];
const log = (m: string) => process.stderr.write(`bench:guard: ${m}\n`);

// ---------------------------------------------------------------------------
// Scoring (pure)
// ---------------------------------------------------------------------------

interface Judged {
  item: LabelledItem;
  withheld: boolean;
  kinds: SpoilerHitKind[];
}

const ratio = (a: number, b: number) => (b === 0 ? NaN : a / b);

function kindCounts(judged: Judged[]): string {
  const counts = new Map<string, number>();
  for (const j of judged) for (const k of j.kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
  return (
    [...counts]
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none'
  );
}

function labelledRows(judged: Judged[]): Row[] {
  const rows: Row[] = [];
  const of = (cls: LabelClass) => judged.filter((j) => j.item.class === cls);
  const falsePositives = of('reached').filter((j) => j.withheld).length;
  for (const cls of LABEL_CLASSES.filter((c) => c !== 'reached')) {
    const all = of(cls);
    const caught = all.filter((j) => j.withheld);
    const precision = ratio(caught.length, caught.length + falsePositives);
    rows.push(
      makeRow(
        `labelled.${cls}.recall`,
        `labelled set: ${cls} spoilers withheld (recall)`,
        'fraction',
        [ratio(caught.length, all.length)],
        null,
        `${caught.length} of ${all.length}; precision against the reached sentences ${precision.toFixed(3)}; hits by kind: ${kindCounts(caught)}`,
      ),
    );
  }
  const reached = of('reached');
  rows.push(
    makeRow(
      'labelled.reached.withheld',
      'labelled set: reached (safe) sentences withheld',
      'fraction',
      [ratio(falsePositives, reached.length)],
      null,
      `${falsePositives} of ${reached.length}; hits by kind: ${kindCounts(reached.filter((j) => j.withheld))}`,
    ),
  );
  const spoilers = judged.filter((j) => j.item.label === 'spoiler');
  const truePositives = spoilers.filter((j) => j.withheld).length;
  rows.push(
    makeRow('labelled.precision', 'labelled set: precision (withheld sentences that are spoilers)', 'fraction', [ratio(truePositives, truePositives + falsePositives)]),
  );
  rows.push(
    makeRow(
      'labelled.recall',
      'labelled set: recall (spoilers withheld, all classes)',
      'fraction',
      [ratio(truePositives, spoilers.length)],
      null,
      `${truePositives} of ${spoilers.length}`,
    ),
  );
  return rows;
}

interface CurvePoint {
  /** Sentences scoring at or above this are withheld. */
  threshold: number;
  precision: number;
  recall: number;
}

/** Precision and recall at every distinct score used as the threshold, highest threshold first. */
function prCurve(pairs: readonly ScoredSentence[]): CurvePoint[] {
  const positives = pairs.filter((p) => p.label === 'spoiler').length;
  const sorted = [...pairs].sort((a, b) => b.score - a.score);
  const curve: CurvePoint[] = [];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i]!.label === 'spoiler') tp++;
    else fp++;
    // Ties share one threshold: emit the point once all sentences with this score are counted.
    if (i + 1 < sorted.length && sorted[i + 1]!.score === sorted[i]!.score) continue;
    curve.push({ threshold: sorted[i]!.score, precision: tp / (tp + fp), recall: ratio(tp, positives) });
  }
  return curve;
}

function curveRows(curve: CurvePoint[], n: number): Row[] {
  // Average precision: the area under the step curve, summed at each gain in recall.
  let ap = 0;
  let lastRecall = 0;
  for (const p of curve) {
    ap += (p.recall - lastRecall) * p.precision;
    lastRecall = p.recall;
  }
  const f1 = (p: CurvePoint) => (p.precision + p.recall === 0 ? 0 : (2 * p.precision * p.recall) / (p.precision + p.recall));
  const best = curve.reduce((a, b) => (f1(b) > f1(a) ? b : a), curve[0]!);
  const at80 = curve.filter((p) => p.recall >= 0.8).reduce<CurvePoint | null>((a, b) => (a && a.precision >= b.precision ? a : b), null);
  const at90 = curve.filter((p) => p.precision >= 0.9).reduce<CurvePoint | null>((a, b) => (a && a.recall >= b.recall ? a : b), null);
  // The lowest threshold still at or above the shipped one: what the check withholds by its words alone.
  const shipped = curve.filter((p) => p.threshold >= PARAPHRASE_THRESHOLD).at(-1) ?? null;
  const pt = (p: CurvePoint | null) =>
    p ? `threshold ${p.threshold.toPrecision(4)}: precision ${p.precision.toFixed(3)}, recall ${p.recall.toFixed(3)}` : 'never reached';
  return [
    makeRow(
      'paraphrase.ap',
      'paraphrase check: average precision over the threshold (paraphrase vs reached)',
      'fraction',
      [ap],
      null,
      `${n} sentences, ${curve.length} thresholds`,
    ),
    makeRow('paraphrase.f1', 'paraphrase check: best F1', 'fraction', [f1(best)], null, pt(best)),
    makeRow('paraphrase.p_at_r80', 'paraphrase check: best precision at recall ≥ 0.8', 'fraction', at80 ? [at80.precision] : [], null, pt(at80)),
    makeRow('paraphrase.r_at_p90', 'paraphrase check: best recall at precision ≥ 0.9', 'fraction', at90 ? [at90.recall] : [], null, pt(at90)),
    makeRow(
      'paraphrase.shipped',
      `paraphrase check: recall at the shipped threshold ${PARAPHRASE_THRESHOLD} (words alone)`,
      'fraction',
      shipped ? [shipped.recall] : [],
      null,
      `${pt(shipped)}; just below it the chunk vectors add some (the labelled-set rows above count them)`,
    ),
  ];
}

// ---------------------------------------------------------------------------
// Name matching (no database)
// ---------------------------------------------------------------------------

const PREFIX = 'Bartholomew Featherstonehaugh';
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo'];

/** Name i: the shared prefix and five syllables spelling i in base 8 ("… Kakakakalo" for 1). */
function longPrefixName(i: number): string {
  let suffix = '';
  for (let d = 0, n = i; d < 5; d++, n = Math.floor(n / 8)) suffix = SYLLABLES[n % 8]! + suffix;
  return `${PREFIX} ${suffix[0]!.toUpperCase()}${suffix.slice(1)}`;
}

/**
 * A 3,200-character answer that says the shared prefix in almost every sentence, each time followed by a word no
 * name continues with (so every occurrence is a long near-miss), and names one real name (name 0) once.
 */
function longPrefixAnswer(): string {
  const verbs = [
    'agreed',
    'bowed',
    'came back',
    'did not answer',
    'explained the map',
    'frowned',
    'grinned',
    'hesitated',
    'insisted',
    'offered tea',
    'paused',
    'understood',
    'waited',
    'yawned',
  ];
  const tail = ` Then ${longPrefixName(0)} arrived.`;
  let text = '';
  for (let i = 0; ; i++) {
    const next = `${text ? ' ' : ''}When the witches asked again, ${PREFIX} ${verbs[i % verbs.length]} and the market went quiet for a while.`;
    if (text.length + next.length + tail.length > 3_200) break;
    text += next;
  }
  return (text + tail).padEnd(3_200, ' ');
}

async function nameMatchingRows(): Promise<Row[]> {
  const text = longPrefixAnswer();
  const names = Array.from({ length: Math.max(...NAME_COUNTS) }, (_, i) => ({ slug: `n${i}`, name: longPrefixName(i) }));
  const visible = [{ slug: 'prefix', name: PREFIX }];
  // Baseline: one indexOf pass over the same answer (a character that is not in it, so the whole text is read).
  const REPS = 2_000;
  const base: number[] = [];
  let sink = 0;
  for (let s = 0; s < NAME_SAMPLES; s++) {
    const t = performance.now();
    for (let r = 0; r < REPS; r++) sink += text.indexOf('\u0001', r & 1);
    base.push((performance.now() - t) / REPS);
  }
  if (sink !== -REPS * NAME_SAMPLES) throw new Error('the indexOf baseline found a character the answer does not contain');
  const baseMs = percentile(base, 50);
  const medians = new Map<number, number>();
  const rows: Row[] = [];
  for (const n of NAME_COUNTS) {
    const matcher = nameMatcher(names.slice(0, n), visible);
    // The one real name must be found, or the timing measures a matcher that misses.
    const hits = matcher.find(text).length;
    if (hits < 1) throw new Error(`name matching with ${n} names found no hit in the answer that names one`);
    for (let w = 0; w < 3; w++) matcher.find(text);
    const samples: number[] = [];
    for (let s = 0; s < NAME_SAMPLES; s++) {
      const t = performance.now();
      matcher.find(text);
      samples.push(performance.now() - t);
    }
    medians.set(n, percentile(samples, 50));
    rows.push(
      makeRow(
        `names.${n}`,
        `name matching: ${n.toLocaleString('en')} names with a shared ${PREFIX.replace(/\W/g, '').length}-letter prefix, ${text.length.toLocaleString('en')}-character answer`,
        'ms.1',
        samples,
        n === 5_000 ? BUDGET.names5kMs : null,
        `${(percentile(samples, 50) / baseMs).toFixed(0)}× one indexOf pass (${(baseMs * 1000).toFixed(2)} µs); ${hits} hit`,
      ),
    );
  }
  rows.push(
    makeRow(
      'names.growth',
      'name matching: time at 10,000 names / at 1,250 (8× the names)',
      'x',
      [medians.get(10_000)! / medians.get(1_250)!],
      BUDGET.namesGrowth,
      `2,500: ${(medians.get(2_500)! / medians.get(1_250)!).toFixed(2)}×, 5,000: ${(medians.get(5_000)! / medians.get(1_250)!).toFixed(2)}×`,
    ),
  );
  rows.push(makeRow('names.baseline', 'name matching at 5,000 names / one indexOf pass over the same answer', 'x', [medians.get(5_000)! / baseMs]));
  // The whole guard around the matcher (guards are built per reader position; the automaton is cached per name set).
  for (const n of [5_000, 20_000]) {
    const unreached = Array.from({ length: n }, (_, i) => ({ slug: `n${i}`, name: longPrefixName(i) }));
    const build: number[] = [];
    for (let s = 0; s < (quick ? 3 : 9); s++) {
      const t = performance.now();
      nameGuard(unreached, visible);
      build.push(performance.now() - t);
    }
    const guard = nameGuard(unreached, visible);
    if (guard.redact(text, 'generated').withheld < 1) throw new Error(`the guard with ${n} names withheld nothing of an answer that names one`);
    const redact: number[] = [];
    for (let s = 0; s < NAME_SAMPLES; s++) {
      const t = performance.now();
      guard.redact(text, 'generated');
      redact.push(performance.now() - t);
    }
    rows.push(
      makeRow(
        `names.build.${n}`,
        `build a guard from ${n.toLocaleString('en')} long-prefix names (median; name patterns cached after the first)`,
        'ms.1',
        [percentile(build, 50)],
        null,
        `first build ${build[0]!.toFixed(1)} ms`,
      ),
    );
    rows.push(
      makeRow(`names.redact.${n}`, `guard redact (names, references, sentences) with ${n.toLocaleString('en')} names, same answer, median`, 'ms.1', [
        percentile(redact, 50),
      ]),
    );
  }
  return rows;
}

/** Texts of about `n` characters that a backtracking regex reads quadratically (each a repeated unit). */
function adversarialTexts(n: number): Array<{ label: string; text: string }> {
  const units: Array<[string, string, string]> = [
    ['dots', '.', 'x'],
    ['"!?" runs', '!?', 'x'],
    ['ellipses', '…', 'x'],
    ['dots and quotes', '."', 'x'],
    ['line breaks', '\n', 'x'],
    ['spaces and line breaks', ' \n', 'x'],
    ['"Ep. "', 'Ep. ', ''],
    ['"ep-"', 'ep-', ''],
    ['"#"', '#', '1'],
    ['"episode "', 'episode ', ''],
    ['spelled-out letters', 'T-', ''],
    ['initials', 'a.b.', ''],
  ];
  return units.map(([label, unit, end]) => ({ label, text: unit.repeat(Math.ceil(n / unit.length)).slice(0, n) + end }));
}

function adversarialRows(): Row[] {
  const guard = nameGuard(
    Array.from({ length: 100 }, (_, i) => ({ slug: `n${i}`, name: `Tobin ${i}` })),
    [{ slug: 'pepper', name: 'Pepper' }],
  );
  const time = (text: string, runs = 5) => {
    guard.redact(text, 'generated');
    const samples: number[] = [];
    for (let s = 0; s < runs; s++) {
      const t = performance.now();
      guard.redact(text, 'generated');
      samples.push(performance.now() - t);
    }
    return percentile(samples, 50);
  };
  const big = adversarialTexts(50_000);
  // Growth between larger sizes (50,000 → 200,000), so fixed costs, caches and a collection in one run do not pass
  // for quadratic behaviour; a quadratic scan shows 16× there, a linear one 4×.
  const whole = adversarialTexts(200_000);
  const times = big.map(({ label, text }, i) => {
    const ms = time(text, 9);
    return { label, ms, growth: time(whole[i]!.text, 9) / Math.max(0.05, ms) };
  });
  const worst = times.reduce((a, b) => (b.ms > a.ms ? b : a));
  const steepest = times.reduce((a, b) => (b.growth > a.growth ? b : a));
  const base: number[] = [];
  for (let s = 0; s < 20; s++) {
    const t = performance.now();
    big[0]!.text.indexOf('\u0001');
    base.push(performance.now() - t);
  }
  return [
    makeRow(
      'adversarial.max',
      `guard redact of ${big.length} adversarial 50,000-character texts, the slowest (median of 9, after one warm-up)`,
      'ms.1',
      [worst.ms],
      BUDGET.adversarialMs,
      `${worst.label}; ${times.map((t) => `${t.label} ${t.ms.toFixed(1)}`).join(', ')}; one indexOf pass ${(percentile(base, 50) * 1000).toFixed(1)} µs`,
    ),
    makeRow(
      'adversarial.growth',
      'adversarial texts: time at 200,000 characters / at 50,000 (4× the text), the steepest',
      'x',
      [steepest.growth],
      BUDGET.adversarialGrowth,
      `${steepest.label} (texts under 0.05 ms count as 0.05 ms)`,
    ),
  ];
}

// ---------------------------------------------------------------------------
// The guard on Pepper&Carrot (PGlite)
// ---------------------------------------------------------------------------

async function preparePglite(embedder: LocalEmbedder): Promise<Database> {
  const database = await openDatabase({ kind: 'pglite', dataDir: undefined });
  onCleanup(() => database.close());
  await migrate(database);
  log(`importing ${PACK}`);
  await importPack({ database, storage: new LocalStorage(await mkdtemp(join(tmpdir(), 'folio-bench-guard-'))) }, PACK);
  const started = performance.now();
  await embedPending(database.db, embedder, { batchSize: 16, onProgress: (p) => p.done % 160 === 0 && log(`embedding ${p.done}/${p.total}`) });
  log(`vectors stored in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await database.db.execute(sql`ANALYZE`);
  await database.db.insert(readers).values({ id: READER }).onConflictDoNothing();
  return database;
}

async function guardRows(embedder: LocalEmbedder, items: LabelledItem[]): Promise<{ rows: Row[]; curve: CurvePoint[] | null }> {
  const database = await preparePglite(embedder);
  const db = database.db;
  // As the server makes it: the paraphrase check embeds sentences near its threshold through this service. The
  // same local embedder, counted, so each timed sentence is known to have paid for an embedding or not.
  let embedCalls = 0;
  const counted: Embedder = {
    id: embedder.id,
    embed: (texts, signal) => {
      embedCalls++;
      return embedder.embed(texts, signal);
    },
  };
  const embeddings = embeddingService(counted);
  onCleanup(() => embeddings.close());
  const scope: ReaderScope = { readerId: READER, seriesId: SERIES };
  const byPosition = new Map<string, LabelledItem[]>();
  for (const item of [...items].sort((a, b) => comparePositions(a.position, b.position))) {
    const key = `${item.position.episode}/${item.position.page}`;
    byPosition.set(key, [...(byPosition.get(key) ?? []), item]);
  }
  const judged: Judged[] = [];
  const sentenceMs: number[] = [];
  /** Timed sentences the paraphrase check embedded (scored just below its threshold) and the others. */
  const embeddedMs: number[] = [];
  const wordsOnlyMs: number[] = [];
  const scored: ScoredSentence[] = [];
  let scoreError: string | null = null;
  let warm = false;
  for (const [key, group] of byPosition) {
    const { episode, page } = group[0]!.position;
    await db.execute(sql`INSERT INTO progress (reader_id, series_id, episode, page) VALUES (${READER}, ${SERIES}, ${episode}, ${page})
                         ON CONFLICT (reader_id, series_id) DO UPDATE SET episode = EXCLUDED.episode, page = EXCLUDED.page`);
    const guard = await openGuard(db, scope, embeddings);
    if (!warm) {
      // JIT, the embedding model and the first queries warm up outside the timings.
      for (const item of group) await judgeSentence(guard, item.text);
      warm = true;
    }
    for (let pass = 0; pass < PASSES; pass++) {
      for (const item of group) {
        const calls = embedCalls;
        const t = performance.now();
        const r = await judgeSentence(guard, item.text);
        const ms = performance.now() - t;
        sentenceMs.push(ms);
        (embedCalls > calls ? embeddedMs : wordsOnlyMs).push(ms);
        if (pass === 0) judged.push({ item, ...r });
      }
    }
    if (!scoreError) {
      const sentences = group.filter((i) => i.class === 'paraphrase' || i.class === 'reached').map((i) => ({ text: i.text, label: i.label }));
      try {
        scored.push(...(await paraphraseScores({ db, scope, embeddings, guard }, sentences)));
      } catch (err) {
        scoreError = (err as Error).message;
      }
    }
    log(`${key}: ${group.length} sentences, ${group.filter((i) => judged.some((j) => j.item === i && j.withheld)).length} withheld`);
  }

  // Baseline: one warm local embedding of each sentence (what any embedding-based check pays at least).
  const embedMs: number[] = [];
  for (const item of items.slice(0, quick ? 60 : items.length)) {
    const t = performance.now();
    await embedder.embed([item.text]);
    embedMs.push(performance.now() - t);
  }
  const p50 = percentile(sentenceMs, 50);
  const embedP50 = percentile(embedMs, 50);
  const rows: Row[] = [...labelledRows(judged)];
  let curve: CurvePoint[] | null = null;
  if (scoreError) rows.push(errorRow('paraphrase.ap', 'paraphrase check: precision–recall curve over the threshold', 'fraction', null, scoreError));
  else {
    curve = prCurve(scored);
    rows.push(...curveRows(curve, scored.length));
  }
  const note = `${judged.length} sentences × ${PASSES} at ${byPosition.size} positions; one warm local sentence embedding: p50 ${embedP50.toFixed(1)} ms`;
  rows.push(makeRow('sentence.p50', 'PGlite: guard per answer sentence (redactGenerated), p50', 'ms.1', [p50]));
  rows.push(makeRow('sentence.p99', 'PGlite: guard per answer sentence (redactGenerated), p99', 'ms.1', [percentile(sentenceMs, 99)], BUDGET.sentenceP99Ms, note));
  rows.push(
    makeRow(
      'sentence.embedded',
      'PGlite: share of answer sentences the paraphrase check embeds (scored just below its threshold)',
      'fraction',
      [ratio(embeddedMs.length, sentenceMs.length)],
      null,
      `${embeddedMs.length} of ${sentenceMs.length} timed; those: p50 ${embeddedMs.length ? percentile(embeddedMs, 50).toFixed(1) : '-'} ms, the others: p50 ${percentile(wordsOnlyMs, 50).toFixed(2)} ms, p99 ${percentile(wordsOnlyMs, 99).toFixed(1)} ms`,
    ),
  );
  rows.push(makeRow('sentence.ratio', 'guard per sentence p99 / one warm local sentence embedding p50', 'x', [percentile(sentenceMs, 99) / embedP50]));
  return { rows, curve };
}

async function main(): Promise<void> {
  installCleanupHandlers();
  const loadBefore = loadavg()[0]!;
  const items = loadLabelled();
  const rows: Row[] = [];
  try {
    rows.push(...(await nameMatchingRows()));
  } catch (err) {
    rows.push(errorRow('names.5000', 'name matching: 5,000 names with a shared prefix', 'ms.1', BUDGET.names5kMs, (err as Error).message));
  }
  try {
    rows.push(...adversarialRows());
  } catch (err) {
    rows.push(errorRow('adversarial.max', 'guard redact of adversarial 50,000-character texts', 'ms.1', BUDGET.adversarialMs, (err as Error).message));
  }
  let curve: CurvePoint[] | null = null;
  const embedder = new LocalEmbedder();
  onCleanup(() => embedder.close());
  try {
    const r = await guardRows(embedder, items);
    rows.unshift(...r.rows);
    curve = r.curve;
  } catch (err) {
    rows.unshift(errorRow('sentence.p99', 'PGlite: guard per answer sentence, p99', 'ms.1', BUDGET.sentenceP99Ms, (err as Error).stack ?? String(err)));
  }

  const machine = { cpus: availableParallelism(), load1Before: loadBefore, load1After: loadavg()[0]! };
  if (json) process.stdout.write(`${JSON.stringify({ node: process.version, passes: PASSES, machine, rows, paraphraseCurve: curve }, null, 2)}\n`);
  else {
    const title = `Folio spoiler guard benchmark (${PACK}, ${items.length} labelled sentences): ${new Date().toISOString()}, node ${process.version}, ${machine.cpus} CPUs, 1-min load ${machine.load1Before.toFixed(1)} → ${machine.load1After.toFixed(1)}`;
    process.stdout.write(`${formatTable(rows, title)}\n`);
    if (curve) {
      // Ten points of the curve in the table; --json has every point.
      const step = Math.max(1, Math.floor(curve.length / 10));
      process.stdout.write('\nparaphrase check, precision–recall over the threshold (withheld when score ≥ threshold):\n');
      for (const p of curve.filter((_, i) => i % step === 0 || i === curve!.length - 1)) {
        process.stdout.write(`  threshold ${p.threshold.toPrecision(4).padStart(8)}  precision ${p.precision.toFixed(3)}  recall ${p.recall.toFixed(3)}\n`);
      }
    }
  }
  if (rows.some((r) => r.error)) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench:guard: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit();
