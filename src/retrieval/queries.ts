/**
 * All SQL of retrieval: full-text and vector search over chunks, the pages in
 * view, and the vector store. Every query that returns chunk text has the
 * spoiler boundary (`visibleTo`, read from the progress row) inside its WHERE.
 */
import { type SQL, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.js';
import { type Position, type ReaderScope, readerPosition, visibleTo } from '../spoilers/index.js';

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
  /**
   * Where the question's route points (route.ts, chat/queries.ts turnContext): 1 = a chunk in the part
   * of the story (or the wiki) the question is about, 2 = a recap page; 0 or absent = elsewhere.
   */
  focus?: number;
  /** Page in view only: where it goes among the passages (retriever.ts ViewLead). */
  lead?: 'first' | 'second' | 'evidence';
}

/** Page text (lettering and descriptions), as opposed to wiki sections. */
export const PAGE_TEXT = sql`c.source IN ('dialogue', 'description')`;

export interface SearchFocus {
  /** Marks hits (the `focus` column, 1 when true) in the part of the story the question is about. */
  mark?: SQL;
  /**
   * Multiplies the full-text rank of marked hits when choosing the candidates, so the part of the
   * story the question is about gets its share of them in the same scan (the rank returned stays
   * the plain `ts_rank_cd`: fusion weighs focus itself, retriever.ts assemblePassages).
   */
  boost?: number;
}

const chunkVisible = (scope: ReaderScope) => visibleTo(scope, { episode: sql`c.episode`, page: sql`c.page` });

/**
 * Full-text search (`websearch_to_tsquery`, ranked by `ts_rank_cd`) under the boundary, as a
 * statement; the chat composes these statements into one (chat/queries.ts).
 */
export function fullTextSql(scope: ReaderScope, webSearch: string | SQL, limit: number, focus: SearchFocus = {}): SQL {
  const boosted =
    focus.mark && focus.boost ? sql`ts_rank_cd(c.tsv, q) * (CASE WHEN ${focus.mark} THEN ${sql.raw(String(Number(focus.boost)))} ELSE 1 END)` : sql`ts_rank_cd(c.tsv, q)`;
  return sql`SELECT ${chunkColumns(scope, focus.mark)}, ts_rank_cd(c.tsv, q)::float8 AS rank
          FROM chunks c, websearch_to_tsquery('english', ${webSearch}) q
         WHERE c.series_id = ${scope.seriesId} AND c.tsv @@ q AND ${chunkVisible(scope)}
         ORDER BY ${boosted} DESC, c.episode DESC, c.page DESC, c.id
         LIMIT ${limit}`;
}

export async function fullTextSearch(db: Db, scope: ReaderScope, webSearch: string, limit: number): Promise<ChunkHit[]> {
  return queryRows<ChunkHit>(db, fullTextSql(scope, webSearch, limit));
}

function chunkColumns(scope: ReaderScope, focus?: SQL, opts: { pageText?: boolean } = {}): SQL {
  // A wiki chunk's title comes from its article, itself gated (a section never debuts before its article).
  // Page text has none: no subquery to plan for it.
  const title = opts.pageText
    ? sql`NULL::text AS title`
    : sql`CASE WHEN c.source = 'wiki' THEN (
      SELECT a.title FROM wiki_articles a
       WHERE a.series_id = c.series_id AND a.slug = split_part(c.source_ref, '#', 1)
         AND ${visibleTo(scope, { episode: sql`a.episode`, page: sql`a.page` })}) END AS title`;
  return sql`c.id::int AS "chunkId", c.episode, c.page, c.source, c.source_ref AS "sourceRef", c.text,${focus ? sql` (CASE WHEN ${focus} THEN 1 ELSE 0 END) AS focus,` : sql``}
    ${title}`;
}

/**
 * The page text of the pages in view (dialogue and descriptions), under the boundary.
 * `pages` null = the reader's position itself. `focus` (1 when true): the question is about the page in view.
 * `orPosition`: the position's page too, in the same scan, each row saying whether it is in view (`inView`),
 * for when a page sent is past the position (chat/queries.ts turnContext).
 */
export function pageChunksSql(scope: ReaderScope, pages: Position[] | null, focus?: SQL, opts: { orPosition?: boolean } = {}): SQL {
  const atPosition = sql`(c.episode, c.page) = (${readerPosition(scope)})`;
  const inView =
    pages === null
      ? atPosition
      : pages.length === 0
        ? // No page on screen (`viewing: []`): no page text; an empty OR-list would be a syntax error.
          sql`false`
        : sql`(${sql.join(
            pages.map((p) => sql`(c.episode = ${p.episode} AND c.page = ${p.page})`),
            sql` OR `,
          )})`;
  const both = opts.orPosition && pages !== null;
  return sql`SELECT ${chunkColumns(scope, focus, { pageText: true })}${both ? sql`, ${inView} AS "inView"` : sql``}
          FROM chunks c
         WHERE c.series_id = ${scope.seriesId} AND c.source IN ('dialogue', 'description') AND ${both ? sql`(${inView} OR ${atPosition})` : inView} AND ${chunkVisible(scope)}
         ORDER BY c.episode, c.page, c.source, c.ordinal`;
}

/**
 * Recap pages (a "so far" question): one page-text chunk per story page of the episodes `target`
 * selects (a condition on `c.episode`), page 0 (the title strip) aside, under the boundary; `lastOnly`
 * keeps the last visible page of each such episode (how it ended). Marked `focus` 2.
 */
export function recapSql(scope: ReaderScope, target: SQL, opts: { lastOnly: boolean; limit: number }): SQL {
  const last = opts.lastOnly
    ? sql` AND c.page = (SELECT max(c2.page) FROM chunks c2
                          WHERE c2.series_id = c.series_id AND c2.episode = c.episode AND c2.source IN ('dialogue', 'description')
                            AND ${visibleTo(scope, { episode: sql`c2.episode`, page: sql`c2.page` })})`
    : sql``;
  return sql`SELECT r.* FROM (
      SELECT DISTINCT ON (c.episode, c.page) ${chunkColumns(scope)}, 2 AS focus
        FROM chunks c
       WHERE c.series_id = ${scope.seriesId} AND ${PAGE_TEXT} AND c.page > 0 AND ${target} AND ${chunkVisible(scope)}${last}
       ORDER BY c.episode, c.page, c.source, c.ordinal) r
    ORDER BY r.episode DESC, r.page
    LIMIT ${opts.limit}`;
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
 * How nearest vectors are found. `exact`: read the visible vectors of the series (through the
 * B-tree on series, model and position) and sort them; below HNSW_MIN_VECTORS this computes fewer
 * distances than an HNSW walk with a wide ef_search, is exact, and needs no session settings, so it
 * runs as a plain statement. `index`: walk the HNSW index, in a transaction that called
 * `enableIterativeScan`. bench/retrieval.ts (small) and bench/production.ts (100,000 vectors).
 */
export type VectorPlan = 'exact' | 'index';

/** Below this many vectors in the store (planner statistics), the exact plan is used. */
export const HNSW_MIN_VECTORS = 10_000;
export const HNSW_EF_SEARCH = 400;
/** How long a process trusts its reading of the store's size (imports change it rarely; either plan is correct). */
const PLAN_TTL_MS = 60_000;
const plans = new WeakMap<object, { at: number; plan: VectorPlan }>();

/** The plan for the vector store's current size, read at most once a minute per database handle. */
export async function vectorPlan(db: Db, opts: { now?: number; minVectors?: number } = {}): Promise<VectorPlan> {
  const now = opts.now ?? Date.now();
  const cached = plans.get(db);
  if (cached && now - cached.at >= 0 && now - cached.at < PLAN_TTL_MS) return cached.plan;
  const [row] = await queryRows<{ vectors: number }>(
    db,
    sql`SELECT COALESCE((SELECT reltuples FROM pg_class WHERE oid = to_regclass('chunk_vectors')), 0)::float8 AS vectors`,
  );
  const plan: VectorPlan = (row?.vectors ?? 0) > (opts.minVectors ?? HNSW_MIN_VECTORS) ? 'index' : 'exact';
  plans.set(db, { at: now, plan });
  return plan;
}

/**
 * Settings for an HNSW query, for this transaction, in one round trip:
 * - index scans continue until enough rows pass the filters (iterative scan, pgvector ≥ 0.8),
 *   with a wide candidate list: a reader early in a long series sees a small slice of the vectors,
 *   and a narrow search (the default ef_search 40) misses true neighbours (bench/production.ts:
 *   recall@10 0.90 at 10 % visible with 40, ≥ 0.95 with 400; 0.998 once the graph is built with
 *   ef_construction 128, migration 0007).
 * - sequential scans are off: pgvector's HNSW cost estimate loses to "read every visible vector
 *   and sort" even where that is 7-11× slower. (Full-text search keeps its GIN bitmap scans.)
 */
export async function enableIterativeScan(db: Db): Promise<void> {
  await db.execute(sql`SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true),
    set_config('hnsw.ef_search', ${String(HNSW_EF_SEARCH)}, true),
    set_config('enable_seqscan', 'off', true)`);
}

/** Run `statement(plan)` the way the plan needs: as is (exact), or in a transaction with HNSW settings (index). */
export async function withVectorPlan<T>(db: Db, plan: VectorPlan, run: (db: Db) => Promise<T>): Promise<T> {
  if (plan === 'exact') return run(db);
  return db.transaction(async (tx) => {
    await enableIterativeScan(tx as unknown as Db);
    return run(tx as unknown as Db);
  });
}

/**
 * Nearest chunks by cosine distance among vectors of `model`, under the boundary (inside the SQL
 * either way). `index`: the cast `embedding::vector(N)` and `dims = N` match the partial HNSW index;
 * with `enableIterativeScan`, index scans keep returning candidates until `limit` visible ones are
 * found (pgvector ≥ 0.8), so the boundary filter cannot starve the result. `exact`: the ORDER BY
 * cannot use the HNSW index, so the planner reads the visible vectors and sorts them.
 */
export function vectorSql(scope: ReaderScope, model: string, query: number[], limit: number, plan: VectorPlan, focus: { mark?: SQL; boost?: VectorBoost } = {}): SQL {
  const dims = dimsSql(query.length);
  const q = vectorLiteral(query);
  const distance = sql`(v.embedding::vector(${dims}) <=> ${q}::vector(${dims}))::float8`;
  // The boost lowers the distance of vectors in the episodes the question is about, so they get
  // their share of the candidates in this one scan (a condition on the vector's own episode column).
  const lift = (episode: SQL) => (focus.boost ? sql`(CASE WHEN ${focus.boost.episodes(episode)} THEN ${sql.raw(String(Number(focus.boost.by)))} ELSE 0 END)` : sql`0`);
  const nearest =
    plan === 'index'
      ? // The filters are written so the B-tree on (series_id, model, episode, page) cannot serve them:
        // the planner would otherwise read and sort every visible vector (exact, but 40-300 ms at
        // 100k vectors) instead of walking the HNSW index (a few ms). bench/production.ts.
        // A walk is in distance order (the index's): with a boost, a second walk keeps to the boosted
        // episodes (iterative scans go on until enough of them pass), and the boost ranks the union. On a
        // store this large the walks cost a few ms; the exact plan below boosts within its one scan.
        sql`SELECT w.chunk_id, min(w.distance) AS distance FROM (
            (SELECT v.chunk_id, v.episode, ${distance} AS distance
              FROM chunk_vectors v
             WHERE (v.series_id || '') = ${scope.seriesId} AND (v.model || '') = ${model} AND v.dims = ${dims}
               AND ${visibleTo(scope, { episode: sql`(v.episode + 0)`, page: sql`(v.page + 0)` })}
             ORDER BY v.embedding::vector(${dims}) <=> ${q}::vector(${dims})
             LIMIT ${limit})${
               focus.boost
                 ? sql`
            UNION ALL
            (SELECT v.chunk_id, v.episode, ${distance} AS distance
              FROM chunk_vectors v
             WHERE (v.series_id || '') = ${scope.seriesId} AND (v.model || '') = ${model} AND v.dims = ${dims}
               AND ${visibleTo(scope, { episode: sql`(v.episode + 0)`, page: sql`(v.page + 0)` })} AND ${focus.boost.episodes(sql`(v.episode + 0)`)}
             ORDER BY v.embedding::vector(${dims}) <=> ${q}::vector(${dims})
             LIMIT ${limit})`
                 : sql``
             }) w
             GROUP BY w.chunk_id, w.episode
             ORDER BY min(w.distance) - ${lift(sql`w.episode`)}, w.chunk_id
             LIMIT ${limit}`
      : // OFFSET 0 keeps the subquery apart, so the sort is on its output and the planner cannot
        // turn it into an HNSW scan (which, without the settings above, could starve the result).
        sql`SELECT d.chunk_id, d.distance
              FROM (SELECT v.chunk_id, ${distance} AS distance, ${lift(sql`v.episode`)} AS lift
                      FROM chunk_vectors v
                     WHERE v.series_id = ${scope.seriesId} AND v.model = ${model} AND v.dims = ${dims}
                       AND ${visibleTo(scope, { episode: sql`v.episode`, page: sql`v.page` })}
                    OFFSET 0) d
             ORDER BY d.distance - d.lift, d.chunk_id
             LIMIT ${limit}`;
  return sql`SELECT ${chunkColumns(scope, focus.mark)}, n.distance AS rank
      FROM (${nearest}) n
      JOIN chunks c ON c.id = n.chunk_id
     WHERE ${chunkVisible(scope)}
     ORDER BY n.distance, c.id`;
}

/** Vectors in these episodes (a condition on an episode column) count as `by` nearer when choosing candidates. */
export interface VectorBoost {
  episodes: (episode: SQL) => SQL;
  by: number;
}

export async function vectorSearch(db: Db, scope: ReaderScope, model: string, query: number[], limit: number, plan?: VectorPlan): Promise<ChunkHit[]> {
  const chosen = plan ?? (await vectorPlan(db));
  return withVectorPlan(db, chosen, (d) => queryRows<ChunkHit>(d, vectorSql(scope, model, query, limit, chosen)));
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

/** A partial HNSW index for vectors of this size (the migration makes the 512 one), built like it (migration 0007). */
export async function ensureDimsIndex(db: Db, dims: number): Promise<void> {
  const d = dimsSql(dims);
  // HNSW indexes at most 2000 dimensions of type vector; larger ones are searched exactly.
  if (dims > 2000) return;
  await db.execute(
    sql`CREATE INDEX IF NOT EXISTS ${sql.raw(`chunk_vectors_hnsw_${dims}`)} ON chunk_vectors USING hnsw ((embedding::vector(${d})) vector_cosine_ops) WITH (ef_construction = 128) WHERE dims = ${d}`,
  );
}
