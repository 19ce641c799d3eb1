import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { queryRows } from '../db/client.js';
import { chunks, episodes, pages, progress, readers, series } from '../db/schema.js';
import { episodeUnlocked, type ReaderScope, visibleTo } from './boundary.js';
import { comparePositions, isVisible, type Position } from './position.js';

// Three episodes with non-contiguous page numbers (like ep04 without page 5).
const LAYOUT: Record<number, number[]> = { 1: [0, 1, 2, 3], 2: [0, 1, 2, 4, 5, 6], 3: [0, 1, 2] };
const ALL: Position[] = Object.entries(LAYOUT).flatMap(([e, ps]) => ps.map((p) => ({ episode: Number(e), page: p })));

let t: TestDatabase;
const READER = '11111111-1111-1111-1111-111111111111';
const OTHER = '22222222-2222-2222-2222-222222222222';

beforeAll(async () => {
  t = await createTestDatabase();
  const { db } = t.database;
  for (const id of ['s1', 's2']) {
    await db
      .insert(series)
      .values({ id, title: id, language: 'en', readingDirection: 'ltr', layout: 'paged', attribution: '', showUnreadCovers: false, contentHash: 'x' });
    for (const [e, ps] of Object.entries(LAYOUT)) {
      await db
        .insert(episodes)
        .values({ seriesId: id, number: Number(e), slug: `e${e}`, title: `T${e}`, pageCount: ps.length, firstPage: ps[0]!, lastPage: ps[ps.length - 1]! });
      for (const p of ps) {
        await db.insert(pages).values({ seriesId: id, episode: Number(e), number: p, kind: 'story', dialogue: `${e}/${p}` });
        await db.insert(chunks).values({ seriesId: id, episode: Number(e), page: p, source: 'dialogue', sourceRef: `${e}/${p}`, ordinal: 0, text: `text at ${e}/${p}` });
      }
    }
  }
  await db.insert(readers).values([{ id: READER }, { id: OTHER }]);
  // The other reader is at the very end of s1, and our reader is at the end of s2: neither may leak.
  await db.insert(progress).values([
    { readerId: OTHER, seriesId: 's1', episode: 3, page: 2 },
    { readerId: READER, seriesId: 's2', episode: 3, page: 2 },
  ]);
}, 120_000);

afterAll(async () => {
  await t?.close();
});

async function setProgress(at: Position | null): Promise<void> {
  const { db } = t.database;
  await db.execute(sql`DELETE FROM progress WHERE reader_id = ${READER} AND series_id = 's1'`);
  if (at) await db.insert(progress).values({ readerId: READER, seriesId: 's1', episode: at.episode, page: at.page });
}

async function visibleChunks(scope: ReaderScope): Promise<Position[]> {
  return queryRows<Position>(
    t.database.db,
    sql`SELECT episode, page FROM chunks c WHERE c.series_id = ${scope.seriesId} AND ${visibleTo(scope, { episode: sql`c.episode`, page: sql`c.page` })} ORDER BY episode, page`,
  );
}

describe('visibleTo (SQL boundary from the progress row)', () => {
  it('matches lexicographic order at every position of the series', async () => {
    for (const at of ALL) {
      await setProgress(at);
      const got = await visibleChunks({ readerId: READER, seriesId: 's1' });
      const want = ALL.filter((p) => isVisible(p, at));
      expect(got, `boundary ${at.episode}/${at.page}`).toEqual(want);
    }
  });

  it('shows late pages of finished episodes and hides the next page', async () => {
    await setProgress({ episode: 2, page: 1 });
    const got = await visibleChunks({ readerId: READER, seriesId: 's1' });
    expect(got).toContainEqual({ episode: 1, page: 3 });
    expect(got).toContainEqual({ episode: 2, page: 1 });
    expect(got).not.toContainEqual({ episode: 2, page: 2 });
    expect(got).not.toContainEqual({ episode: 3, page: 0 });
  });

  it('fails closed: no progress row, an anonymous reader, or another series shows nothing', async () => {
    await setProgress(null);
    expect(await visibleChunks({ readerId: READER, seriesId: 's1' })).toEqual([]);
    expect(await visibleChunks({ readerId: null, seriesId: 's1' })).toEqual([]);
    // Our reader's s2 progress (the end) must not apply to s1, nor the other reader's s1 progress.
    expect(await visibleChunks({ readerId: '33333333-3333-3333-3333-333333333333', seriesId: 's1' })).toEqual([]);
  });

  it('treats position values as data, not SQL', async () => {
    const rows = await visibleChunks({ readerId: READER, seriesId: "s1' OR '1'='1" });
    expect(rows).toEqual([]);
  });
});

describe('episodeUnlocked (titles and covers)', () => {
  async function unlocked(): Promise<number[]> {
    const rows = await queryRows<{ number: number }>(
      t.database.db,
      sql`SELECT e.number FROM episodes e WHERE e.series_id = 's1' AND ${episodeUnlocked({ readerId: READER, seriesId: 's1' }, sql`e.number`)} ORDER BY e.number`,
    );
    return rows.map((r) => r.number);
  }

  it('reveals the current and the next episode only', async () => {
    await setProgress(null);
    expect(await unlocked()).toEqual([1]);
    await setProgress({ episode: 1, page: 0 });
    expect(await unlocked()).toEqual([1, 2]);
    await setProgress({ episode: 2, page: 6 });
    expect(await unlocked()).toEqual([1, 2, 3]);
    await setProgress({ episode: 3, page: 2 });
    expect(await unlocked()).toEqual([1, 2, 3]);
  });
});

it('positions sort lexicographically in TypeScript as in SQL', async () => {
  const rows = await queryRows<Position>(t.database.db, sql`SELECT episode, number AS page FROM pages WHERE series_id = 's1' ORDER BY (episode, number)`);
  expect(rows).toEqual([...ALL].sort(comparePositions));
});
