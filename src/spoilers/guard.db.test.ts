import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { entities, episodes, pages, progress, readers, series } from '../db/schema.js';
import { loadGuard } from './guard.js';
import type { Position } from './position.js';

let t: TestDatabase;
const READER = '11111111-1111-1111-1111-111111111111';
const OTHER = '22222222-2222-2222-2222-222222222222';
const scope = { readerId: READER, seriesId: 's' };

beforeAll(async () => {
  t = await createTestDatabase();
  const { db } = t.database;
  await db
    .insert(series)
    .values({ id: 's', title: 's', language: 'en', readingDirection: 'ltr', layout: 'paged', attribution: '', showUnreadCovers: false, contentHash: 'x' });
  for (const e of [1, 6]) {
    await db.insert(episodes).values({ seriesId: 's', number: e, slug: `e${e}`, title: `T${e}`, pageCount: 10, firstPage: 0, lastPage: 9 });
    // Page 9 is the credits: the episode is finished at its last story page, 8.
    await db.insert(pages).values(Array.from({ length: 10 }, (_, p) => ({ seriesId: 's', episode: e, number: p, kind: p === 9 ? 'credits' : 'story', dialogue: '' })));
  }
  const ent = (slug: string, name: string, episode: number, page: number, aliases: string[] = []) => ({
    seriesId: 's',
    slug,
    name,
    kind: 'character',
    aliases,
    episode,
    page,
  });
  await db.insert(entities).values([ent('pepper', 'Pepper', 1, 1), ent('coriander', 'Coriander', 6, 4, ['the Princess']), ent('late', 'Torreya', 36, 10)]);
  await db.insert(readers).values([{ id: READER }, { id: OTHER }]);
  await db.insert(progress).values({ readerId: OTHER, seriesId: 's', episode: 99, page: 1 });
}, 120_000);

afterAll(async () => {
  await t?.close();
});

async function at(pos: Position | null) {
  await t.database.db.execute(sql`DELETE FROM progress WHERE reader_id = ${READER}`);
  if (pos) await t.database.db.insert(progress).values({ readerId: READER, seriesId: 's', ...pos });
  return loadGuard(t.database.db, scope);
}

const slugsIn = (g: Awaited<ReturnType<typeof at>>, text: string) => [
  ...new Set(
    g
      .find(text)
      .filter((h) => h.kind === 'entity')
      .map((h) => h.ref),
  ),
];
const TEXT = 'Pepper met Coriander, the Princess, and later Torreya.';

describe('loadGuard (position and names under the boundary)', () => {
  it('a reader without progress has reached nobody, and every episode reference spoils', async () => {
    const g = await at(null);
    expect(g.position).toBeNull();
    expect(slugsIn(g, TEXT)).toEqual(['pepper', 'coriander', 'late']);
    expect(g.has('in episode 1')).toBe(true);
  });

  it('an entity is reached exactly at its debut, aliases included', async () => {
    expect(slugsIn(await at({ episode: 6, page: 3 }), TEXT)).toEqual(['coriander', 'late']);
    expect(slugsIn(await at({ episode: 6, page: 4 }), TEXT)).toEqual(['late']);
    expect((await at({ episode: 6, page: 3 })).has('the princess smiled')).toBe(true);
  });

  it('the current episode is finished at its last story page (credits do not count)', async () => {
    expect((await at({ episode: 6, page: 7 })).has('as in episode 6', 'lore')).toBe(true);
    expect((await at({ episode: 6, page: 8 })).has('as in episode 6', 'lore')).toBe(false);
    expect((await at({ episode: 6, page: 8 })).has('as in episode 7', 'lore')).toBe(true);
  });

  it('late pages of an earlier episode count as reached (row-value order)', async () => {
    // 6/4 < 7/0: the naive per-column comparison (page 0 < 4) would call Coriander unreached.
    await t.database.db.insert(episodes).values({ seriesId: 's', number: 7, slug: 'e7', title: 'T7', pageCount: 1, firstPage: 0, lastPage: 0 });
    expect(slugsIn(await at({ episode: 7, page: 0 }), TEXT)).toEqual(['late']);
  });

  it("another reader's progress never counts", async () => {
    const g = await loadGuard(t.database.db, { readerId: null, seriesId: 's' });
    expect(slugsIn(g, TEXT)).toEqual(['pepper', 'coriander', 'late']);
  });
});
