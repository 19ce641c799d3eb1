import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { writeTinyPack } from '../../test/packs.js';
import { PEPPER_CARROT } from '../../test/server.js';
import { queryRows } from '../db/client.js';
import { progress, readers } from '../db/schema.js';
import { LocalStorage } from '../storage/local.js';
import { buildContent, importPack, PackInvalidError } from './importer.js';
import * as q from './queries.js';

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

/** Every content row of a series, as one comparable value. */
async function snapshot(seriesId: string): Promise<unknown> {
  const { db } = t.database;
  const tables = ['episodes', 'pages', 'chunks', 'wiki_articles', 'wiki_sections', 'entities', 'entity_descriptions', 'relationships'];
  const out: Record<string, unknown> = {};
  for (const table of tables) {
    out[table] = await queryRows(db, sql`SELECT * FROM ${sql.identifier(table)} WHERE series_id = ${seriesId} ORDER BY 1, 2, 3`);
  }
  out.series = await queryRows(db, sql`SELECT * FROM series WHERE id = ${seriesId}`);
  return out;
}

describe('importing the Pepper & Carrot pack', () => {
  it('imports every episode, page, image, entity and article, then re-imports as a no-op', async () => {
    const phases = new Set<string>();
    const first = await importPack({ database: t.database, storage }, PEPPER_CARROT, { concurrency: 2, onProgress: (p) => phases.add(p.phase) });
    expect(first.status).toBe('created');
    expect(first.seriesId).toBe('pepper-carrot');
    expect(first.episodes).toBe(23);
    expect(first.pages).toBe(192);
    expect(first.imagesMade).toBe(215); // 191 pages + 23 covers + 1 avatar
    expect([...phases]).toEqual(['validate', 'images', 'publish']);

    const { db } = t.database;
    const counts = await queryRows<Record<string, number>>(
      db,
      sql`SELECT (SELECT count(*)::int FROM episodes) AS episodes, (SELECT count(*)::int FROM pages) AS pages,
                 (SELECT count(*)::int FROM entities) AS entities, (SELECT count(*)::int FROM relationships) AS relationships,
                 (SELECT count(*)::int FROM wiki_articles) AS wiki, (SELECT count(*)::int FROM chunks WHERE source = 'dialogue') AS dialogue_chunks,
                 (SELECT count(*)::int FROM pages WHERE image IS NULL) AS imageless`,
    );
    expect(counts[0]).toEqual({ episodes: 23, pages: 192, entities: 45, relationships: 57, wiki: 57, dialogue_chunks: expect.any(Number), imageless: 1 });
    // Every page with dialogue is chunked with its own position.
    const covered = await queryRows<{ missing: number }>(
      db,
      sql`SELECT count(*)::int AS missing FROM pages p WHERE btrim(p.dialogue) <> ''
            AND NOT EXISTS (SELECT 1 FROM chunks c WHERE c.series_id = p.series_id AND c.episode = p.episode AND c.page = p.number AND c.source = 'dialogue')`,
    );
    expect(covered[0]!.missing).toBe(0);
    expect(counts[0]!.dialogue_chunks).toBeGreaterThanOrEqual(140);
    // Panels were found in the page images (bench/panels.ts: 141 of 191 pages; title strips are shown whole).
    const panels = await queryRows<{ paged: number; ep4p7: number }>(
      db,
      sql`SELECT count(*) FILTER (WHERE panels IS NOT NULL)::int AS paged,
                 (SELECT jsonb_array_length(panels) FROM pages WHERE series_id = 'pepper-carrot' AND episode = 4 AND number = 7)::int AS ep4p7
            FROM pages WHERE series_id = 'pepper-carrot'`,
    );
    expect(panels[0]!.paged).toBeGreaterThanOrEqual(130);
    expect(panels[0]!.ep4p7).toBe(6);

    // Full-text search works on the generated tsvector.
    const hits = await queryRows<{ ref: string }>(
      db,
      sql`SELECT source_ref AS ref FROM chunks WHERE tsv @@ websearch_to_tsquery('english', 'potion contest') ORDER BY id LIMIT 1`,
    );
    expect(hits.length).toBe(1);

    // "Never visible" fixtures are stored at their real (unreachable) debut.
    const torreya = await queryRows<{ episode: number; page: number }>(db, sql`SELECT episode, page FROM entities WHERE slug = 'torreya'`);
    expect(torreya).toEqual([{ episode: 36, page: 10 }]);
    // Unannotated lore fails closed: hidden until the last page of the series.
    const timeline = await queryRows(db, sql`SELECT episode, page, debut_source FROM wiki_articles WHERE slug = 'timeline'`);
    expect(timeline).toEqual([{ episode: 23, page: 8, debut_source: 'end_of_series' }]);

    // Every stored key exists in storage.
    const keys = await queryRows<{ k: string }>(
      db,
      sql`SELECT image->'display'->>'key' AS k FROM pages WHERE image IS NOT NULL UNION SELECT image->'thumb'->>'key' FROM pages WHERE image IS NOT NULL`,
    );
    for (const { k } of keys) expect(await storage.exists(k)).toBe(true);

    const before = await snapshot('pepper-carrot');
    const filesBefore = (await readdir(mediaDir, { recursive: true })).length;
    const second = await importPack({ database: t.database, storage }, PEPPER_CARROT);
    expect(second.status).toBe('unchanged');
    expect(second.imagesMade).toBe(0);
    expect(second.ms).toBeLessThan(first.ms / 4);
    expect(await snapshot('pepper-carrot')).toEqual(before);
    expect((await readdir(mediaDir, { recursive: true })).length).toBe(filesBefore);
  }, 240_000);
});

describe('re-import of a changed pack', () => {
  it('updates in place, reuses image work and keeps reading progress', async () => {
    const dir = await writeTinyPack({ id: 'tiny-update' });
    const a = await importPack({ database: t.database, storage }, dir);
    expect(a.status).toBe('created');
    expect(a.imagesMade).toBe(8);
    const { db } = t.database;
    const [reader] = await db.insert(readers).values({}).returning();
    await db.insert(progress).values({ readerId: reader!.id, seriesId: 'tiny-update', episode: 2, page: 1 });

    await writeTinyPack({ id: 'tiny-update', title: 'Tiny, revised', dialogue: (e, p) => `Revised ${e}/${p}\n` }, dir);
    const b = await importPack({ database: t.database, storage }, dir);
    expect(b.status).toBe('updated');
    expect(b.imagesMade).toBe(0);
    expect(b.imagesReused).toBe(8);
    const rows = await queryRows<{ title: string; dialogue: string }>(
      db,
      sql`SELECT s.title, p.dialogue FROM series s JOIN pages p ON p.series_id = s.id WHERE s.id = 'tiny-update' AND p.episode = 1 AND p.number = 2`,
    );
    expect(rows).toEqual([{ title: 'Tiny, revised', dialogue: 'Revised 1/2\n' }]);
    const kept = await queryRows(db, sql`SELECT episode, page FROM progress WHERE series_id = 'tiny-update'`);
    expect(kept).toEqual([{ episode: 2, page: 1 }]);
    const oldText = await queryRows(db, sql`SELECT id FROM chunks WHERE series_id = 'tiny-update' AND text LIKE 'Line of%'`);
    expect(oldText).toEqual([]);
  });

  it('readers see the old version or the new one, never a half-imported series', async () => {
    const dir = await writeTinyPack({ id: 'tiny-atomic', episodes: 3, pagesPerEpisode: 4 });
    await importPack({ database: t.database, storage }, dir);
    await writeTinyPack({ id: 'tiny-atomic', episodes: 3, pagesPerEpisode: 4, title: 'V2', dialogue: (e, p) => `v2 ${e}/${p}\n` }, dir);
    const seen = new Set<string>();
    let running = true;
    const poll = (async () => {
      while (running) {
        const [r] = await queryRows<{ title: string; pages: number; v2: number }>(
          t.database.db,
          sql`SELECT s.title, (SELECT count(*)::int FROM pages p WHERE p.series_id = s.id) AS pages,
                     (SELECT count(*)::int FROM pages p WHERE p.series_id = s.id AND p.dialogue LIKE 'v2%') AS v2
                FROM series s WHERE s.id = 'tiny-atomic'`,
        );
        seen.add(JSON.stringify(r));
        await new Promise((res) => setTimeout(res, 1));
      }
    })();
    await importPack({ database: t.database, storage }, dir);
    running = false;
    await poll;
    const [after] = await queryRows(
      t.database.db,
      sql`SELECT s.title, (SELECT count(*)::int FROM pages p WHERE p.series_id = s.id) AS pages,
      (SELECT count(*)::int FROM pages p WHERE p.series_id = s.id AND p.dialogue LIKE 'v2%') AS v2 FROM series s WHERE s.id = 'tiny-atomic'`,
    );
    seen.add(JSON.stringify(after));
    for (const s of seen) expect([JSON.stringify({ title: 'Tiny', pages: 12, v2: 0 }), JSON.stringify({ title: 'V2', pages: 12, v2: 12 })]).toContain(s);
    expect(seen).toContain(JSON.stringify({ title: 'V2', pages: 12, v2: 12 }));
  });

  it('a publish that fails half-way leaves the previous version untouched', async () => {
    const dir = await writeTinyPack({ id: 'tiny-fail' });
    await importPack({ database: t.database, storage }, dir);
    const before = await snapshot('tiny-fail');
    const { openPackDir } = await import('./pack-source.js');
    const { readPack } = await import('./read-pack.js');
    const read = await readPack(await openPackDir(dir));
    if (!read.ok) throw new Error('pack should be valid');
    const content = buildContent(read.pack, 'new-hash', new Map());
    content.series.title = 'Should never be seen';
    // A page of an episode that is not in the content: the foreign key fails after the series row, episodes and some pages were written.
    content.pages.push({ ...content.pages[0]!, episode: 99 });
    await expect(q.publishSeries(t.database.db, content)).rejects.toThrow();
    expect(await snapshot('tiny-fail')).toEqual(before);

    // Same for a brand-new series: nothing of it exists afterwards.
    content.series.id = 'tiny-never';
    for (const row of [...content.episodes, ...content.pages, ...content.chunks]) row.seriesId = 'tiny-never';
    await expect(q.publishSeries(t.database.db, content)).rejects.toThrow();
    expect(await queryRows(t.database.db, sql`SELECT id FROM series WHERE id = 'tiny-never'`)).toEqual([]);
  });
});

describe('an invalid pack', () => {
  it('imports nothing and reports every problem', async () => {
    const dir = await writeTinyPack({ id: 'tiny-broken' });
    await writeFile(join(dir, 'episodes', 'ep1', 'episode.yaml'), 'number: 1\ntitle: ""\npages:\n  - number: 1\n    image: pages/1.jpg\n');
    await writeFile(
      join(dir, 'episodes', 'ep2', 'episode.yaml'),
      'number: 2\ntitle: Two\npages:\n  - number: 1\n    image: pages/1.jpg\n  - number: 2\n    image: pages/missing.jpg\n',
    );
    await writeFile(join(dir, 'episodes', 'ep2', 'pages', '1.jpg'), 'not an image');
    const media = await mkdtemp(join(tmpdir(), 'folio-media-'));
    const err = await importPack({ database: t.database, storage: new LocalStorage(media) }, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PackInvalidError);
    const problems = (err as PackInvalidError).problems.map((p) => `${p.file} ${p.field}`);
    expect(problems).toEqual(['episodes/ep1/episode.yaml title', 'episodes/ep2/episode.yaml pages[0].image', 'episodes/ep2/episode.yaml pages[1].image']);
    expect((err as PackInvalidError).code).toBe('bad_request:pack');
    expect(await queryRows(t.database.db, sql`SELECT id FROM series WHERE id = 'tiny-broken'`)).toEqual([]);
    expect(await readdir(media)).toEqual([]);
  });
});
