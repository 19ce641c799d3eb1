/**
 * Retrieval under the boundary, on PGlite and PostgreSQL: full-text and vector
 * search never return a chunk past the reader's position (the predicate is in
 * the SQL), the page in view is always included, vectors record their model
 * and a mismatch is refused, the HNSW index serves the vector query, and
 * PostgreSQL without pgvector still migrates and retrieves full-text only.
 * The passages of a turn are read through the production path (turnContext, assemblePassages).
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SQL, sql } from 'drizzle-orm';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { backend, createPostgresDatabase, createTestDatabase, type TestDatabase } from '../../test/db.js';
import type { FakeModelServer } from '../../test/fakes/model-server.js';
import { FAKE_EMBED_DIMS, startFakeOllama } from '../../test/fakes/ollama.js';
import { writeTinyPack } from '../../test/packs.js';
import { insertMessage, turnContext } from '../chat/queries.js';
import { parsePostgresUrl } from '../config/postgres-url.js';
import { importPack } from '../content/importer.js';
import { openDatabase, queryRows } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { progress, readers } from '../db/schema.js';
import { ollamaEmbedder } from '../models/ollama.js';
import type { Embedder } from '../models/types.js';
import type { Position } from '../spoilers/index.js';
import { LocalStorage } from '../storage/local.js';
import { EmbeddingService, embedPending, storeState } from './embeddings.js';
import * as q from './queries.js';
import { assemblePassages, CANDIDATES, type Passage, pagesInView } from './retriever.js';
import { toWebSearch } from './search-query.js';

let t: TestDatabase;
let ollama: FakeModelServer;
let embedder: Embedder;
let mediaDir: string;
const READER = '33333333-3333-3333-3333-333333333333';
const scope = { readerId: READER, seriesId: 'tiny' };

// Later pages are full of the words the questions ask about: only the boundary keeps them out.
const TEXT: Record<string, string> = {
  '1/1': 'Pepper brews a potion in the kitchen.\nCarrot watches.',
  '1/2': 'The potion bubbles. Carrot sniffs it.',
  '1/3': 'The potion explodes in green smoke.',
  '2/1': 'A dragon rises over the tower. The dragon roars at the tower.',
  '2/2': 'The dragon Zorblax becomes king of the tower and the potion market.',
  '2/3': 'Zorblax the dragon crowns himself. Dragon dragon dragon tower.',
};

beforeAll(async () => {
  t = await createTestDatabase();
  ollama = await startFakeOllama();
  embedder = ollamaEmbedder({ baseUrl: ollama.url, apiKey: undefined, modalProxy: undefined }, 'nomic-embed-text');
  mediaDir = await mkdtemp(join(tmpdir(), 'folio-media-'));
  const pack = await writeTinyPack({ id: 'tiny', episodes: 2, pagesPerEpisode: 3, dialogue: (e, p) => TEXT[`${e}/${p}`]! });
  await importPack({ database: t.database, storage: new LocalStorage(mediaDir) }, pack);
  await t.database.db.insert(readers).values({ id: READER });
}, 120_000);

afterAll(async () => {
  await ollama?.close();
  await t?.close();
  if (mediaDir) await rm(mediaDir, { recursive: true, force: true });
});

async function at(pos: Position): Promise<void> {
  await t.database.db.execute(sql`DELETE FROM progress WHERE reader_id = ${READER}`);
  await t.database.db.insert(progress).values({ readerId: READER, seriesId: 'tiny', ...pos });
}

/**
 * Retrieval as a chat turn does it (chat/companion.ts prepare and answer): the question's vector from the
 * embedding service, every search in turnContext's one statement, then pagesInView and assemblePassages.
 */
async function retrieve(question: string, viewing: Position[] | null, embeddings: EmbeddingService | null = null): Promise<{ passages: Passage[]; vector: boolean }> {
  const queryVector = embeddings ? await embeddings.queryVector(t.database.db, question) : null;
  const context = await turnContext(t.database.db, {
    readerId: READER,
    seriesId: 'tiny',
    conversationId: 'retrieval-test',
    questionId: 'q1',
    webSearch: toWebSearch(question),
    question,
    viewing,
    queryVector,
    historyLimit: 0,
    candidates: CANDIDATES,
  });
  const passages = assemblePassages({ text: context.textHits, vector: context.vectorHits, current: pagesInView(context, viewing) });
  return { passages, vector: queryVector !== null };
}

const positions = (hits: Array<{ episode: number; page: number }>) => hits.map((h) => `${h.episode}/${h.page}`);
const beyond = (p: { episode: number; page: number }, b: Position) => p.episode > b.episode || (p.episode === b.episode && p.page > b.page);

describe('full-text search under the boundary', () => {
  it('finds only chunks at or before the position, best first', async () => {
    await at({ episode: 1, page: 2 });
    const hits = await q.fullTextSearch(t.database.db, scope, 'dragon or potion or tower', 20);
    expect(positions(hits).sort()).toEqual(['1/1', '1/2']);
    await at({ episode: 2, page: 3 });
    const all = await q.fullTextSearch(t.database.db, scope, 'dragon or tower', 20);
    expect(positions(all)[0]).toBe('2/3');
    expect(positions(all).sort()).toEqual(['2/1', '2/2', '2/3']);
  });

  it('a reader without progress gets nothing', async () => {
    await t.database.db.execute(sql`DELETE FROM progress WHERE reader_id = ${READER}`);
    expect(await q.fullTextSearch(t.database.db, scope, 'potion', 20)).toEqual([]);
    expect((await retrieve('potion', null)).passages).toEqual([]);
    expect((await retrieve('potion', [{ episode: 1, page: 1 }])).passages).toEqual([]);
  });

  it('late pages of a finished episode stay visible (row-value order)', async () => {
    await at({ episode: 2, page: 1 });
    expect(positions(await q.fullTextSearch(t.database.db, scope, 'explodes', 20))).toEqual(['1/3']);
  });
});

describe('vectors', () => {
  beforeEach(async () => {
    await t.database.db.execute(sql`DELETE FROM chunk_vectors`);
  });

  it('embedPending fills the store with the model recorded, reporting progress', async () => {
    const seen: number[] = [];
    const r = await embedPending(t.database.db, embedder, { batchSize: 2, onProgress: (p) => seen.push(p.done) });
    const { chunks } = await q.countChunks(t.database.db);
    expect(r).toEqual({ embedded: chunks, model: 'ollama:nomic-embed-text' });
    expect(seen.at(-1)).toBe(chunks);
    expect(await q.storedModels(t.database.db)).toEqual([{ model: 'ollama:nomic-embed-text', vectors: chunks }]);
    // Nothing left to do the second time.
    expect((await embedPending(t.database.db, embedder)).embedded).toBe(0);
  });

  it('vector search returns only chunks at or before the position', async () => {
    await embedPending(t.database.db, embedder);
    const [query] = await embedder.embed(['dragon tower Zorblax']);
    await at({ episode: 1, page: 3 });
    const early = await q.vectorSearch(t.database.db, scope, embedder.id, query!, 20);
    expect(early.length).toBeGreaterThan(0);
    expect(early.every((h) => !beyond(h, { episode: 1, page: 3 }))).toBe(true);
    await at({ episode: 2, page: 3 });
    const late = await q.vectorSearch(t.database.db, scope, embedder.id, query!, 20);
    expect(['2/1', '2/2', '2/3']).toContain(positions(late)[0]);
  });

  it('the exact and the index plan find the same nearest chunks under the boundary', async () => {
    await embedPending(t.database.db, embedder);
    for (const words of ['dragon tower Zorblax', 'potion kitchen']) {
      const [query] = await embedder.embed([words]);
      for (const pos of [
        { episode: 1, page: 2 },
        { episode: 2, page: 2 },
      ]) {
        await at(pos);
        const exact = await q.vectorSearch(t.database.db, scope, embedder.id, query!, 4, 'exact');
        const index = await q.vectorSearch(t.database.db, scope, embedder.id, query!, 4, 'index');
        expect(exact.length).toBe(pos.episode === 1 ? 2 : 4);
        expect(exact.every((h) => !beyond(h, pos))).toBe(true);
        // The same neighbours: equal distances, rank by rank (chunks at exactly equal distance may swap at the cut).
        expect(index.map((h) => h.rank!.toFixed(9))).toEqual(exact.map((h) => h.rank!.toFixed(9)));
      }
    }
  });

  it('a boost for some episodes gives the same candidates on both plans, all under the boundary', async () => {
    await embedPending(t.database.db, embedder);
    const [query] = await embedder.embed(['dragon tower Zorblax']);
    const pos = { episode: 2, page: 2 };
    await at(pos);
    const boost = { episodes: (episode: SQL) => sql`${episode} = 1`, by: 1 };
    const run = (plan: q.VectorPlan) =>
      q.withVectorPlan(
        t.database.db,
        plan,
        async (d) => (await d.execute(q.vectorSql(scope, embedder.id, query!, 3, plan, { boost }))) as unknown as { rows: q.ChunkHit[] },
      );
    const exact = (await run('exact')).rows;
    const index = (await run('index')).rows;
    expect(exact.every((h) => !beyond(h, pos))).toBe(true);
    // A boost this large puts the boosted episode's vectors first, whatever their distance.
    expect(exact.some((h) => h.episode === 1)).toBe(true);
    expect(index.map((h) => h.chunkId).sort()).toEqual(exact.map((h) => h.chunkId).sort());
  });

  it('only the index plan can walk the HNSW index', async () => {
    await embedPending(t.database.db, embedder);
    const [query] = await embedder.embed(['dragon']);
    const explain = (plan: q.VectorPlan) =>
      t.database.db.transaction(async (tx) => {
        // Make every alternative to an index-ordered scan as expensive as the planner allows.
        await tx.execute(sql`SET LOCAL enable_seqscan = off`);
        await tx.execute(sql`SET LOCAL enable_sort = off`);
        const res = (await tx.execute(sql`EXPLAIN ${q.vectorSql(scope, embedder.id, query!, 5, plan)}`)) as unknown as { rows: Array<Record<string, string>> };
        return res.rows.map((r) => Object.values(r)[0]).join('\n');
      });
    expect(await explain('index')).toContain(`chunk_vectors_hnsw_${FAKE_EMBED_DIMS}`);
    expect(await explain('exact')).not.toContain('hnsw');
  });

  it('vectorPlan picks the HNSW index past the size threshold and keeps its reading for a minute', async () => {
    await embedPending(t.database.db, embedder);
    await t.database.db.execute(sql`ANALYZE chunk_vectors`);
    const later = Date.now() + 3_600_000;
    expect(await q.vectorPlan(t.database.db, { now: later, minVectors: 1 })).toBe('index');
    // Cached: the same answer within the minute, whatever the threshold now says.
    expect(await q.vectorPlan(t.database.db, { now: later + 59_000 })).toBe('index');
    expect(await q.vectorPlan(t.database.db, { now: later + 61_000 })).toBe('exact');
  });

  it('the partial HNSW index for the model dimension serves the query', async () => {
    await embedPending(t.database.db, embedder);
    const [query] = await embedder.embed(['dragon']);
    const plan = await t.database.db.transaction(async (tx) => {
      // A table this small is cheaper to sort; forbid that to see that the HNSW index can serve the ORDER BY.
      await tx.execute(sql`SET LOCAL enable_seqscan = off`);
      await tx.execute(sql`SET LOCAL enable_sort = off`);
      const d = sql.raw(String(FAKE_EMBED_DIMS));
      const res = (await tx.execute(
        sql`EXPLAIN SELECT chunk_id FROM chunk_vectors v WHERE v.series_id = 'tiny' AND v.model = ${embedder.id} AND v.dims = ${d}
            ORDER BY v.embedding::vector(${d}) <=> ${q.vectorLiteral(query!)}::vector(${d}) LIMIT 5`,
      )) as unknown as { rows: Array<Record<string, string>> };
      return res.rows.map((r) => Object.values(r)[0]).join('\n');
    });
    expect(plan).toContain(`chunk_vectors_hnsw_${FAKE_EMBED_DIMS}`);
    const indexes = await queryRows<{ indexname: string }>(t.database.db, sql`SELECT indexname FROM pg_indexes WHERE tablename = 'chunk_vectors' ORDER BY indexname`);
    expect(indexes.map((i) => i.indexname)).toEqual(expect.arrayContaining(['chunk_vectors_hnsw_512', `chunk_vectors_hnsw_${FAKE_EMBED_DIMS}`]));
    // Both graphs are built wide enough to keep recall near the boundary (migration 0007, bench/production.ts).
    const options = await queryRows<{ relname: string; reloptions: string[] | null }>(
      t.database.db,
      sql`SELECT relname, reloptions FROM pg_class WHERE relname IN ('chunk_vectors_hnsw_512', ${`chunk_vectors_hnsw_${FAKE_EMBED_DIMS}`}) ORDER BY relname`,
    );
    expect(options).toHaveLength(2);
    for (const o of options) expect(o.reloptions, o.relname).toContain('ef_construction=128');
  });

  it('vectors of another model are refused, not mixed, until --replace', async () => {
    await embedPending(t.database.db, embedder);
    const other = ollamaEmbedder({ baseUrl: ollama.url, apiKey: undefined, modalProxy: undefined }, 'other-embed');
    expect(await storeState(t.database.db, other.id)).toMatchObject({ kind: 'mismatch', stored: ['ollama:nomic-embed-text'] });
    await expect(embedPending(t.database.db, other)).rejects.toMatchObject({ code: 'conflict:embed_model' });
    // The server side: no vector search with a mismatched store.
    const service = new EmbeddingService(other, pino({ level: 'silent' }));
    await at({ episode: 1, page: 3 });
    expect(await service.queryVector(t.database.db, 'dragon')).toBeNull();
    const replaced = await embedPending(t.database.db, other, { replace: true });
    expect(replaced.model).toBe('ollama:other-embed');
    expect(await q.storedModels(t.database.db)).toEqual([{ model: 'ollama:other-embed', vectors: replaced.embedded }]);
  });

  it('the server embeds in the background on first use; chunks without vectors are still found by full text', async () => {
    const service = new EmbeddingService(embedder, pino({ level: 'silent' }));
    await at({ episode: 1, page: 3 });
    const first = await retrieve('potion', null, service);
    expect(first.vector).toBe(false);
    expect(first.passages.length).toBeGreaterThan(0);
    await service.idle();
    const { chunks } = await q.countChunks(t.database.db);
    expect(await q.storedModels(t.database.db)).toEqual([{ model: embedder.id, vectors: chunks }]);
    // A fresh service (a restart) sees the vectors and uses them.
    const again = await retrieve('potion', null, new EmbeddingService(embedder, pino({ level: 'silent' })));
    expect(again.vector).toBe(true);
    expect(again.passages.every((p) => !beyond(p, { episode: 1, page: 3 }))).toBe(true);
  });
});

describe('the passages of a chat turn', () => {
  it('always includes the page in view (first unless the question is about another page), and never a later one', async () => {
    await at({ episode: 2, page: 1 });
    // About the page on screen: it leads.
    const here = await retrieve('what is exploding here?', null);
    expect(here.passages[0]).toMatchObject({ episode: 2, page: 1, current: true });
    expect(here.passages.some((p) => p.episode === 1 && p.page === 3)).toBe(true);
    // About the story so far, on an episode's first page (retriever.ts routeLead): the page whose words match
    // leads (here the end of the previous episode), the page in view follows.
    const r = await retrieve('potion explodes', null);
    expect(r.passages.slice(0, 2)).toEqual([expect.objectContaining({ episode: 1, page: 3 }), expect.objectContaining({ episode: 2, page: 1, current: true })]);
    expect(r.passages.every((p) => !beyond(p, { episode: 2, page: 1 }))).toBe(true);
    // About an earlier episode (retrieval/route.ts): the best passage, then the page in view.
    const before = await retrieve('which potion exploded last time?', null);
    expect(before.passages.slice(0, 2).filter((p) => p.current)).toEqual([expect.objectContaining({ episode: 2, page: 1, current: true })]);
    expect(before.passages.every((p) => !beyond(p, { episode: 2, page: 1 }))).toBe(true);
  });

  it('a viewed spread is included; a viewed page past the position falls back to the position', async () => {
    await at({ episode: 1, page: 3 });
    const spread = await retrieve('hello', [
      { episode: 1, page: 1 },
      { episode: 1, page: 2 },
    ]);
    expect(positions(spread.passages.filter((p) => p.current))).toEqual(['1/1', '1/2']);
    const peek = await retrieve('hello', [{ episode: 2, page: 2 }]);
    expect(positions(peek.passages.filter((p) => p.current))).toEqual(['1/3']);
    expect(peek.passages.every((p) => !beyond(p, { episode: 1, page: 3 }))).toBe(true);
  });

  it('the candidates of every route (recaps, earlier episodes, follow-ups) stay under the boundary', async () => {
    for (const position of [
      { episode: 1, page: 1 },
      { episode: 2, page: 1 },
    ]) {
      await at(position);
      for (const question of [
        'What happened so far?',
        'Recap of this episode',
        'What did I miss in the last episode?',
        'What did I miss in episode 2?',
        'What potion did she make last time?',
        'Why did she do that?',
        'Who is Pepper?',
      ]) {
        const r = await retrieve(question, null);
        expect(
          r.passages.some((p) => p.current),
          question,
        ).toBe(true);
        expect(
          r.passages.every((p) => !beyond(p, position)),
          `${question} at ${position.episode}/${position.page}`,
        ).toBe(true);
      }
    }
  });

  it('a follow-up searches with the words of the previous question of its conversation', async () => {
    await at({ episode: 2, page: 1 });
    const ask = (conversationId: string) =>
      turnContext(t.database.db, {
        readerId: READER,
        seriesId: 'tiny',
        conversationId,
        questionId: 'q2',
        webSearch: toWebSearch('And then?'),
        question: 'And then?',
        viewing: null,
        queryVector: null,
        historyLimit: 4,
        candidates: CANDIDATES,
      });
    expect((await ask('follow-none')).textHits.some((h) => h.episode === 1 && h.page === 3)).toBe(false);
    await insertMessage(t.database.db, {
      readerId: READER,
      conversationId: 'follow-up',
      seriesId: 'tiny',
      clientId: 'q1',
      role: 'user',
      text: 'Why does the potion explode?',
      position: { episode: 2, page: 1 },
      status: 'quote',
    });
    const context = await ask('follow-up');
    expect(context.route.kind).toBe('follow_up');
    expect(context.textHits.some((h) => h.episode === 1 && h.page === 3)).toBe(true);
    expect(context.textHits.every((h) => !beyond(h, { episode: 2, page: 1 }))).toBe(true);
  });

  it('a question with nothing searchable still gets the current page', async () => {
    await at({ episode: 1, page: 2 });
    const r = await retrieve('???', null);
    expect(positions(r.passages)).toEqual(['1/2']);
  });
});

describe.runIf(backend() === 'postgres')('PostgreSQL without pgvector for this role', () => {
  it('migrations succeed, there is no vector table, and retrieval is full-text only', async () => {
    const created = await createPostgresDatabase();
    const admin = await openDatabase({ kind: 'postgres', app: created.connection, direct: created.connection, poolMax: 1 });
    const role = `folio_np_${Math.random().toString(16).slice(2, 8)}`;
    const dbName = created.connection.database;
    await admin.withSession(async (s) => {
      await s.exec(`CREATE ROLE ${role} LOGIN PASSWORD 'np'; ALTER DATABASE ${dbName} OWNER TO ${role}`);
    });
    await admin.close();
    const url = created.url.replace(/\/\/[^@/]*@/, `//${role}:np@`);
    const conn = parsePostgresUrl(url, 'DATABASE_URL');
    const database = await openDatabase({ kind: 'postgres', app: conn, direct: conn, poolMax: 2 });
    try {
      const applied = await migrate(database);
      expect(applied).toContain('0002_companion.sql');
      expect(await q.vectorStoreExists(database.db)).toBe(false);
      expect(await q.enableVectorStore(database.db)).toBe(false);
      await expect(embedPending(database.db, embedder)).rejects.toMatchObject({ code: 'unavailable:vectors' });
      const service = new EmbeddingService(embedder, pino({ level: 'silent' }));
      expect(await service.queryVector(database.db, 'anything')).toBeNull();
    } finally {
      await database.close();
      await created.drop();
      const c = new pg.Client({ connectionString: inject('postgresUrl') });
      await c.connect();
      await c.query(`DROP ROLE IF EXISTS ${role}`);
      await c.end();
    }
  });
});
