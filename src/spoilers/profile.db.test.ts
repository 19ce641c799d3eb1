/** The terms table is filled by the importer and replaced with the series; the loader reads it. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { startFakeOllama } from '../../test/fakes/ollama.js';
import { writeTinyPack } from '../../test/packs.js';
import { importPack } from '../content/importer.js';
import { deleteSeries } from '../content/queries.js';
import { queryRows } from '../db/client.js';
import { ollamaEmbedder } from '../models/ollama.js';
import { EmbeddingService, embedPending } from '../retrieval/embeddings.js';
import { LocalStorage } from '../storage/local.js';
import { seriesChecks } from './checks.js';
import type { ParaphraseCheck } from './paraphrase.js';
import * as pq from './profile-queries.js';

let t: TestDatabase;
let mediaDir: string;
let storage: LocalStorage;

beforeAll(async () => {
  t = await createTestDatabase();
  mediaDir = await mkdtemp(join(tmpdir(), 'folio-media-'));
  storage = new LocalStorage(mediaDir);
}, 120_000);

afterAll(async () => {
  await t?.close();
  await rm(mediaDir, { recursive: true, force: true });
});

const terms = async (seriesId: string) =>
  new Map(
    (
      await queryRows<{ term: string; episode: number; page: number; distinctive: boolean }>(
        t.database.db,
        sql`SELECT term, episode, page, distinctive FROM series_terms WHERE series_id = ${seriesId}`,
      )
    ).map((r) => [r.term, r]),
  );

const pack = (creature: string) =>
  writeTinyPack({
    id: 'terms',
    episodes: 3,
    pagesPerEpisode: 2,
    dialogue: (e, p) => (e === 2 && p === 2 ? `A ${creature} climbs out of the well.\n` : `Tova sweeps the yard on day ${e}.\n`),
  });

describe('series_terms', () => {
  it('an import stores every word at its first readable position; a re-import replaces them all', async () => {
    const deps = { database: t.database, storage };
    await importPack(deps, await pack('glimmerwyrm'));
    let stored = await terms('terms');
    expect(stored.get('glimmerwyrm')).toEqual({ term: 'glimmerwyrm', episode: 2, page: 2, distinctive: true });
    expect(stored.get('tova')).toMatchObject({ episode: 1, page: 1 });
    expect(stored.get('yard')).toMatchObject({ episode: 1, page: 1, distinctive: false });

    const checks = await seriesChecks(t.database.db, 'terms', { episode: 2, page: 1 });
    const find = (text: string) => checks.word.flatMap((c) => c.find(text, { kind: 'generated' })).map((h) => [h.kind, h.matched]);
    expect(find('Soon a glimmerwyrm appears.')).toEqual([['vocabulary', 'glimmerwyrm']]);
    expect(find('Tova meets Zorblax.')).toEqual([['unknown_name', 'Zorblax']]);
    expect(checks.sentence).toHaveLength(1);

    await importPack(deps, await pack('snorkelwhale'));
    stored = await terms('terms');
    expect(stored.has('glimmerwyrm')).toBe(false);
    expect(stored.get('snorkelwhale')).toMatchObject({ episode: 2, page: 2, distinctive: true });
    // The loader follows the new version (the cache is keyed by content hash).
    const after = await seriesChecks(t.database.db, 'terms', { episode: 2, page: 1 });
    expect(after.word.flatMap((c) => c.find('A snorkelwhale! A glimmerwyrm!', { kind: 'generated' })).map((h) => h.matched)).toEqual(['snorkelwhale']);
  }, 120_000);

  it('reads the chunk vectors of the embed job, with their positions, once there are some', async () => {
    const ollama = await startFakeOllama();
    try {
      const embedder = ollamaEmbedder({ baseUrl: ollama.url, apiKey: undefined, modalProxy: undefined }, 'nomic-embed-text');
      expect(await pq.vectorCount(t.database.db, 'terms', embedder.id)).toBe(0);
      await embedPending(t.database.db, embedder);
      const chunks = await queryRows<{ n: number }>(t.database.db, sql`SELECT count(*)::int AS n FROM chunks WHERE series_id = 'terms'`);
      expect(await pq.vectorCount(t.database.db, 'terms', embedder.id)).toBe(chunks[0]!.n);
      const vectors = await pq.chunkVectors(t.database.db, 'terms', embedder.id);
      expect(vectors).toHaveLength(chunks[0]!.n);
      expect(vectors.find((v) => v.episode === 2 && v.page === 2)).toBeDefined();
      expect((JSON.parse(vectors[0]!.embedding) as number[]).length).toBeGreaterThan(8);

      const embeddings = new EmbeddingService(embedder, pino({ level: 'silent' }));
      const checks = await seriesChecks(t.database.db, 'terms', { episode: 1, page: 1 }, { embeddings });
      const check = checks.sentence[0] as ParaphraseCheck;
      // Clean small talk and a plain restatement of a later page, with vectors loaded.
      expect(await check.judge('Thank you!', { kind: 'generated' })).toBeNull();
      expect(await check.judge('Later a snorkelwhale climbs out of the well.', { kind: 'generated' })).toMatchObject({ kind: 'paraphrase', ref: '2/2' });
      await embeddings.close();
    } finally {
      await ollama.close();
    }
  }, 120_000);

  it('terms go with their series; an unknown series has no checks', async () => {
    await deleteSeries(t.database.db, 'terms');
    expect((await terms('terms')).size).toBe(0);
    expect(await seriesChecks(t.database.db, 'terms', null)).toEqual({ word: [], sentence: [] });
  });
});
