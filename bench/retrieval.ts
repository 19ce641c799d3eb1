/**
 * Retrieval benchmark on the Pepper&Carrot pack, on PGlite and PostgreSQL,
 * plus the built-in embedding model's cost.
 *
 *   npm run bench:retrieval            # table
 *   npm run bench:retrieval -- --json  # rows as JSON
 *   npm run bench:retrieval -- --quick # fewer iterations
 *
 * Figures:
 *  - retrieval per chat turn: the one statement a chat turn runs before asking
 *    the model (chat/queries.ts turnContext: position, entities under the
 *    boundary, history, full-text + vector (HNSW) + page text, all with the
 *    boundary inside), plus passage fusion; p50 and p99 over questions ×
 *    positions across the 23 episodes. The question vectors are made
 *    beforehand (their cost is the next figure).
 *  - full-text alone and vector alone (info).
 *  - question embedding with the local model (USE-Lite, warm), p50/p99 (info).
 *  - the embedding model: load time and RSS of a fresh process after loading it
 *    (budget ≤ 300 MB), and `folio serve`'s RSS idle vs after the first chat
 *    warm-up (the model loads on first use only).
 * Vectors are real (the local model), made once and stored in both databases.
 */
import { mkdtemp } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import * as chatq from '../src/chat/queries.js';
import { parsePostgresUrl } from '../src/config/postgres-url.js';
import { importPack } from '../src/content/importer.js';
import { type Database, openDatabase, queryRows } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { readers } from '../src/db/schema.js';
import { LocalEmbedder } from '../src/models/local-embedder.js';
import type { Embedder } from '../src/models/types.js';
import { embedPending } from '../src/retrieval/embeddings.js';
import * as rq from '../src/retrieval/queries.js';
import { assemblePassages, CANDIDATES } from '../src/retrieval/retriever.js';
import { toWebSearch } from '../src/retrieval/search-query.js';
import { LocalStorage } from '../src/storage/local.js';
import { type PostgresServer, startPostgres } from '../test/services/postgres.js';
import {
  type Budget,
  CachedEmbedder,
  cleanup,
  errorRow,
  formatTable,
  freePort,
  installCleanupHandlers,
  makeRow,
  makeTempDir,
  onCleanup,
  percentile,
  type Row,
  readRssMb,
  runTimed,
  spawnTracked,
  waitFor200,
} from './lib.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PACK = process.env.FOLIO_BENCH_PACK ?? '/work/shared/data/pepper-carrot';
const SERIES = 'pepper-carrot';
const READER = '55555555-5555-5555-5555-555555555555';

const BUDGET = {
  retrievalP99Ms: { kind: 'max', limit: 10 },
  embedderRssMb: { kind: 'max', limit: 300 },
} satisfies Record<string, Budget>;

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const ITERATIONS = quick ? 100 : 400;
const log = (m: string) => process.stderr.write(`bench:retrieval: ${m}\n`);

const QUESTIONS = [
  'Who is Carrot?',
  'What potion is Pepper brewing?',
  'Why did the potion explode?',
  'Who are the witches of Chaosah?',
  'What happens at the potion contest?',
  'Where does Pepper live?',
  'What does Saffron think of Pepper?',
  'What is the dragon doing?',
  'How does Pepper fly?',
  'What did the market sell?',
  'Who won the contest?',
  'What are the godmothers teaching her?',
];

async function prepare(database: Database, embedder: Embedder, mediaDir: string): Promise<Array<{ episode: number; page: number }>> {
  await migrate(database);
  await importPack({ database, storage: new LocalStorage(mediaDir) }, PACK);
  const started = performance.now();
  await embedPending(database.db, embedder, { batchSize: 16, onProgress: (p) => p.done % 160 === 0 && log(`embedding ${p.done}/${p.total}`) });
  log(`vectors stored in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await database.db.execute(sql`ANALYZE`);
  await database.db.insert(readers).values({ id: READER }).onConflictDoNothing();
  const pages = await queryRows<{ episode: number; page: number }>(
    database.db,
    sql`SELECT episode, number AS page FROM pages WHERE series_id = ${SERIES} ORDER BY episode, number`,
  );
  // A spread of positions: every 7th page of the series.
  return pages.filter((_, i) => i % 7 === 3);
}

async function measure(database: Database, positions: Array<{ episode: number; page: number }>, vectors: Map<string, number[]>, model: string) {
  const db = database.db;
  const scope = { readerId: READER, seriesId: SERIES };
  const turn: number[] = [];
  const fts: number[] = [];
  const vec: number[] = [];
  let passages = 0;
  for (let i = 0; i < ITERATIONS + 20; i++) {
    const at = positions[i % positions.length]!;
    const question = QUESTIONS[i % QUESTIONS.length]!;
    await db.execute(sql`INSERT INTO progress (reader_id, series_id, episode, page) VALUES (${READER}, ${SERIES}, ${at.episode}, ${at.page})
                         ON CONFLICT (reader_id, series_id) DO UPDATE SET episode = EXCLUDED.episode, page = EXCLUDED.page`);
    const vector = vectors.get(question)!;
    let t = performance.now();
    const context = await chatq.turnContext(db, {
      readerId: READER,
      seriesId: SERIES,
      conversationId: 'bench',
      questionId: 'q',
      webSearch: toWebSearch(question),
      viewing: null,
      queryVector: { model, vector },
      historyLimit: 8,
      candidates: CANDIDATES,
    });
    const assembled = assemblePassages({ text: context.textHits, vector: context.vectorHits, current: context.viewHits });
    const turnMs = performance.now() - t;
    t = performance.now();
    await rq.fullTextSearch(db, scope, toWebSearch(question)!, CANDIDATES);
    const ftsMs = performance.now() - t;
    t = performance.now();
    await rq.vectorSearch(db, scope, model, vector, CANDIDATES);
    const vecMs = performance.now() - t;
    if (i >= 20) {
      turn.push(turnMs);
      fts.push(ftsMs);
      vec.push(vecMs);
      passages += assembled.length;
      if (context.vectorHits.length === 0) throw new Error(`no vector hits at ${at.episode}/${at.page}`);
    }
  }
  return { turn, fts, vec, passagesPerTurn: passages / turn.length };
}

/** Load time and RSS of the embedding model in a fresh process (what it costs a server on first use). */
async function embedderFootprint(): Promise<{ loadMs: number; rssBefore: number; rssAfter: number }> {
  const script = `
    const { LocalEmbedder } = await import(${JSON.stringify(join(ROOT, 'src', 'models', 'local-embedder.ts'))});
    const rss = () => process.memoryUsage().rss / 1048576;
    const before = rss();
    const e = new LocalEmbedder();
    await e.embed(['warm up the model']);
    await e.embed(['Who is Carrot?', 'What potion is Pepper brewing?']);
    console.log(JSON.stringify({ loadMs: e.loadMs, rssBefore: before, rssAfter: rss() }));
    await e.close();`;
  const r = await runTimed(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, timeoutMs: 120_000 });
  const line = r.stdout.trim().split('\n').pop()!;
  return JSON.parse(line) as { loadMs: number; rssBefore: number; rssAfter: number };
}

/** `folio serve` RSS when idle (the model is not loaded) and after a reader opens the chat (warm-up loads it). */
async function serveFirstUse(): Promise<{ idle: number; afterUse: number }> {
  const dataDir = await makeTempDir();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawnTracked(process.execPath, [join(ROOT, 'bin', 'folio.js'), 'serve'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      HOST: '127.0.0.1',
      FOLIO_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      FOLIO_MODEL: 'none',
      FOLIO_EMBED_MODEL: 'local',
    },
  });
  await waitFor200(proc, `${url}/ready`, { timeoutMs: 180_000 });
  await new Promise((r) => setTimeout(r, 3_000));
  const idle = readRssMb(proc.child.pid!);
  const { token } = (await (await fetch(`${url}/api/readers`, { method: 'POST' })).json()) as { token: string };
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  await (await fetch(`${url}/api/series/moth-and-lantern/progress`, { method: 'POST', headers: auth, body: JSON.stringify({ episode: 1, page: 1 }) })).text();
  await (await fetch(`${url}/api/series/moth-and-lantern/chat/warmup`, { method: 'POST', headers: auth })).text();
  // The warm-up loads the model and embeds the sample's chunks in the background.
  await new Promise((r) => setTimeout(r, 15_000));
  return { idle, afterUse: readRssMb(proc.child.pid!) };
}

async function main(): Promise<void> {
  installCleanupHandlers();
  const loadBefore = loadavg()[0]!;
  const rows: Row[] = [];
  const local = new LocalEmbedder();
  onCleanup(() => local.close());
  const embedder = new CachedEmbedder(local);
  const vectors = new Map<string, number[]>();
  for (const [i, v] of (await embedder.embed(QUESTIONS)).entries()) vectors.set(QUESTIONS[i]!, v);

  // Question embedding with the warm local model.
  const embedMs: number[] = [];
  for (let i = 0; i < (quick ? 30 : 100); i++) {
    const t = performance.now();
    await local.embed([`${QUESTIONS[i % QUESTIONS.length]} (${i})`]);
    embedMs.push(performance.now() - t);
  }

  const backends: Array<[string, () => Promise<Database>]> = [['PGlite', async () => openDatabase({ kind: 'pglite', dataDir: undefined })]];
  let pgServer: PostgresServer | null = null;
  backends.push([
    'PostgreSQL',
    async () => {
      pgServer ??= await startPostgres();
      const server = pgServer;
      onCleanup(() => server.stop());
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      await admin.query('CREATE DATABASE folio_bench_retrieval');
      await admin.end();
      const conn = parsePostgresUrl(server.url.replace(/\/[^/?]*(\?|$)/, '/folio_bench_retrieval$1'), 'DATABASE_URL');
      return openDatabase({ kind: 'postgres', app: conn, direct: conn, poolMax: 4 });
    },
  ]);

  for (const [name, open] of backends) {
    const id = name.toLowerCase();
    try {
      log(`${name}: importing ${PACK}`);
      const database = await open();
      try {
        const positions = await prepare(database, embedder, await mkdtemp(join(tmpdir(), 'folio-bench-media-')));
        const r = await measure(database, positions, vectors, embedder.id);
        rows.push(makeRow(`${id}.turn.p50`, `${name}: retrieval per chat turn, p50`, 'ms.1', [percentile(r.turn, 50)]));
        rows.push(
          makeRow(
            `${id}.turn.p99`,
            `${name}: retrieval per chat turn, p99`,
            'ms.1',
            [percentile(r.turn, 99)],
            BUDGET.retrievalP99Ms,
            `${r.passagesPerTurn.toFixed(1)} passages per turn, ${positions.length} positions`,
          ),
        );
        rows.push(
          makeRow(`${id}.fts.p99`, `${name}: full-text search alone, p50 / p99`, 'ms.1', [percentile(r.fts, 50)], null, `p99 ${percentile(r.fts, 99).toFixed(1)} ms`),
        );
        rows.push(
          makeRow(
            `${id}.vec.p99`,
            `${name}: vector search alone (exact or HNSW plan by store size), p50 / p99`,
            'ms.1',
            [percentile(r.vec, 50)],
            null,
            `p99 ${percentile(r.vec, 99).toFixed(1)} ms`,
          ),
        );
      } finally {
        await database.close();
      }
    } catch (err) {
      rows.push(errorRow(`${id}.turn.p99`, `${name}: retrieval per chat turn, p99`, 'ms.1', BUDGET.retrievalP99Ms, (err as Error).message));
    }
  }

  rows.push(
    makeRow(
      'embed.query',
      'question embedding, local USE-Lite (warm), p50 / p99',
      'ms.1',
      [percentile(embedMs, 50)],
      null,
      `p99 ${percentile(embedMs, 99).toFixed(1)} ms`,
    ),
  );
  try {
    const f = await embedderFootprint();
    rows.push(makeRow('embed.load', 'embedding model load time (first use)', 'ms', [f.loadMs]));
    rows.push(
      makeRow(
        'embed.rss',
        'RSS of a process with the embedding model loaded',
        'MB',
        [f.rssAfter],
        BUDGET.embedderRssMb,
        `${f.rssBefore.toFixed(0)} MB before loading it`,
      ),
    );
  } catch (err) {
    rows.push(errorRow('embed.rss', 'RSS of a process with the embedding model loaded', 'MB', BUDGET.embedderRssMb, (err as Error).message));
  }
  try {
    const s = await serveFirstUse();
    rows.push(makeRow('serve.idle', '`folio serve` RSS idle (model not loaded)', 'MB', [s.idle]));
    rows.push(
      makeRow('serve.used', '`folio serve` RSS after the first chat warm-up (model loaded)', 'MB', [s.afterUse], null, `+${(s.afterUse - s.idle).toFixed(0)} MB`),
    );
  } catch (err) {
    rows.push(errorRow('serve.used', '`folio serve` RSS after first use', 'MB', null, (err as Error).message));
  }

  const machine = { cpus: availableParallelism(), load1Before: loadBefore, load1After: loadavg()[0]! };
  if (json) process.stdout.write(`${JSON.stringify({ node: process.version, iterations: ITERATIONS, machine, rows }, null, 2)}\n`);
  else {
    const title = `Folio retrieval benchmark (${PACK}): ${new Date().toISOString()}, node ${process.version}, ${machine.cpus} CPUs, 1-min load ${machine.load1Before.toFixed(1)} → ${machine.load1After.toFixed(1)}, ${ITERATIONS} turns per backend`;
    process.stdout.write(`${formatTable(rows, title)}\n`);
  }
  if (rows.some((r) => r.error)) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench:retrieval: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit();
