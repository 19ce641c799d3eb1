/**
 * The response cache never serves one boundary state's response to another (ADR 0033), on Pepper&Carrot. Many
 * readers at different positions go through the same views at once with the cache warm, and every response is
 * compared with the view computed without the cache for that reader. Then the readers move on while their own
 * requests are in flight, and every entry left in the cache is checked against the view computed afresh for a
 * reader placed exactly where its key says. And every change to the content (a page rewritten by a job, a
 * settings change) gives the series a new version, so no entry from before it is served after it.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { PEPPER_CARROT, startTestServer, type TestServer } from '../../test/server.js';
import { importPack } from '../content/importer.js';
import { authenticateReader } from '../readers/readers.js';
import type { Position, ReaderScope } from '../spoilers/index.js';
import { type CachedCatalog, cachedCatalog, episodeDetail, listLibrary, seriesDetail } from './catalog.js';
import * as q from './queries.js';

const SERIES = 'pepper-carrot';
let t: TestDatabase;
let server: TestServer;
let catalog: CachedCatalog;

beforeAll(async () => {
  t = await createTestDatabase();
  server = await startTestServer(t.database);
  await importPack({ database: t.database, storage: server.storage }, PEPPER_CARROT);
  catalog = cachedCatalog(server.storage);
}, 240_000);

afterAll(async () => {
  await server?.close();
  await t?.close();
});

interface Reader {
  token: string;
  scope: ReaderScope;
}

/** A new reader, placed at `at` (confirming the skip) unless null. */
async function readerAt(at: Position | null): Promise<Reader> {
  const token = await server.newReader();
  if (at) await move(token, at, true);
  const cred = await authenticateReader(t.database.db, token);
  return { token, scope: { readerId: cred!.readerId, seriesId: SERIES } };
}

/** A move through the server, and what its route does for its own process: drop the reader's keys at once. */
async function move(token: string, at: Position, confirmSkip = false): Promise<void> {
  const res = await server.fetch(`/api/series/${SERIES}/progress`, { method: 'POST', token, json: { ...at, confirmSkip } });
  expect(res.status, await res.clone().text()).toBe(200);
  const cred = await authenticateReader(t.database.db, token);
  catalog?.states.forget(cred!.readerId);
}

const db = () => t.database.db;
const database = () => t.database;
/** The views as the reader would get them without a cache. */
const fresh = {
  library: async (r: Reader) => JSON.stringify(await listLibrary(db(), server.storage, r.scope.readerId)),
  series: async (r: Reader) => JSON.stringify(await seriesDetail(db(), server.storage, r.scope)),
  episode: async (r: Reader, e: number, peek: boolean) => JSON.stringify(await episodeDetail(db(), server.storage, r.scope, e, { peek })),
};

/** Positions across the series: none, first pages, last story pages, credits, the next episode's cover. */
const POSITIONS: Array<Position | null> = [
  null,
  { episode: 1, page: 0 },
  { episode: 1, page: 4 },
  { episode: 2, page: 1 },
  { episode: 3, page: 3 },
  { episode: 4, page: 8 },
  { episode: 5, page: 0 },
  { episode: 6, page: 3 },
  { episode: 6, page: 7 },
  { episode: 7, page: 1 },
  { episode: 8, page: 4 },
  { episode: 11, page: 2 },
  { episode: 14, page: 3 },
  { episode: 19, page: 5 },
  { episode: 23, page: 7 },
];

/** Each reader's own episode, the next, a later one and the first, with and without peek. */
function requestsOf(at: Position | null): Array<[number, boolean]> {
  const e = at?.episode ?? 1;
  return [...new Set([1, e, Math.min(23, e + 1), Math.min(23, e + 5)])].flatMap(
    (n): Array<[number, boolean]> => [
      [n, false],
      [n, true],
    ],
  );
}

describe('catalog cache', () => {
  it('readers at fifteen positions, two at each, through every view at once with the cache warm: each gets exactly its own view', async () => {
    const readers = await Promise.all(POSITIONS.flatMap((at) => [readerAt(at), readerAt(at)]));
    const ats = POSITIONS.flatMap((at) => [at, at]);
    const expected = new Map<string, string>();
    const want = async (key: string, compute: () => Promise<string>) => {
      if (!expected.has(key)) expected.set(key, await compute());
      return expected.get(key)!;
    };
    let checked = 0;
    // Three rounds: the first fills the cache (concurrently), the others are served from it.
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        readers.map(async (r, i) => {
          const jobs: Array<Promise<void>> = [
            (async () => expect((await catalog.library(database(), r.scope.readerId)).body).toBe(await want(`${i}|library`, () => fresh.library(r))))(),
            (async () => expect((await catalog.series(database(), r.scope)).body).toBe(await want(`${i}|series`, () => fresh.series(r))))(),
            ...requestsOf(ats[i]!).map(async ([e, peek]) =>
              expect((await catalog.episode(database(), r.scope, e, { peek })).body).toBe(await want(`${i}|${e}|${peek}`, () => fresh.episode(r, e, peek))),
            ),
          ];
          await Promise.all(jobs);
          checked += jobs.length;
        }),
      );
    }
    expect(checked).toBeGreaterThan(400);
    // Readers at the same position shared entries; readers at different positions did not.
    const libraryEntries = [...catalog.cache].filter(([k]) => k.startsWith('library|')).length;
    expect(libraryEntries).toBe(POSITIONS.length);
  });

  it('readers moving on while their own requests are in flight leave only entries that match their keys', async () => {
    const readers = await Promise.all(POSITIONS.slice(1, 9).map((at) => readerAt(at)));
    const steps: Position[][] = POSITIONS.slice(1, 9).map((at) => [1, 2, 3].map((k) => ({ episode: Math.min(23, at!.episode + k), page: 0 })));
    const seen: Array<{ body: string; reader: Reader; e: number; peek: boolean; options: Array<Position | null> }> = [];
    await Promise.all(
      readers.map(async (r, i) => {
        let at: Position = POSITIONS[i + 1]!;
        for (const next of steps[i]!) {
          const before = at;
          // The move and three reads race each other.
          const reads = [next.episode, before.episode].flatMap((e) =>
            [false, true].map(async (peek) =>
              seen.push({ body: (await catalog.episode(database(), r.scope, e, { peek })).body, reader: r, e, peek, options: [before, next] }),
            ),
          );
          await Promise.all([move(r.token, next, true), ...reads, catalog.series(database(), r.scope)]);
          at = next;
        }
      }),
    );
    // Every response was the view at the position before or after the move it raced.
    for (const s of seen) {
      const bodies = await Promise.all(
        s.options.map(async (at) => {
          const probe = await readerAt(at);
          return fresh.episode(probe, s.e, s.peek);
        }),
      );
      expect(bodies).toContain(s.body);
    }
    // Every entry the cache holds is the view at exactly the state its key names.
    const version = (await q.boundaryState(db(), { readerId: null, seriesId: SERIES }))!.version;
    let entries = 0;
    for (const [key, entry] of catalog.cache) {
      const [kind, series, v, pos, e, peek] = key.split('|');
      if (kind === 'library' || series !== SERIES || v !== version) continue;
      const at = pos === '-' ? null : { episode: Number(pos!.split(':')[0]), page: Number(pos!.split(':')[1]) };
      const probe = await readerAt(at);
      expect(entry.body, key).toBe(kind === 'series' ? await fresh.series(probe) : await fresh.episode(probe, Number(e), peek === 'peek'));
      entries++;
    }
    expect(entries).toBeGreaterThan(20);
  });

  it('a change to a page, an episode or the series from anywhere gives the series a new version: nothing cached before it is served', async () => {
    const r = await readerAt({ episode: 2, page: 3 });
    const state = async () => (await q.boundaryState(db(), r.scope))!.version;
    const before = await catalog.episode(database(), r.scope, 2);
    const v0 = await state();
    // A job rewriting a reached page's text (as transcription does), straight in SQL.
    await db().execute(sql`UPDATE pages SET dialogue = 'Rewritten by a job' WHERE series_id = ${SERIES} AND episode = 2 AND number = 1`);
    const v1 = await state();
    expect(BigInt(v1)).toBeGreaterThan(BigInt(v0));
    // Another writer's change reaches this process as a notification: within moments, not at once, on PostgreSQL.
    await expect.poll(async () => (await catalog.episode(database(), r.scope, 2)).body, { timeout: 2_000, interval: 5 }).toContain('Rewritten by a job');
    const after = await catalog.episode(database(), r.scope, 2);
    expect(after.body).not.toBe(before.body);
    expect(after.body).toContain('Rewritten by a job');
    expect(after.body).toBe(await fresh.episode(r, 2, false));
    // A settings change on the series row, and an episode's row.
    await db().execute(sql`UPDATE series SET show_unread_covers = NOT show_unread_covers WHERE id = ${SERIES}`);
    const v2 = await state();
    expect(BigInt(v2)).toBeGreaterThan(BigInt(v1));
    const series = await fresh.series(r);
    await expect.poll(async () => (await catalog.series(database(), r.scope)).body, { timeout: 2_000, interval: 5 }).toBe(series);
    await db().execute(sql`UPDATE series SET show_unread_covers = NOT show_unread_covers WHERE id = ${SERIES}`);
    await db().execute(sql`UPDATE episodes SET summary = summary WHERE series_id = ${SERIES} AND number = 1`);
    expect(BigInt(await state())).toBeGreaterThan(BigInt(v2));
    // Unchanged rows (an UPDATE that sets nothing new on the series) keep it.
    const v3 = await state();
    await db().execute(sql`UPDATE series SET title = title WHERE id = ${SERIES}`);
    expect(await state()).toBe(v3);
  });
});
