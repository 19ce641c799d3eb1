/**
 * Boundary keys held in memory (states.ts, ADR 0036), on the real database: a warm hit reads nothing; a change
 * written by anyone else (another replica, a job, SQL by hand) drops the keys it touches when its notification
 * arrives; a key read before a change is never kept after it; and while the feed is down — lost, or never up
 * because LISTEN went through a transaction pooler — nothing is kept and every key is read from the database.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend, createTestDatabase, type TestDatabase } from '../../test/db.js';
import { SAMPLE, startTestServer, type TestServer } from '../../test/server.js';
import { startPgBouncer } from '../../test/services/pgbouncer.js';
import { importPack } from '../content/importer.js';
import { type Database, type Db, openDatabase } from '../db/client.js';
import { listenOnPostgres } from '../db/notifications.js';
import { poolConfig } from '../db/postgres.js';
import { registry } from '../observability/metrics.js';
import { advanceProgress, resetProgress } from '../progress/progress.js';
import { authenticateReader } from '../readers/readers.js';
import type { Position, ReaderScope } from '../spoilers/index.js';
import { type CachedCatalog, cachedCatalog, episodeDetail, seriesDetail } from './catalog.js';
import * as q from './queries.js';

const SERIES = 'moth-and-lantern';
let t: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  t = await createTestDatabase();
  server = await startTestServer(t.database);
  await importPack({ database: t.database, storage: server.storage }, SAMPLE);
}, 120_000);

afterAll(async () => {
  await server?.close();
  await t?.close();
});

/** The same database, counting the statements run through it. */
function counting(database: Database): { database: Database; statements(): number } {
  let n = 0;
  const db = new Proxy(database.db, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      // Raw statements, snapshots, and the query builders (each built query here is run once).
      if (['execute', 'transaction', 'select', 'insert', 'update', 'delete'].includes(prop as string)) {
        return (...args: unknown[]) => {
          n++;
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return v;
    },
  }) as Db;
  return { database: { ...database, db, listen: database.listen.bind(database) }, statements: () => n };
}

/** A metric of this process's registry (what /metrics shows). */
async function metric(name: string): Promise<number> {
  const m = registry.getSingleMetric(name);
  return (await m?.get())?.values[0]?.value ?? 0;
}

async function reader(at: Position | null): Promise<ReaderScope> {
  const token = await server.newReader();
  const { readerId } = (await authenticateReader(t.database.db, token))!;
  if (at) await advanceProgress(t.database.db, readerId, SERIES, at, true);
  return { readerId, seriesId: SERIES };
}

const fresh = async (scope: ReaderScope, episode: number) => JSON.stringify(await episodeDetail(t.database.db, server.storage, scope, episode));

async function liveCatalog(database: Database): Promise<CachedCatalog> {
  const catalog = cachedCatalog(server.storage);
  await catalog.series(database, { readerId: null, seriesId: SERIES });
  await expect.poll(() => catalog.states.isLive, { timeout: 5_000 }).toBe(true);
  return catalog;
}

describe('boundary keys in memory', () => {
  it('a warm hit runs no statement while the feed is live, and every response is the reader’s own', async () => {
    const { database, statements } = counting(t.database);
    const catalog = await liveCatalog(database);
    const readers = await Promise.all([null, { episode: 1, page: 2 }, { episode: 2, page: 1 }, { episode: 3, page: 4 }].map(reader));
    // Warm, and wait out the notifications of the readers' own moves just made (on PostgreSQL they arrive after).
    const warm = async () => {
      for (const r of readers) {
        await catalog.series(database, r);
        for (const e of [1, 2, 3]) await catalog.episode(database, r, e);
      }
    };
    // Until a whole pass runs nothing: the last of those notifications has been heard.
    await expect
      .poll(
        async () => {
          const n = statements();
          await warm();
          return statements() - n;
        },
        { timeout: 5_000, interval: 50 },
      )
      .toBe(0);
    const before = statements();
    for (let round = 0; round < 5; round++) {
      for (const r of readers) {
        expect((await catalog.series(database, r)).body).toBe(JSON.stringify(await seriesDetail(t.database.db, server.storage, r)));
        for (const e of [1, 2, 3]) expect((await catalog.episode(database, r, e)).body).toBe(await fresh(r, e));
      }
    }
    // The checks above read through t.database itself, not the counted one.
    expect(statements() - before).toBe(0);
    expect(catalog.states.size).toBeGreaterThanOrEqual(readers.length);
    await catalog.states.close();
  });

  it('a move, a reset and a content change written elsewhere drop the keys they touch', async () => {
    const catalog = await liveCatalog(t.database);
    // On PostgreSQL the writer is another connection pool, as another replica's would be.
    const other = t.connection ? await openDatabase({ kind: 'postgres', app: t.connection, direct: t.connection, poolMax: 2 }) : t.database;
    try {
      const r = await reader({ episode: 1, page: 3 });
      const seen = async (e: number) => (await catalog.episode(t.database, r, e)).body;
      expect(await seen(2)).toBe(await fresh(r, 2));
      const until = async (e: number) => {
        const want = await fresh(r, e);
        // The embedded database is one session in this process: a change is heard with its COMMIT, before the next read.
        if (backend() === 'pglite') return expect(await seen(e)).toBe(want);
        await expect.poll(() => seen(e), { timeout: 2_000, interval: 1 }).toBe(want);
      };
      await advanceProgress(other.db, r.readerId!, SERIES, { episode: 2, page: 2 }, true);
      await until(2);
      await resetProgress(other.db, r.readerId!, SERIES, { episode: 1, page: 1 });
      await until(2);
      await other.db.execute(sql`UPDATE pages SET dialogue = 'Changed by hand' WHERE series_id = ${SERIES} AND episode = 1 AND number = 1`);
      await until(1);
      expect(await seen(1)).toContain('Changed by hand');
    } finally {
      if (other !== t.database) await other.close();
      await catalog.states.close();
    }
  });

  it('a key read before a change is never kept after it', async () => {
    const catalog = await liveCatalog(t.database);
    const { states } = catalog;
    const r = await reader({ episode: 1, page: 1 });
    const row = (await q.boundaryState(t.database.db, r))!;
    // A key kept now, and a ticket taken now for a read still in flight.
    states.keepSeries(states.ticket(r.readerId), SERIES, row);
    expect(states.series(r.readerId, SERIES)).toEqual(row);
    const inFlight = states.ticket(r.readerId);
    // The reader moves (anyone's write); its notification drops the kept key.
    await t.database.db.execute(sql`UPDATE progress SET page = 2 WHERE reader_id = ${r.readerId}`);
    await expect.poll(() => states.series(r.readerId, SERIES), { timeout: 2_000, interval: 1 }).toBeUndefined();
    states.keepSeries(inFlight, SERIES, row);
    expect(states.series(r.readerId, SERIES)).toBeUndefined();
    // A series change, the same for every reader's keys.
    const other = await reader(null);
    states.keepSeries(states.ticket(other.readerId), SERIES, row);
    const before = states.ticket(other.readerId);
    await t.database.db.execute(sql`UPDATE series SET show_unread_covers = NOT show_unread_covers WHERE id = ${SERIES}`);
    await expect.poll(() => states.series(other.readerId, SERIES), { timeout: 2_000, interval: 1 }).toBeUndefined();
    states.keepSeries(before, SERIES, row);
    expect(states.series(other.readerId, SERIES)).toBeUndefined();
    // And a fresh ticket keeps.
    states.keepSeries(states.ticket(other.readerId), SERIES, row);
    expect(states.series(other.readerId, SERIES)).toEqual(row);
    await states.close();
  });

  it('a progress move is decided from memory: a page turn sent again runs no statement, a move one; the rules hold', async () => {
    const { database, statements } = counting(t.database);
    const catalog = await liveCatalog(database);
    const r = await reader({ episode: 2, page: 2 });
    const move = async (to: Position, confirmSkip = false) => {
      const known = await catalog.knownMove(database, r.readerId!, SERIES, to);
      const moved = await advanceProgress(database.db, r.readerId!, SERIES, to, confirmSkip, known);
      if (moved.advanced) catalog.states.forget(r.readerId!);
      return moved;
    };
    // Known once the reader's key is (a catalog read), and the series' pages once read.
    await expect
      .poll(
        async () => {
          await catalog.series(database, r);
          return catalog.knownMove(database, r.readerId!, SERIES, { episode: 1, page: 1 });
        },
        { timeout: 2_000, interval: 20 },
      )
      .toEqual({ current: { episode: 2, page: 2 }, pageExists: true, episodes: [1, 2, 3] });
    let before = statements();
    expect(await move({ episode: 2, page: 2 })).toEqual({ position: { episode: 2, page: 2 }, advanced: false });
    expect(await move({ episode: 1, page: 3 })).toEqual({ position: { episode: 2, page: 2 }, advanced: false });
    expect(statements() - before).toBe(0);
    // Forward: the write alone.
    before = statements();
    expect(await move({ episode: 2, page: 3 })).toEqual({ position: { episode: 2, page: 3 }, advanced: true });
    expect(statements() - before).toBe(1);
    // A page the series does not have, known or not: the statement says so.
    await expect(move({ episode: 2, page: 99 })).rejects.toMatchObject({ code: 'not_found:page' });
    await expect(move({ episode: 9, page: 1 })).rejects.toMatchObject({ code: 'not_found:page' });
    // Past the next unread episode without confirmation: refused from memory as from the statement.
    const early = await reader({ episode: 1, page: 1 });
    await catalog.series(database, early);
    await expect
      .poll(
        async () => {
          await catalog.series(database, early);
          return catalog.knownMove(database, early.readerId!, SERIES, { episode: 3, page: 1 });
        },
        {
          timeout: 2_000,
          interval: 20,
        },
      )
      .not.toBeNull();
    const known = await catalog.knownMove(database, early.readerId!, SERIES, { episode: 3, page: 1 });
    await expect(advanceProgress(database.db, early.readerId!, SERIES, { episode: 3, page: 1 }, false, known)).rejects.toMatchObject({ code: 'conflict:skip_ahead' });
    // Not live: nothing is known.
    await catalog.states.close();
    expect(await catalog.knownMove(database, r.readerId!, SERIES, { episode: 1, page: 1 })).toBeNull();
  });

  it('a reset of the whole database (folio reset, a restore) forgets everything', async () => {
    const catalog = await liveCatalog(t.database);
    const r = await reader({ episode: 1, page: 1 });
    // Kept once the notification of the reader's own first move (just made) has come and gone.
    await expect
      .poll(
        async () => {
          await catalog.series(t.database, r);
          return catalog.states.size;
        },
        { timeout: 2_000, interval: 20 },
      )
      .toBeGreaterThan(0);
    await t.database.db.execute(sql`NOTIFY folio_boundary, '*'`);
    await expect.poll(() => catalog.states.size, { timeout: 2_000, interval: 1 }).toBe(0);
    await catalog.states.close();
  });
});

describe.skipIf(backend() !== 'postgres')('the change feed on PostgreSQL', () => {
  it('a lost feed keeps nothing and reads every key until it is back', async () => {
    const catalog = await liveCatalog(t.database);
    const r = await reader({ episode: 1, page: 1 });
    await catalog.episode(t.database, r, 1);
    const admin = new pg.Client(poolConfig(t.connection!, 1));
    await admin.connect();
    const lostBefore = await metric('folio_boundary_feed_lost_total');
    try {
      const killed = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query = 'LISTEN folio_boundary'`,
      );
      expect(killed.rowCount).toBeGreaterThan(0);
      await expect.poll(() => catalog.states.isLive, { timeout: 2_000, interval: 1 }).toBe(false);
      // An operator sees it on /metrics.
      expect(await metric('folio_boundary_feed_lost_total')).toBeGreaterThan(lostBefore);
      expect(catalog.states.size).toBe(0);
      // Written while nobody listens: heard by no one, and seen all the same.
      await admin.query('UPDATE progress SET page = 3 WHERE reader_id = $1', [r.readerId]);
      expect((await catalog.episode(t.database, r, 1)).body).toBe(await fresh(r, 1));
      expect(catalog.states.size).toBe(0);
      // Back after its retry, and keeping keys again.
      await expect.poll(() => catalog.states.isLive, { timeout: 10_000, interval: 20 }).toBe(true);
      await expect.poll(() => metric('folio_boundary_feed_live'), { timeout: 2_000, interval: 20 }).toBe(1);
      await catalog.episode(t.database, r, 1);
      expect(catalog.states.size).toBeGreaterThan(0);
    } finally {
      await admin.end();
      await catalog.states.close();
    }
  });

  it('LISTEN through a transaction pooler never counts as live (its heartbeat never comes back)', async () => {
    const url = new URL(`postgres://${t.connection!.user}@${t.connection!.host}:${t.connection!.port}/${t.connection!.database}`);
    const bouncer = await startPgBouncer({ host: url.hostname, port: Number(url.port) }, { poolSize: 1 });
    const pool = new pg.Pool(poolConfig(t.connection!, 2));
    const states: boolean[] = [];
    const pooled = new URL(bouncer.pooledUrl(url.toString()));
    const feed = listenOnPostgres(
      { connectionString: pooled.toString() },
      pool,
      'folio_boundary',
      { message: () => {}, live: (isLive) => void states.push(isLive) },
      { heartbeatMs: 100, heartbeatTimeoutMs: 300, retryMs: 100 },
    );
    try {
      await sleep(2_000);
      expect(states).not.toContain(true);
    } finally {
      await feed.close();
      await pool.end();
      await bouncer.stop();
    }
    // And the same feed on the direct connection is live within a heartbeat.
    const direct = new pg.Pool(poolConfig(t.connection!, 2));
    const heard: boolean[] = [];
    const ok = listenOnPostgres(poolConfig(t.connection!, 1), direct, 'folio_boundary', { message: () => {}, live: (isLive) => heard.push(isLive) });
    try {
      await expect.poll(() => heard.includes(true), { timeout: 5_000 }).toBe(true);
    } finally {
      await ok.close();
      await direct.end();
    }
  });
});
