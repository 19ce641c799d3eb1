/**
 * Production data plane benchmark (issue "PostgreSQL + pgvector, S3, jobs"):
 *
 *  1. Retrieval at scale on PostgreSQL + pgvector: 100,000 synthetic chunks
 *     with 512-d vectors (clustered, like real embeddings) over 200 episodes ×
 *     50 pages; readers at positions that make 10 %, 50 % and 95 % of the
 *     chunks visible. The vector query is the companion's own
 *     (retrieval/queries.ts vectorSql: boundary inside, HNSW with iterative
 *     scan). Baseline in the same run: the exact plan of the same search
 *     (visible vectors read and sorted), which also gives recall@10 (must stay ≥ 0.95 near the boundary).
 *  2. Import throughput through the job queue: the Pepper&Carrot pack uploaded
 *     to the operator API and imported by the in-process worker, against a
 *     direct importPack() of the same pack in the same run (ratio).
 *  3. Image bytes served by the API in S3 mode: a reader browses every page of
 *     a series whose images live in a real S3-API server (s3rver): the bytes
 *     of image responses from Folio itself must be 0 (all URLs point at S3).
 *
 *   node --import tsx bench/production.ts [--json] [--quick]
 */
import { readdir, readFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { sql } from 'drizzle-orm';
import { zipSync } from 'fflate';
import pino from 'pino';
import { parsePostgresUrl } from '../src/config/postgres-url.js';
import { importPack } from '../src/content/importer.js';
import { type Database, openDatabase, queryRows } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { jobHandlers } from '../src/jobs/handlers.js';
import { Worker } from '../src/jobs/worker.js';
import * as rq from '../src/retrieval/queries.js';
import { LocalStorage } from '../src/storage/local.js';
import { S3Storage } from '../src/storage/s3.js';
import { startTestServer } from '../test/server.js';
import { type PostgresServer, startPostgres } from '../test/services/postgres.js';
import { startS3Server } from '../test/services/s3.js';
import { type Budget, cleanup, errorRow, formatTable, installCleanupHandlers, makeRow, makeTempDir, onCleanup, percentile, type Row } from './lib.js';

const PACK = process.env.FOLIO_BENCH_PACK ?? '/work/shared/data/pepper-carrot';
const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const log = (m: string) => process.stderr.write(`bench:production: ${m}\n`);

const CHUNKS = quick ? 20_000 : 100_000;
const EPISODES = 200;
const PAGES = 50;
const DIMS = 512;
const CLUSTERS = 500;
const QUERIES = quick ? 40 : 150;
const READER = '66666666-6666-6666-6666-666666666666';

const BUDGET = {
  vectorP99Ms: { kind: 'max', limit: 50 },
  recall: { kind: 'min', limit: 0.95 },
  importRatio: { kind: 'min', limit: 0.8 },
  s3ApiBytes: { kind: 'max', limit: 0 },
} satisfies Record<string, Budget>;

async function seedScale(db: Database): Promise<void> {
  const d = db.db;
  await d.execute(sql`INSERT INTO series (id, title, attribution, content_hash) VALUES ('scale', 'Scale', '', 'x')`);
  await d.execute(sql`INSERT INTO episodes (series_id, number, slug, title, page_count, first_page, last_page)
                      SELECT 'scale', e, 'e' || e, 'Episode ' || e, ${PAGES}, 1, ${PAGES} FROM generate_series(1, ${EPISODES}) e`);
  await d.execute(
    sql`INSERT INTO pages (series_id, episode, number, kind) SELECT 'scale', e, p, 'story' FROM generate_series(1, ${EPISODES}) e, generate_series(1, ${PAGES}) p`,
  );
  // Chunks spread evenly over the pages, in reading order.
  await d.execute(sql`INSERT INTO chunks (series_id, episode, page, source, source_ref, ordinal, text)
                      SELECT 'scale', 1 + (i * ${EPISODES}) / ${CHUNKS}, 1 + (i % ${PAGES}), 'dialogue', 'x', 0, md5(i::text) || ' ' || md5((i * 7)::text)
                        FROM generate_series(0, ${CHUNKS - 1}) i`);
  await d.execute(
    sql`CREATE TABLE bench_centroids AS SELECT c AS id, l2_normalize((SELECT array_agg(random() - 0.5 + 0 * (c + g.x))::vector FROM generate_series(1, ${DIMS}) g(x))) AS v FROM generate_series(0, ${CLUSTERS - 1}) c`,
  );
  // Each chunk: a centroid plus noise (correlated subquery: fresh noise per row), normalised.
  await d.execute(sql`INSERT INTO chunk_vectors (chunk_id, series_id, episode, page, model, dims, embedding)
                      SELECT c.id, c.series_id, c.episode, c.page, 'bench', ${DIMS},
                             l2_normalize(k.v + (SELECT array_agg((random() - 0.5) * 0.08 + 0 * (c.id + g.x))::vector FROM generate_series(1, ${DIMS}) g(x)))
                        FROM chunks c JOIN bench_centroids k ON k.id = (c.id * 7919) % ${CLUSTERS}
                       WHERE c.series_id = 'scale'`);
  await d.execute(sql`ANALYZE chunks, chunk_vectors`);
}

async function retrievalAtScale(rows: Row[]): Promise<void> {
  let pgServer: PostgresServer | undefined;
  try {
    pgServer = await startPostgres({ settings: { maintenance_work_mem: '512MB', max_parallel_maintenance_workers: 1 } });
    onCleanup(() => pgServer!.stop());
    const conn = parsePostgresUrl(pgServer.url, 'DATABASE_URL');
    const db = await openDatabase({ kind: 'postgres', app: conn, direct: conn, poolMax: 2 });
    onCleanup(() => db.close());
    await migrate(db);
    log(`seeding ${CHUNKS} chunks with ${DIMS}-d vectors (HNSW index builds as they go in)…`);
    const t0 = performance.now();
    await seedScale(db);
    log(`seeded and indexed in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    await db.db.execute(sql`INSERT INTO readers (id) VALUES (${READER})`);
    const queries = await queryRows<{ q: string }>(
      db.db,
      sql`SELECT l2_normalize(k.v + (SELECT array_agg((random() - 0.5) * 0.08 + 0 * (g + n.x))::vector FROM generate_series(1, ${DIMS}) n(x)))::text AS q
            FROM generate_series(1, ${QUERIES}) g JOIN bench_centroids k ON k.id = (g * 104729) % ${CLUSTERS}`,
    );
    const vectors = queries.map((r) => JSON.parse(r.q) as number[]);
    const scope = { readerId: READER, seriesId: 'scale' };
    for (const [label, episode] of [
      ['10 % visible', Math.round(EPISODES * 0.1)],
      ['50 % visible', Math.round(EPISODES * 0.5)],
      ['95 % visible', Math.round(EPISODES * 0.95)],
    ] as const) {
      await db.db.execute(sql`INSERT INTO progress (reader_id, series_id, episode, page) VALUES (${READER}, 'scale', ${episode}, ${PAGES / 2})
                              ON CONFLICT (reader_id, series_id) DO UPDATE SET episode = EXCLUDED.episode, page = EXCLUDED.page`);
      const hnswMs: number[] = [];
      const exactMs: number[] = [];
      const recalls: number[] = [];
      for (const v of vectors) {
        let t = performance.now();
        const got = await rq.vectorSearch(db.db, scope, 'bench', v, 10, 'index');
        hnswMs.push(performance.now() - t);
        t = performance.now();
        // The exact plan of the same search: the true answer.
        const exact = await rq.vectorSearch(db.db, scope, 'bench', v, 10, 'exact');
        exactMs.push(performance.now() - t);
        const truth = new Set(exact.map((r) => r.chunkId));
        recalls.push(truth.size === 0 ? 1 : got.filter((r) => truth.has(r.chunkId)).length / truth.size);
        for (const r of got)
          if (r.episode > episode || (r.episode === episode && r.page > PAGES / 2)) throw new Error(`result beyond the boundary at ${r.episode}/${r.page}`);
      }
      const recall = recalls.reduce((a, b) => a + b, 0) / recalls.length;
      rows.push(makeRow(`scale-p50-${episode}`, `vector retrieval, ${CHUNKS / 1000}k chunks, ${label}: p50`, 'ms.1', [percentile(hnswMs, 50)]));
      rows.push(makeRow(`scale-p99-${episode}`, `vector retrieval, ${CHUNKS / 1000}k chunks, ${label}: p99`, 'ms.1', [percentile(hnswMs, 99)], BUDGET.vectorP99Ms));
      rows.push(
        makeRow(
          `scale-exact-${episode}`,
          `  baseline: exact scan, ${label}: p50 (HNSW speed-up ${(percentile(exactMs, 50) / percentile(hnswMs, 50)).toFixed(1)}×)`,
          'ms.1',
          [percentile(exactMs, 50)],
        ),
      );
      rows.push(makeRow(`scale-recall-${episode}`, `  recall@10 vs exact scan, ${label}`, 'fraction', [recall], BUDGET.recall));
    }
  } catch (err) {
    rows.push(errorRow('scale', 'vector retrieval at scale', 'ms', BUDGET.vectorP99Ms, (err as Error).message));
  }
}

async function zipDir(dir: string): Promise<Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  const walk = async (d: string): Promise<void> => {
    for (const f of await readdir(d, { withFileTypes: true })) {
      const full = join(d, f.name);
      if (f.isDirectory()) await walk(full);
      else if (f.isFile()) files[relative(dir, full)] = new Uint8Array(await readFile(full));
    }
  };
  await walk(dir);
  return zipSync(files, { level: 0 });
}

async function importThroughQueue(rows: Row[]): Promise<void> {
  try {
    const pgServer = await startPostgres();
    onCleanup(() => pgServer.stop());
    const dbFor = async (name: string) => {
      const admin = await openDatabase({
        kind: 'postgres',
        app: parsePostgresUrl(pgServer.url, 'DATABASE_URL'),
        direct: parsePostgresUrl(pgServer.url, 'DATABASE_URL'),
        poolMax: 1,
      });
      await admin.db.execute(sql.raw(`CREATE DATABASE ${name}`));
      await admin.close();
      const conn = parsePostgresUrl(pgServer.url.replace(/\/[^/?]*(\?|$)/, `/${name}$1`), 'DATABASE_URL');
      const db = await openDatabase({ kind: 'postgres', app: conn, direct: conn, poolMax: 6 });
      onCleanup(() => db.close());
      await migrate(db);
      return db;
    };
    // Baseline: the importer called directly.
    const direct = await dbFor('bench_direct');
    const directMedia = await makeTempDir();
    const d = await importPack({ database: direct, storage: new LocalStorage(join(directMedia, 'media')) }, PACK, { concurrency: 2 });
    const directRate = d.pages / (d.ms / 1000);
    // Through the operator API and the job queue.
    const queued = await dbFor('bench_queue');
    const media = await makeTempDir();
    const storage = new LocalStorage(join(media, 'media'));
    const ADMIN = 'bench-admin-token-0123456789abcdef';
    let worker: Worker | undefined;
    const server = await startTestServer(queued, { storage, adminToken: ADMIN, jobs: { wake: () => worker?.wake(), maxUploadBytes: 200 * 1024 * 1024 } });
    onCleanup(() => server.close());
    worker = new Worker({
      db: queued.db,
      handlers: jobHandlers({ database: queued, storage, importConcurrency: 2 }),
      logger: pino({ level: 'silent' }),
      concurrency: 1,
      pollMs: 100,
    });
    worker.start();
    onCleanup(() => worker!.stop());
    const zip = await zipDir(PACK);
    const t = performance.now();
    const res = await server.fetch('/api/admin/imports?filename=pepper-carrot.zip', {
      method: 'POST',
      body: Buffer.from(zip),
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/zip' },
    });
    const { job } = (await res.json()) as { job: { id: string } };
    let state = '';
    let result: { pages: number } | null = null;
    while (state !== 'succeeded') {
      const j = (await (await server.fetch(`/api/admin/jobs/${job.id}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as {
        job: { state: string; result: { pages: number } | null; error: string | null };
      };
      state = j.job.state;
      result = j.job.result;
      if (state === 'failed' || state === 'cancelled') throw new Error(`import job ${state}: ${j.job.error}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const queueRate = result!.pages / ((performance.now() - t) / 1000);
    rows.push(makeRow('queue-direct', 'import, direct importPack (baseline, same run)', 'pages/s', [directRate]));
    rows.push(makeRow('queue-rate', 'import through the operator API + job queue (upload → succeeded)', 'pages/s', [queueRate], { kind: 'min', limit: 10 }));
    rows.push(makeRow('queue-ratio', '  queue ÷ direct', 'x', [queueRate / directRate], BUDGET.importRatio));
  } catch (err) {
    rows.push(errorRow('queue', 'import through the job queue', 'pages/s', null, (err as Error).message));
  }
}

async function s3Bytes(rows: Row[]): Promise<void> {
  try {
    const s3 = await startS3Server();
    onCleanup(() => s3.stop());
    const db = await openDatabase({ kind: 'pglite', dataDir: undefined });
    onCleanup(() => db.close());
    await migrate(db);
    const storage = new S3Storage({
      endpoint: s3.endpoint,
      region: 'auto',
      bucket: s3.bucket,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      publicUrlPrefix: `${s3.endpoint}/${s3.bucket}`,
    });
    const server = await startTestServer(db, { storage });
    onCleanup(() => server.close());
    await importPack({ database: db, storage }, PACK, { concurrency: 2 });
    const token = await server.newReader();
    let apiImageBytes = 0;
    let s3ImageBytes = 0;
    let urls = 0;
    await server.fetch('/api/series/pepper-carrot/progress', { method: 'POST', token, json: { episode: 1, page: 1 } });
    const detail = (await (await server.fetch('/api/series/pepper-carrot', { token })).json()) as { episodes: Array<{ number: number; cover: { url?: string } | null }> };
    for (const e of detail.episodes) {
      // peek: the display images of every episode, as a reader opening each one would get them.
      const ep = (await (await server.fetch(`/api/series/pepper-carrot/episodes/${e.number}?peek=true`, { token })).json()) as {
        pages: Array<{ image: { url: string } | null; thumbnail: { url?: string } | null }>;
      };
      for (const url of ep.pages.flatMap((p) => [p.image?.url, p.thumbnail?.url]).concat(e.cover?.url)) {
        if (!url) continue;
        urls++;
        const res = await fetch(url.startsWith('/') ? `${server.url}${url}` : url);
        const bytes = (await res.arrayBuffer()).byteLength;
        if (url.startsWith(server.url) || url.startsWith('/')) apiImageBytes += bytes;
        else s3ImageBytes += bytes;
      }
    }
    rows.push(makeRow('s3-api-bytes', `image bytes served by the Folio API in S3 mode (${urls} image URLs)`, 'count', [apiImageBytes], BUDGET.s3ApiBytes));
    rows.push(makeRow('s3-bucket-bytes', '  image bytes served by the S3 server instead', 'count', [s3ImageBytes]));
    storage.close();
  } catch (err) {
    rows.push(errorRow('s3', 'image bytes served by the API in S3 mode', 'count', BUDGET.s3ApiBytes, (err as Error).message));
  }
}

async function main(): Promise<void> {
  installCleanupHandlers();
  const rows: Row[] = [];
  const before = loadavg()[0]!.toFixed(1);
  try {
    await retrievalAtScale(rows);
    await importThroughQueue(rows);
    await s3Bytes(rows);
  } finally {
    await cleanup();
  }
  const title = `Folio production data plane benchmark: ${new Date().toISOString()}, node ${process.version}, ${availableParallelism()} CPUs, 1-min load ${before} → ${loadavg()[0]!.toFixed(1)}`;
  process.stdout.write(json ? `${JSON.stringify({ title, rows }, null, 2)}\n` : `${formatTable(rows, title)}\n`);
  process.exitCode = rows.some((r) => r.error) ? 1 : 0;
}

await main();
