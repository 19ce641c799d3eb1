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
 * and stored in both), then for every question:
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
 */
import { availableParallelism, loadavg } from 'node:os';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import pino from 'pino';
import { Companion } from '../src/chat/companion.js';
import { modelRegistryFor } from '../src/chat/create.js';
import * as chatq from '../src/chat/queries.js';
import { loadConfig } from '../src/config/env.js';
import { parsePostgresUrl } from '../src/config/postgres-url.js';
import { importPack } from '../src/content/importer.js';
import type { AnswerMode } from '../src/contract/index.js';
import { answerParts, readFolioStream } from '../src/contract/read-stream.js';
import { type Database, type Db, openDatabase } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { readers } from '../src/db/schema.js';
import { LocalEmbedder } from '../src/models/local-embedder.js';
import type { Embedder } from '../src/models/types.js';
import { EmbeddingService, embedPending } from '../src/retrieval/embeddings.js';
import { assemblePassages, CANDIDATES, pagesInView } from '../src/retrieval/retriever.js';
import { toWebSearch } from '../src/retrieval/search-query.js';
import { LocalStorage } from '../src/storage/local.js';
import { containsWords, firstGoldRank, isAnswerable, type LabelledQuestion, loadQuestions, QUESTION_KINDS, wikiSlugOf } from '../test/answers/labelled/labelled.js';
import { startTestServer, type TestServer } from '../test/server.js';
import { type PostgresServer, startPostgres } from '../test/services/postgres.js';
import { findLeaks, receivedText } from '../test/spoilers/leaks.js';
import { buildOracle, type Oracle } from '../test/spoilers/oracle.js';
import { type Budget, CachedEmbedder, cleanup, errorRow, formatTable, installCleanupHandlers, makeRow, makeTempDir, onCleanup, percentile, type Row } from './lib.js';

const PACK = process.env.FOLIO_BENCH_PACK ?? '/work/shared/data/pepper-carrot';
const SERIES = 'pepper-carrot';
const READER = '66666666-6666-6666-6666-666666666666';
/** What a chat turn replays (chat/companion.ts HISTORY_MESSAGES); it does not change the passages. */
const HISTORY_MESSAGES = 8;
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
const at = (p: { episode: number; page: number }) => `${p.episode}/${p.page}`;

/** One question's figures on one database. */
interface QuestionResult {
  id: string;
  kind: string;
  language: string;
  position: string;
  /** 1-based rank of the first gold passage, null when none was among the passages. */
  rank: number | null;
  /** The passages, in order: `3/2` for page text, `wiki:slug` for a wiki section. */
  passages: string[];
  retrievalMs: number;
  mode: AnswerMode | null;
  /** Answerable: the answer has every word group. */
  words: boolean | null;
  /** Beyond: forbidden words the client received. */
  forbidden: string[];
  /** Oracle leaks in what the client received (`kind "matched"`). */
  leaks: string[];
  answerMs: number;
  answer: string;
  error?: string;
}

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

async function prepare(database: Database, embedder: Embedder, mediaDir: string): Promise<void> {
  await migrate(database);
  let t = performance.now();
  await importPack({ database, storage: new LocalStorage(mediaDir) }, PACK);
  log(`imported in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  await embedPending(database.db, embedder, { batchSize: 16, onProgress: (p) => p.done % 160 === 0 && log(`embedding ${p.done}/${p.total}`) });
  log(`vectors stored in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  await database.db.execute(sql`ANALYZE`);
  await database.db
    .insert(readers)
    .values({ id: READER, tokenHash: `bench-${READER}` })
    .onConflictDoNothing();
}

const passageLabel = (p: { source: string; sourceRef: string; episode: number; page: number }): string => {
  const slug = wikiSlugOf(p);
  return slug === null ? `${p.episode}/${p.page}` : `wiki:${slug}`;
};

/** The passages of a chat turn for `q` at its position, timed as bench/retrieval.ts times a turn. */
async function retrieve(db: Db, embeddings: EmbeddingService, q: LabelledQuestion, turn: number): Promise<{ passages: string[]; rank: number | null; ms: number }> {
  await db.execute(sql`INSERT INTO progress (reader_id, series_id, episode, page) VALUES (${READER}, ${SERIES}, ${q.position.episode}, ${q.position.page})
                       ON CONFLICT (reader_id, series_id) DO UPDATE SET episode = EXCLUDED.episode, page = EXCLUDED.page`);
  const viewing = [q.position];
  // As Companion.prepare: the question's vector first, then one statement.
  const queryVector = await embeddings.queryVector(db, q.question);
  if (!queryVector) throw new Error('no question vector: the vector store is not ready, retrieval would be full-text only');
  const t = performance.now();
  const context = await chatq.turnContext(db, {
    readerId: READER,
    seriesId: SERIES,
    conversationId: `bench-answers-${turn}`,
    questionId: `q-${turn}`,
    webSearch: toWebSearch(q.question),
    question: q.question,
    viewing,
    queryVector,
    historyLimit: HISTORY_MESSAGES,
    candidates: CANDIDATES,
  });
  const passages = assemblePassages({ text: context.textHits, vector: context.vectorHits, current: pagesInView(context, viewing) });
  const ms = performance.now() - t;
  if (context.position === null || at(context.position) !== at(q.position)) throw new Error(`${q.id}: the turn read position ${JSON.stringify(context.position)}`);
  return { passages: passages.map(passageLabel), rank: firstGoldRank(passages, q.gold), ms };
}

interface Asked {
  text: string;
  received: string;
  mode: AnswerMode | null;
  ms: number;
}

/** One chat request through the HTTP route, the stream folded as the web app folds it. */
async function ask(
  server: TestServer,
  token: string,
  conversationId: string,
  prior: Array<{ id: string; role: 'user' | 'assistant'; parts: Array<{ type: 'text'; text: string }> }>,
  question: string,
  viewing: Array<{ episode: number; page: number }>,
): Promise<Asked> {
  const userMessage = { id: `u${prior.length}`, role: 'user' as const, parts: [{ type: 'text' as const, text: question }] };
  const t = performance.now();
  const res = await server.fetch(`/api/series/${SERIES}/chat`, {
    method: 'POST',
    token,
    json: { id: conversationId, messages: [...prior, userMessage], trigger: 'submit-message', viewing },
  });
  if (res.status !== 200 || !res.headers.get('content-type')?.includes('text/event-stream')) throw new Error(`chat: HTTP ${res.status} ${await res.text()}`);
  const { message, chunks, errorTexts } = await readFolioStream(res.body!);
  const ms = performance.now() - t;
  const a = answerParts(message);
  if (a.error) throw new Error(`chat: ${a.error.code}: ${a.error.message}`);
  if (errorTexts.length) throw new Error(`chat: ${errorTexts[0]}`);
  prior.push(userMessage, { id: message?.id ?? `a${prior.length}`, role: 'assistant', parts: [{ type: 'text', text: a.text }] });
  return { text: a.text, received: receivedText({ text: a.text, chunks }), mode: a.metadata && 'mode' in a.metadata ? (a.metadata.mode as AnswerMode) : null, ms };
}

/** A new reader at the question's position; the history, then the question, in one conversation. */
async function answer(server: TestServer, oracle: Oracle, q: LabelledQuestion, backend: Backend): Promise<Omit<QuestionResult, 'rank' | 'passages' | 'retrievalMs'>> {
  const token = await server.newReader();
  const moved = await server.fetch(`/api/series/${SERIES}/progress`, { method: 'POST', token, json: { ...q.position, confirmSkip: true } });
  if (moved.status !== 200) throw new Error(`progress: HTTP ${moved.status} ${await moved.text()}`);
  await moved.body?.cancel();
  const conversation = `qa-${backend}-${q.id}`.replace(/[^\w.:~-]/g, '_');
  const prior: Parameters<typeof ask>[3] = [];
  const viewing = [q.position];
  for (const h of q.history) await ask(server, token, conversation, prior, h, viewing);
  const a = await ask(server, token, conversation, prior, q.question, viewing);
  const forbidden = q.forbidden.filter((w) => containsWords(a.received, [[w]]));
  const leaks = findLeaks(oracle, a.received, q.position, { question: [...q.history, q.question].join('\n') }).map((l) => `${l.kind} ${JSON.stringify(l.matched)}`);
  return {
    id: q.id,
    kind: q.kind,
    language: q.language,
    position: at(q.position),
    mode: a.mode,
    words: isAnswerable(q) ? containsWords(a.text, q.words) : null,
    forbidden,
    leaks,
    answerMs: a.ms,
    answer: a.text,
  };
}

/** The groups of the breakdown: every answerable kind, and the French questions across kinds. */
const GROUPS = [...QUESTION_KINDS.filter((k) => k !== 'beyond'), 'fr'] as const;
const inGroup = (r: QuestionResult, g: (typeof GROUPS)[number]) => (g === 'fr' ? r.language === 'fr' : r.kind === g);

interface Breakdown {
  n: number;
  recallAt5: number;
  mrr: number;
  words: number;
}

function summarise(results: QuestionResult[]): Breakdown {
  const n = results.length;
  const mean = (f: (r: QuestionResult) => number) => (n ? results.reduce((s, r) => s + f(r), 0) / n : NaN);
  return {
    n,
    recallAt5: mean((r) => (r.rank !== null && r.rank <= 5 ? 1 : 0)),
    mrr: mean((r) => (r.rank ? 1 / r.rank : 0)),
    words: mean((r) => (r.words ? 1 : 0)),
  };
}

function byGroup(answerable: QuestionResult[]): Record<string, Breakdown> {
  return Object.fromEntries(GROUPS.map((g) => [g, summarise(answerable.filter((r) => inGroup(r, g)))]).filter(([, b]) => (b as Breakdown).n > 0));
}

const groupNote = (groups: Record<string, Breakdown>, f: (b: Breakdown) => string) =>
  `by kind: ${Object.entries(groups)
    .map(([g, b]) => `${g} ${f(b)} (${b.n})`)
    .join(', ')}`;

async function runBackend(
  backend: Backend,
  name: string,
  deps: { embedder: Embedder; oracle: Oracle; questions: LabelledQuestion[]; pg: { current: PostgresServer | null } },
) {
  log(`${name}: importing ${PACK}`);
  const database = await openBackend(backend, deps.pg);
  const mediaDir = await makeTempDir('folio-bench-media-');
  let server: TestServer | null = null;
  let companion: Companion | null = null;
  try {
    await prepare(database, deps.embedder, mediaDir);
    const logger = pino({ level: 'silent' });
    // No language model: quote mode. The embedder is the bench's local model (its vectors are in the store).
    const config = loadConfig({ FOLIO_MODEL: 'none', FOLIO_EMBED_MODEL: 'none', FOLIO_CHAT_RATE_PER_READER: '0', FOLIO_CHAT_RATE_PER_IP: '0' }, { cwd: mediaDir });
    companion = new Companion({ logger, models: modelRegistryFor(config, logger), embeddings: new EmbeddingService(deps.embedder, logger), limits: config.chat });
    server = await startTestServer(database, { companion, mediaDir, logger });

    log(`${name}: retrieval for ${deps.questions.length} questions`);
    const retrieved: Array<{ passages: string[]; rank: number | null; ms: number }> = [];
    for (let i = 0; i < WARMUP_TURNS; i++) await retrieve(database.db, companion.deps.embeddings, deps.questions[i % deps.questions.length]!, -1 - i);
    for (const [i, q] of deps.questions.entries()) retrieved.push(await retrieve(database.db, companion.deps.embeddings, q, i));

    log(`${name}: quote-mode answers over HTTP`);
    const results: QuestionResult[] = [];
    for (const [i, q] of deps.questions.entries()) {
      const r = retrieved[i]!;
      const base = { rank: r.rank, passages: r.passages, retrievalMs: r.ms };
      try {
        results.push({ ...(await answer(server, deps.oracle, q, backend)), ...base });
      } catch (err) {
        const e = { id: q.id, kind: q.kind, language: q.language, position: at(q.position), mode: null, forbidden: [], leaks: [], answerMs: NaN, answer: '' };
        results.push({ ...e, ...base, words: isAnswerable(q) ? false : null, error: (err as Error).message });
      }
      if ((i + 1) % 50 === 0) log(`${name}: ${i + 1}/${deps.questions.length} answered`);
    }
    return results;
  } finally {
    await server?.close();
    await companion?.close();
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
    const unsafe = beyond.filter((r) => r.error || r.forbidden.length > 0 || r.leaks.length > 0);
    const declined = beyond.filter((r) => r.mode === 'declined').length;
    const detail = unsafe
      .slice(0, 6)
      .map((r) => `${r.id} ${r.error ? 'request failed' : [...r.forbidden.map((w) => `forbidden "${w}"`), ...r.leaks].join(' + ')}`)
      .join('; ');
    rows.push(
      makeRow(
        `${id}.beyond`,
        `${name}: beyond questions answered without a spoiler (${beyond.length})`,
        '%',
        [((beyond.length - unsafe.length) / beyond.length) * 100],
        BUDGET.beyondPct,
        `${declined} declined up front, ${beyond.length - declined} answered in quote mode${unsafe.length ? `; ${detail}` : ''}`,
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
  const embedder = new CachedEmbedder(local);
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
