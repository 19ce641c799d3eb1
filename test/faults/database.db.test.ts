/**
 * Database faults through HTTP (PostgreSQL only: PGlite is one in-process
 * connection, with no pool to exhaust and no server-side statement timeout).
 * src/db/restart.db.test.ts covers the server restarting under load; this
 * covers the two other ways a managed PostgreSQL bites:
 *
 *  - the pool is exhausted (more concurrent requests than FOLIO_DB_POOL_MAX,
 *    each stuck behind a lock another session holds): requests queue for a
 *    connection and complete when it frees; one that waits longer than the
 *    pool's connect timeout (10 s) is a 503 `unavailable:database` with
 *    Retry-After — never a 500, never a hang, and /health answers throughout;
 *  - a statement times out (`statement_timeout` set low through the URL's
 *    `options`, as an operator would on a managed plan): a clean 503
 *    `unavailable:database`, and a write that timed out left nothing behind.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePostgresUrl } from '../../src/config/postgres-url.js';
import { importPack } from '../../src/content/importer.js';
import { type Database, openDatabase } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { backend, createPostgresDatabase } from '../db.js';
import { writeTinyPack } from '../packs.js';
import { startTestServer, type TestServer } from '../server.js';

const onPostgres = backend() === 'postgres';
const SERIES = 'dbfault';
const POOL_MAX = 2;

let created: Awaited<ReturnType<typeof createPostgresDatabase>>;
let pooled: Database;
let timed: Database;
let poolServer: TestServer;
let timedServer: TestServer;
let token: string;

beforeAll(async () => {
  if (!onPostgres) return;
  created = await createPostgresDatabase();
  // What FOLIO_DB_POOL_MAX=2 gives `folio serve` (server/runtime.ts passes it as poolMax).
  pooled = await openDatabase({ kind: 'postgres', app: created.connection, direct: created.connection, poolMax: POOL_MAX });
  await migrate(pooled);
  poolServer = await startTestServer(pooled);
  await importPack({ database: pooled, storage: poolServer.storage }, await writeTinyPack({ id: SERIES, episodes: 3, pagesPerEpisode: 3 }));
  token = await poolServer.newReader();
  const moved = await poolServer.fetch(`/api/series/${SERIES}/progress`, { method: 'POST', token, json: { episode: 1, page: 2 } });
  expect(moved.status).toBe(200);
  // The same database through a URL with a 300 ms statement timeout.
  // (%20, not '+': libpq URIs do not read '+' as a space.)
  const conn = parsePostgresUrl(`${created.url}${created.url.includes('?') ? '&' : '?'}options=-c%20statement_timeout%3D300`, 'DATABASE_URL');
  timed = await openDatabase({ kind: 'postgres', app: conn, direct: conn, poolMax: 4 });
  timedServer = await startTestServer(timed, { mediaDir: poolServer.mediaDir });
}, 120_000);

afterAll(async () => {
  await timedServer?.close();
  await poolServer?.close();
  await timed?.close();
  await pooled?.close();
  await created?.drop();
});

/** Hold an ACCESS EXCLUSIVE lock on `table` from another session until the returned function is called. */
async function lockTable(table: string): Promise<() => Promise<void>> {
  const c = new pg.Client({ connectionString: created.url });
  await c.connect();
  await c.query('BEGIN');
  await c.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  return async () => {
    await c.query('COMMIT');
    await c.end();
  };
}

interface Outcome {
  status: number;
  code?: string;
  retryAfter: string | null;
  ms: number;
}

async function hit(server: TestServer, path: string, init: { method?: string; json?: unknown } = {}): Promise<Outcome> {
  const t0 = performance.now();
  const res = await server.fetch(path, { ...init, token, signal: AbortSignal.timeout(40_000) });
  const body = (await res.json().catch(() => ({}))) as { error?: { code: string } };
  return { status: res.status, code: body.error?.code, retryAfter: res.headers.get('retry-after'), ms: performance.now() - t0 };
}

const progressPath = `/api/series/${SERIES}/progress`;

/** 24 requests at once: reads that wait on the lock, reads that do not, writes that wait on it. */
function burst(server: TestServer): Promise<Outcome[]> {
  return Promise.all(
    Array.from({ length: 24 }, (_, i) =>
      i % 3 === 0
        ? hit(server, progressPath)
        : i % 3 === 1
          ? hit(server, `/api/series/${SERIES}`)
          : hit(server, progressPath, { method: 'POST', json: { episode: 1, page: 3 } }),
    ),
  );
}

describe.skipIf(!onPostgres)('database faults (PostgreSQL; PGlite has no pool and no server-side statement timeout)', () => {
  it(`pool exhausted briefly (${POOL_MAX} connections, 24 requests stuck behind a lock for 2 s): they queue and all succeed`, async () => {
    const unlock = await lockTable('progress');
    const pending = burst(poolServer);
    await new Promise((r) => setTimeout(r, 2_000));
    // The process itself is not blocked: /health needs no database.
    const health = await poolServer.fetch('/health');
    expect(health.status).toBe(200);
    await unlock();
    const outcomes = await pending;
    expect(outcomes.map((o) => o.status)).toEqual(outcomes.map(() => 200));
    // The write (forward to 1/3) happened once the lock was released.
    expect(await (await poolServer.fetch(progressPath, { token })).json()).toEqual({ episode: 1, page: 3 });
  }, 60_000);

  it('pool exhausted past the 10 s connect timeout: the queued requests get 503 unavailable:database with Retry-After, the rest 200; never a 500 or a hang', async () => {
    const unlock = await lockTable('progress');
    const pending = burst(poolServer);
    await new Promise((r) => setTimeout(r, 12_000));
    expect((await poolServer.fetch('/health')).status).toBe(200);
    await unlock();
    const outcomes = await pending;
    const statuses = new Set(outcomes.map((o) => o.status));
    expect(
      [...statuses].every((s) => s === 200 || s === 503),
      JSON.stringify(outcomes),
    ).toBe(true);
    const refused = outcomes.filter((o) => o.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const o of refused) {
      expect(o.code).toBe('unavailable:database');
      expect(o.retryAfter).toMatch(/^\d+$/);
    }
    // Every request ended (none hung): the slowest waited for the lock, then answered.
    expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(30_000);
    // And the pool is healthy afterwards.
    expect((await hit(poolServer, progressPath)).status).toBe(200);
    expect((await poolServer.fetch('/ready')).status).toBe(200);
  }, 90_000);

  it('statement timeout (statement_timeout=300ms via the URL): reads and writes get a clean 503 unavailable:database; the timed-out write changed nothing', async () => {
    const before = await (await timedServer.fetch(progressPath, { token })).json();
    const unlock = await lockTable('progress');
    try {
      const read = await hit(timedServer, progressPath);
      const write = await hit(timedServer, progressPath, { method: 'POST', json: { episode: 3, page: 1, confirmSkip: true } });
      for (const o of [read, write]) {
        expect(o.status, JSON.stringify(o)).toBe(503);
        expect(o.code).toBe('unavailable:database');
        expect(o.retryAfter).toMatch(/^\d+$/);
      }
      // What does not touch the locked table still answers.
      expect((await timedServer.fetch('/ready')).status).toBe(200);
    } finally {
      await unlock();
    }
    expect(await (await timedServer.fetch(progressPath, { token })).json()).toEqual(before);
  }, 60_000);
});
