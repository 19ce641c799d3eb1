/**
 * All SQL of retrieval: full-text and vector search over chunks, the pages in
 * view, and the vector store. Every query that returns chunk text has the
 * spoiler boundary (`visibleTo`, read from the progress row) inside its WHERE.
 */
import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client.js';
import { readerPosition, visibleTo, type ReaderScope } from '../spoilers/boundary.js';
import type { Position } from '../spoilers/position.js';

export interface ChunkHit {
  chunkId: number;
  episode: number;
  page: number;
  source: string;
  sourceRef: string;
  text: string;
  /** Wiki article title for wiki chunks (its debut is at or before the section's), else null. */
  title: string | null;
  /** Full-text rank (`ts_rank_cd`, higher is better) or cosine distance (lower is better); absent for page text. */
  rank?: number;
}

const chunkVisible = (scope: ReaderScope) => visibleTo(scope, { episode: sql`c.episode`, page: sql`c.page` });

/**
 * Full-text search (`websearch_to_tsquery`, ranked by `ts_rank_cd`) under the boundary, as a
 * statement; the chat composes these statements into one (chat/queries.ts).
 */
export function fullTextSql(scope: ReaderScope, webSearch: string, limit: number): SQL {
  return sql`SELECT ${chunkColumns(scope)}, ts_rank_cd(c.tsv, q)::float8 AS rank
          FROM chunks c, websearch_to_tsquery('english', ${webSearch}) q
         WHERE c.series_id = ${scope.seriesId} AND c.tsv @@ q AND ${chunkVisible(scope)}
         ORDER BY ts_rank_cd(c.tsv, q) DESC, c.episode DESC, c.page DESC, c.id
         LIMIT ${limit}`;
}

export async function fullTextSearch(db: Db, scope: ReaderScope, webSearch: string, limit: number): Promise<ChunkHit[]> {
  return queryRows<ChunkHit>(db, fullTextSql(scope, webSearch, limit));
}

function chunkColumns(scope: ReaderScope): SQL {
  // A wiki chunk's title comes from its article, itself gated (a section never debuts before its article).
  return sql`c.id::int AS "chunkId", c.episode, c.page, c.source, c.source_ref AS "sourceRef", c.text,
    CASE WHEN c.source = 'wiki' THEN (
      SELECT a.title FROM wiki_articles a
       WHERE a.series_id = c.series_id AND a.slug = split_part(c.source_ref, '#', 1)
         AND ${visibleTo(scope, { episode: sql`a.episode`, page: sql`a.page` })}) END AS title`;
}

/**
 * The page text of the pages in view (dialogue and descriptions), under the boundary.
 * `pages` null = the reader's position itself.
 */
export function pageChunksSql(scope: ReaderScope, pages: Position[] | null): SQL {
  const where =
    pages === null
      ? sql`(c.episode, c.page) = (${readerPosition(scope)})`
      : pages.length === 0
        ? // No page on screen (`viewing: []`): no page text; an empty OR-list would be a syntax error.
          sql`false`
        : sql`(${sql.join(
          pages.map((p) => sql`(c.episode = ${p.episode} AND c.page = ${p.page})`),
          sql` OR `,
        )})`;
  return sql`SELECT ${chunkColumns(scope)}
          FROM chunks c
         WHERE c.series_id = ${scope.seriesId} AND c.source IN ('dialogue', 'description') AND ${where} AND ${chunkVisible(scope)}
         ORDER BY c.episode, c.page, c.source, c.ordinal`;
}

export async function pageChunks(db: Db, scope: ReaderScope, pages: Position[] | null): Promise<ChunkHit[]> {
  return queryRows<ChunkHit>(db, pageChunksSql(scope, pages));
}

/** A vector literal for SQL: finite numbers only. */
export function vectorLiteral(v: number[]): string {
  if (!v.every((x) => Number.isFinite(x))) throw new Error('embedding has a non-finite value');
  return `[${v.join(',')}]`;
}

/** Dimensions go into SQL text (index casts and the partial-index predicate must be literals). */
function dimsSql(dims: number): SQL {
  if (!Number.isInteger(dims) || dims < 1 || dims > 16000) throw new Error(`bad vector dimension ${dims}`);
  return sql.raw(String(dims));
}

/**
 * Settings for a vector query, for this transaction, in one round trip:
 * - HNSW index scans continue until enough rows pass the filters (iterative scan, pgvector ≥ 0.8),
 *   with a wide candidate list: a reader early in a long series sees a small slice of the vectors,
 *   and a narrow search (the default ef_search 40) misses true neighbours (bench/production.ts:
 *   recall@10 0.90 at 10 % visible with 40, ≥ 0.95 with 400).
 * - Past HNSW_MIN_VECTORS vectors, sequential scans are off: pgvector's HNSW cost estimate loses to
 *   "read every visible vector and sort" even where that is 7-11× slower. Below it the exact scan
 *   is cheap and exact, so the planner may choose it. (Full-text search keeps its GIN bitmap scans.)
 */
export async function enableIterativeScan(db: Db): Promise<void> {
  await db.execute(sql`SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true),
    set_config('hnsw.ef_search', ${String(HNSW_EF_SEARCH)}, true),
    set_config('enable_seqscan', CASE WHEN COALESCE((SELECT reltuples FROM pg_class WHERE oid = to_regclass('chunk_vectors')), 0) > ${HNSW_MIN_VECTORS} THEN 'off' ELSE 'on' END, true)`);
}

export const HNSW_EF_SEARCH = 400;
/** Below this many vectors (planner statistics), an exact scan is as fast as the index. */
export const HNSW_MIN_VECTORS = 10_000;

/**
 * Nearest chunks by cosine distance among vectors of `model`, under the boundary. The cast
 * `embedding::vector(N)` and `dims = N` match the partial HNSW index; run inside a transaction
 * that called `enableIterativeScan`, index scans keep returning candidates until `limit` visible
 * ones are found (pgvector ≥ 0.8), so the boundary filter cannot starve the result.
 */
export function vectorSql(scope: ReaderScope, model: string, query: number[], limit: number): SQL {
  const dims = dimsSql(query.length);
  const q = vectorLiteral(query);
  return sql`SELECT ${chunkColumns(scope)}, n.distance AS rank
      FROM (SELECT v.chunk_id, (v.embedding::vector(${dims}) <=> ${q}::vector(${dims}))::float8 AS distance
              FROM chunk_vectors v
             -- The filters are written so the B-tree on (series_id, model, episode, page) cannot serve
             -- them: the planner would otherwise read and sort every visible vector (exact, but 40-200 ms
             -- at 10k+ vectors) instead of walking the HNSW index (a few ms). bench/production.ts.
             -- The boundary is still applied to every row, inside this statement.
             WHERE (v.series_id || '') = ${scope.seriesId} AND (v.model || '') = ${model} AND v.dims = ${dims}
               AND ${visibleTo(scope, { episode: sql`(v.episode + 0)`, page: sql`(v.page + 0)` })}
             ORDER BY v.embedding::vector(${dims}) <=> ${q}::vector(${dims})
             LIMIT ${limit}) n
      JOIN chunks c ON c.id = n.chunk_id
     WHERE ${chunkVisible(scope)}
     ORDER BY n.distance, c.id`;
}

export async function vectorSearch(
  db: Db,
  scope: ReaderScope,
  model: string,
  query: number[],
  limit: number,
  opts: { inTransaction?: boolean } = {},
): Promise<ChunkHit[]> {
  const statement = vectorSql(scope, model, query, limit);
  if (opts.inTransaction) return queryRows<ChunkHit>(db, statement);
  return db.transaction(async (tx) => {
    await enableIterativeScan(tx as unknown as Db);
    return queryRows<ChunkHit>(tx as unknown as Db, statement);
  });
}

// ---------------------------------------------------------------------------------------------
// The vector store (chunk_vectors exists only where pgvector is available; see migration 0002).

export async function vectorStoreExists(db: Db): Promise<boolean> {
  const [row] = await queryRows<{ ok: boolean }>(db, sql`SELECT to_regclass('chunk_vectors') IS NOT NULL AS ok`);
  return row?.ok ?? false;
}

/** Create the vector table if pgvector became available after the migration ran. */
export async function enableVectorStore(db: Db): Promise<boolean> {
  const [row] = await queryRows<{ ok: boolean }>(db, sql`SELECT folio_enable_vectors() AS ok`);
  return row?.ok ?? false;
}

/** Models whose vectors are stored, with counts. */
export async function storedModels(db: Db): Promise<Array<{ model: string; vectors: number }>> {
  return queryRows(db, sql`SELECT model, count(*)::int AS vectors FROM chunk_vectors GROUP BY model ORDER BY model`);
}

export async function countChunks(db: Db): Promise<{ chunks: number; embedded: number }> {
  const [row] = await queryRows<{ chunks: number; embedded: number }>(
    db,
    sql`SELECT (SELECT count(*)::int FROM chunks) AS chunks, (SELECT count(*)::int FROM chunk_vectors) AS embedded`,
  );
  return row ?? { chunks: 0, embedded: 0 };
}

/** Chunks that have no vector yet (any series), oldest first. */
export async function chunksWithoutVectors(db: Db, limit: number): Promise<Array<{ id: number; seriesId: string; episode: number; page: number; text: string }>> {
  return queryRows(
    db,
    sql`SELECT c.id::int AS id, c.series_id AS "seriesId", c.episode, c.page, c.text
          FROM chunks c LEFT JOIN chunk_vectors v ON v.chunk_id = c.id
         WHERE v.chunk_id IS NULL
         ORDER BY c.id LIMIT ${limit}`,
  );
}

export interface VectorRow {
  chunkId: number;
  seriesId: string;
  episode: number;
  page: number;
  vector: number[];
}

/** Store vectors made by `model`; a chunk deleted meanwhile (re-import) is skipped. */
export async function storeVectors(db: Db, model: string, rows: VectorRow[]): Promise<void> {
  if (rows.length === 0) return;
  const values = rows.map(
    (r) => sql`(${r.chunkId}::bigint, ${r.seriesId}, ${r.episode}::int, ${r.page}::int, ${model}, ${r.vector.length}::int, ${vectorLiteral(r.vector)}::vector)`,
  );
  await db.execute(sql`
    INSERT INTO chunk_vectors (chunk_id, series_id, episode, page, model, dims, embedding)
    SELECT v.* FROM (VALUES ${sql.join(values, sql`, `)}) AS v(chunk_id, series_id, episode, page, model, dims, embedding)
     WHERE EXISTS (SELECT 1 FROM chunks c WHERE c.id = v.chunk_id)
    ON CONFLICT (chunk_id) DO UPDATE SET model = EXCLUDED.model, dims = EXCLUDED.dims, embedding = EXCLUDED.embedding`);
}

/** Delete every vector not made by `model` (re-embedding with another model). Returns how many. */
export async function deleteOtherModels(db: Db, model: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db, sql`WITH d AS (DELETE FROM chunk_vectors WHERE model <> ${model} RETURNING 1) SELECT count(*)::int AS n FROM d`);
  return row?.n ?? 0;
}

/** A partial HNSW index for vectors of this size (the migration makes the 512 one). */
export async function ensureDimsIndex(db: Db, dims: number): Promise<void> {
  const d = dimsSql(dims);
  // HNSW indexes at most 2000 dimensions of type vector; larger ones are searched exactly.
  if (dims > 2000) return;
  await db.execute(
    sql`CREATE INDEX IF NOT EXISTS ${sql.raw(`chunk_vectors_hnsw_${dims}`)} ON chunk_vectors USING hnsw ((embedding::vector(${d})) vector_cosine_ops) WHERE dims = ${d}`,
  );
}
