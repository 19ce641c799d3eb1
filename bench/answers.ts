/**
 * Answers that find the right page (issue 16): the labelled Pepper&Carrot questions
 * (test/answers/labelled/pepper-carrot-*.yaml, format in its README) asked at their positions, on PGlite and on
 * a real PostgreSQL.
 *
 *   npm run bench:answers                       # both databases, the table
 *   npm run bench:answers -- --quick            # PGlite only
 *   npm run bench:answers -- --db postgres      # one database (pglite | postgres)
 *   npm run bench:answers -- --json             # rows, the per-kind breakdown and every question's result
 *
 * Each database: migrate, import the pack, give every chunk a vector from the built-in model (USE-Lite, made once
 * and kept on disk by model and text; stored in both), then for every question:
 *  - retrieval: the passages a chat turn uses, in order, exactly as chat/companion.ts builds them (the question
 *    vector from the companion's EmbeddingService over the local model, then chat/queries.ts turnContext and
 *    retrieval/retriever.ts assemblePassages with the position's page in view), for a reader whose progress row
 *    is at the question's position. recall@5: the share of answerable questions (every kind but `beyond`) with a
 *    gold passage among the first 5; MRR: the mean of 1/rank of the first gold passage (0 when none). The time of
 *    turnContext + assemblePassages per turn (the vector is made before; bench/retrieval.ts times that).
 *  - quote mode: the answer a reader gets with no language model (FOLIO_MODEL=none), through the real chat route
 *    of the app (test/server.ts) over loopback HTTP: a new reader, progress moved to the position, the question
 *    POSTed in the AI SDK UI-message format with the position's page in view, the stream folded by the contract's
 *    readFolioStream (the AI SDK's readUIMessageStream). A follow_up asks its history first, in the same
 *    conversation. Answerable questions: the share whose answer text has every required word group
 *    (test/answers/labelled containsWords). Beyond: the share where nothing the client received has a forbidden
 *    word or a leak by the independent oracle (test/spoilers/leaks.ts findLeaks).
 * The evaluation is test/answers/labelled/evaluate.ts, which test/answers/labelled/answers.db.test.ts also runs (CI).
 */
import { availableParallelism, loadavg } from 'node:os';
import pg from 'pg';
import { parsePostgresUrl } from '../src/config/postgres-url.js';
import { type Database, openDatabase } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { LocalEmbedder } from '../src/models/local-embedder.js';
import type { Embedder } from '../src/models/types.js';
import { type Breakdown, byGroup, DiskCachedEmbedder, evaluate, prepareCorpus, type QuestionResult, summarise, unsafe } from '../test/answers/labelled/evaluate.js';
import { type LabelledQuestion, loadQuestions, QUESTION_KINDS } from '../test/answers/labelled/labelled.js';
import { type PostgresServer, startPostgres } from '../test/services/postgres.js';
import { buildOracle, type Oracle } from '../test/spoilers/oracle.js';
import { type Budget, cleanup, errorRow, formatTable, installCleanupHandlers, makeRow, makeTempDir, onCleanup, percentile, type Row } from './lib.js';

const PACK = process.env.FOLIO_BENCH_PACK ?? '/work/shared/data/pepper-carrot';
const WARMUP_TURNS = 20;

const BUDGET = {
  recallAt5: { kind: 'min', limit: 0.9 },
  mrr: { kind: 'min', limit: 0.75 },
  wordsPct: { kind: 'min', limit: 85 },
  beyondPct: { kind: 'min', limit: 100 },
  retrievalP99Ms: { kind: 'max', limit: 10 },
} satisfies Record<string, Budget>;

type Backend = 'pglite' | 'postgres';

function parseArgs(argv: string[]): { json: boolean; quick: boolean; backends: Backend[] } {
  const json = argv.includes('--json');
  const quick = argv.includes('--quick');
  let db: string | undefined;
  for (const [i, a] of argv.entries()) {
    if (a === '--db') db = argv[i + 1];
    else if (a.startsWith('--db=')) db = a.slice(5);
  }
  if (argv.includes('--help')) {
    process.stdout.write('usage: npm run bench:answers -- [--json] [--quick] [--db pglite|postgres]\n');
    process.exit(0);
  }
  if (db !== undefined && db !== 'pglite' && db !== 'postgres') throw new Error(`--db: "${db}" is not pglite or postgres`);
  const backends: Backend[] = db ? [db] : quick ? ['pglite'] : ['pglite', 'postgres'];
  return { json, quick, backends };
}

const opts = parseArgs(process.argv.slice(2));
const log = (m: string) => process.stderr.write(`bench:answers: ${m}\n`);
async function openBackend(backend: Backend, pgServer: { current: PostgresServer | null }): Promise<Database> {
  if (backend === 'pglite') return openDatabase({ kind: 'pglite', dataDir: undefined });
  pgServer.current ??= await startPostgres();
  const server = pgServer.current;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query('CREATE DATABASE folio_bench_answers');
  await admin.end();
  const conn = parsePostgresUrl(server.url.replace(/\/[^/?]*(\?|$)/, '/folio_bench_answers$1'), 'DATABASE_URL');
  return openDatabase({ kind: 'postgres', app: conn, direct: conn, poolMax: 4 });
}

const groupNote = (groups: Record<string, Breakdown>, f: (b: Breakdown) => string) =>
  `by kind: ${Object.entries(groups)
    .map(([g, b]) => `${g} ${f(b)} (${b.n})`)
    .join(', ')}`;

async function runBackend(
  backend: Backend,
  name: string,
  deps: { embedder: Embedder; oracle: Oracle; questions: LabelledQuestion[]; pg: { current: PostgresServer | null } },
): Promise<QuestionResult[]> {
  log(`${name}: importing ${PACK}`);
  const database = await openBackend(backend, deps.pg);
  const mediaDir = await makeTempDir('folio-bench-media-');
  try {
    await migrate(database);
    await prepareCorpus(database, deps.embedder, { pack: PACK, mediaDir, log: (m) => log(`${name}: ${m}`) });
    return await evaluate(database, { ...deps, mediaDir, warmup: WARMUP_TURNS, tag: backend, log: (m) => log(`${name}: ${m}`) });
  } finally {
    await database.close();
  }
}

function rowsFor(id: string, name: string, results: QuestionResult[]): { rows: Row[]; breakdown: Record<string, Breakdown> } {
  const answerable = results.filter((r) => r.kind !== 'beyond');
  const beyond = results.filter((r) => r.kind === 'beyond');
  const all = summarise(answerable);
  const groups = byGroup(answerable);
  const turns = results.map((r) => r.retrievalMs);
  const failedAnswers = results.filter((r) => r.error);
  const rows: Row[] = [
    makeRow(
      `${id}.recall5`,
      `${name}: retrieval recall@5 (${all.n} answerable questions)`,
      'fraction',
      [all.recallAt5],
      BUDGET.recallAt5,
      groupNote(groups, (b) => b.recallAt5.toFixed(2)),
    ),
    makeRow(
      `${id}.mrr`,
      `${name}: retrieval MRR`,
      'fraction',
      [all.mrr],
      BUDGET.mrr,
      groupNote(groups, (b) => b.mrr.toFixed(2)),
    ),
    makeRow(`${id}.turn.p50`, `${name}: retrieval per chat turn, p50`, 'ms.1', [percentile(turns, 50)]),
    makeRow(`${id}.turn.p99`, `${name}: retrieval per chat turn, p99`, 'ms.1', [percentile(turns, 99)], BUDGET.retrievalP99Ms, `${turns.length} turns`),
  ];
  rows.push(
    makeRow(
      `${id}.quote.words`,
      `${name}: quote-mode answers with the required words`,
      '%',
      [all.words * 100],
      BUDGET.wordsPct,
      `${groupNote(groups, (b) => `${(b.words * 100).toFixed(0)} %`)}${failedAnswers.length ? `; ${failedAnswers.length} requests failed (${failedAnswers[0]!.id}: ${failedAnswers[0]!.error?.slice(0, 120)})` : ''}`,
    ),
  );
  if (beyond.length > 0) {
    const unsafeOnes = beyond.filter(unsafe);
    const declined = beyond.filter((r) => r.mode === 'declined').length;
    const detail = unsafeOnes
      .slice(0, 6)
      .map((r) => `${r.id} ${r.error ? 'request failed' : [...r.forbidden.map((w) => `forbidden "${w}"`), ...r.leaks].join(' + ')}`)
      .join('; ');
    rows.push(
      makeRow(
        `${id}.beyond`,
        `${name}: beyond questions answered without a spoiler (${beyond.length})`,
        '%',
        [((beyond.length - unsafeOnes.length) / beyond.length) * 100],
        BUDGET.beyondPct,
        `${declined} declined up front, ${beyond.length - declined} answered in quote mode${unsafeOnes.length ? `; ${detail}` : ''}`,
      ),
    );
  } else rows.push(errorRow(`${id}.beyond`, `${name}: beyond questions answered without a spoiler`, '%', BUDGET.beyondPct, 'no beyond question in the set'));
  const leaky = answerable.filter((r) => r.leaks.length > 0);
  rows.push(
    makeRow(
      `${id}.leaks`,
      `${name}: answers to answerable questions with an oracle leak`,
      'count',
      [leaky.length],
      null,
      leaky.length
        ? leaky
            .slice(0, 6)
            .map((r) => `${r.id} ${r.leaks.join(' + ')}`)
            .join('; ')
        : undefined,
    ),
  );
  const ms = results.map((r) => r.answerMs).filter((x) => Number.isFinite(x));
  rows.push(
    makeRow(`${id}.quote.p50`, `${name}: quote-mode answer over HTTP per turn, p50`, 'ms.1', [percentile(ms, 50)], null, `p99 ${percentile(ms, 99).toFixed(1)} ms`),
  );
  return { rows, breakdown: { all, ...groups } };
}

async function main(): Promise<void> {
  installCleanupHandlers();
  const started = performance.now();
  const loadBefore = loadavg()[0]!;
  const questions = loadQuestions();
  if (questions.length === 0) throw new Error('no labelled questions: test/answers/labelled/pepper-carrot-*.yaml is missing');
  const counts = Object.fromEntries(QUESTION_KINDS.map((k) => [k, questions.filter((q) => q.kind === k).length]));
  log(`${questions.length} questions (${JSON.stringify(counts)})`);
  const oracle = await buildOracle(PACK);
  const local = new LocalEmbedder();
  onCleanup(() => local.close());
  // Vectors by model and text, kept on disk (evaluate.ts): the same as computing them, minutes faster on a rerun.
  const embedder = new DiskCachedEmbedder(local);
  // Every question's vector once, for both databases.
  await embedder.embed(questions.map((q) => q.question));

  const rows: Row[] = [];
  const breakdown: Record<string, Record<string, Breakdown>> = {};
  const perQuestion: Record<string, QuestionResult[]> = {};
  const pgServer: { current: PostgresServer | null } = { current: null };
  onCleanup(async () => pgServer.current?.stop());
  for (const backend of opts.backends) {
    const name = backend === 'pglite' ? 'PGlite' : 'PostgreSQL';
    try {
      const results = await runBackend(backend, name, { embedder, oracle, questions, pg: pgServer });
      const r = rowsFor(backend, name, results);
      rows.push(...r.rows);
      breakdown[backend] = r.breakdown;
      perQuestion[backend] = results;
    } catch (err) {
      log(`${name}: ${(err as Error).stack ?? String(err)}`);
      rows.push(errorRow(`${backend}.recall5`, `${name}: retrieval recall@5`, 'fraction', BUDGET.recallAt5, (err as Error).message));
    }
  }

  const machine = { cpus: availableParallelism(), load1Before: loadBefore, load1After: loadavg()[0]! };
  const seconds = (performance.now() - started) / 1000;
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify({ node: process.version, machine, seconds, questions: { total: questions.length, byKind: counts }, rows, breakdown, results: perQuestion }, null, 2)}\n`,
    );
  } else {
    const title = `Folio answers benchmark (${questions.length} labelled questions, ${PACK}): ${new Date().toISOString()}, node ${process.version}, ${machine.cpus} CPUs, 1-min load ${machine.load1Before.toFixed(1)} → ${machine.load1After.toFixed(1)}, ${seconds.toFixed(0)} s`;
    process.stdout.write(`${formatTable(rows, title)}\n`);
  }
  if (rows.some((r) => r.error)) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench:answers: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit();
